"""Monthly statements by (account number, period): the heavy import, set-based.

Every account gets a statement each month, so this path is built for millions of rows: records
are parsed by hand (no model instance, no pydantic object per row) and streamed straight into a
temporary staging table — `COPY … FROM STDIN` on PostgreSQL, `executemany` on SQLite, both
inside the caller's transaction — then a few set-based statements name the records whose
account is unknown or whose key repeats, and one `INSERT … SELECT … ON CONFLICT DO UPDATE …
WHERE <something differs>` writes the new and changed statements and leaves the rest alone.
Nothing is held in memory per row, so memory stays flat whatever the file size.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Iterator
from typing import Annotated, Any

import pydantic
from django.db import connection
from django.utils import timezone

from kabinet.billing.models import Source, Statement
from kabinet.customers.models import Account

from .base import Outcome, Period, Record, RecordType, period_of

STAGE = "kabinet_import_statement"
AMOUNTS = ("opening_balance", "charged", "paid", "closing_balance")
# field → (max digits, decimal places), as on the model
NUMBERS = {"volume": (14, 3), **dict.fromkeys(AMOUNTS, (14, 2)), "tariff": (12, 5)}
COLUMNS = ("idx", "account_number", "period", *NUMBERS)


class StatementRecord(Record):
    """The layout of a statement record (documentation; parsing is `parse_statement`)."""

    account_number: str = pydantic.Field(min_length=1, max_length=32)
    period: Annotated[dt.date, Period]
    volume: decimal.Decimal = pydantic.Field(decimal.Decimal(0), max_digits=14, decimal_places=3)
    opening_balance: decimal.Decimal = pydantic.Field(
        decimal.Decimal(0), max_digits=14, decimal_places=2
    )
    charged: decimal.Decimal = pydantic.Field(decimal.Decimal(0), max_digits=14, decimal_places=2)
    paid: decimal.Decimal = pydantic.Field(decimal.Decimal(0), max_digits=14, decimal_places=2)
    closing_balance: decimal.Decimal = pydantic.Field(
        decimal.Decimal(0), max_digits=14, decimal_places=2
    )
    tariff: decimal.Decimal | None = pydantic.Field(None, max_digits=12, decimal_places=5)


class BadValue(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field


ZERO = decimal.Decimal(0)


def _number(raw: dict[str, Any], name: str, digits: int, places: int) -> decimal.Decimal | None:
    value = raw.get(name)
    if value is None or value == "":
        return None if name == "tariff" else ZERO
    try:
        number = decimal.Decimal(str(value).strip().replace(",", "."))
    except decimal.InvalidOperation:
        raise BadValue(name, "not a number") from None
    if not number.is_finite():
        raise BadValue(name, "not a number")
    _sign, figures, exponent = number.as_tuple()
    if isinstance(exponent, int) and exponent < -places:
        raise BadValue(name, f"at most {places} decimal places")
    whole = len(figures) + exponent if isinstance(exponent, int) else len(figures)
    if whole > digits - places:
        raise BadValue(name, f"at most {digits - places} digits before the decimal point")
    return number


def parse_statement(index: int, raw: Any) -> tuple[Any, ...]:
    """The staging row for one record, or BadValue naming the field and why."""
    if not isinstance(raw, dict):
        raise BadValue("", "a record is an object of field names and values")
    number = raw.get("account_number")
    number = str(number).strip() if number is not None else ""
    if not number:
        raise BadValue("account_number", "required")
    if len(number) > 32:
        raise BadValue("account_number", "at most 32 characters")
    period = raw.get("period")
    if period is None or period == "":
        raise BadValue("period", "required")
    try:
        month = period_of(period)
    except ValueError:
        raise BadValue("period", "a period is a month: YYYY-MM") from None
    values = [_number(raw, name, *NUMBERS[name]) for name in NUMBERS]
    return (index, number, month, *values)


class Statements(RecordType):
    name = "statements"
    title = "Monthly statements by account and period (set-based)"
    schema = StatementRecord

    def key(self, row: Any) -> Any:
        return (row[1], row[2])

    def import_chunk(self, records: Iterable[tuple[int, Any]], outcome: Outcome) -> None:
        """Stage, reject, upsert: call inside a transaction."""
        vendor = connection.vendor
        self._create_stage(vendor)
        try:
            rows = self._parsed(records, outcome)
            if vendor == "postgresql":
                self._copy(rows)
            else:
                self._executemany(rows)
            self._reject_unknown_and_repeated(outcome)
            self._upsert(vendor, outcome)
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")

    def _parsed(
        self, records: Iterable[tuple[int, Any]], outcome: Outcome
    ) -> Iterator[tuple[Any, ...]]:
        for index, raw in records:
            try:
                yield parse_statement(index, raw)
            except BadValue as exc:
                outcome.reject(index, exc.field, str(exc))

    def _create_stage(self, vendor: str) -> None:
        number = "numeric" if vendor == "postgresql" else "decimal"
        numbers = ", ".join(f"{name} {number}" for name in NUMBERS)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {STAGE} "
                f"(idx bigint, account_number varchar(32), period date, {numbers})"
            )

    def _copy(self, rows: Iterator[tuple[Any, ...]]) -> None:
        raw = connection.connection
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {STAGE} ({', '.join(COLUMNS)}) FROM STDIN") as copy,
        ):
            write_row = copy.write_row
            for row in rows:
                write_row(row)

    def _executemany(self, rows: Iterator[tuple[Any, ...]]) -> None:
        marks = ", ".join("?" * len(COLUMNS))
        sql = f"INSERT INTO {STAGE} ({', '.join(COLUMNS)}) VALUES ({marks})"  # noqa: S608
        adapted = (
            (r[0], r[1], r[2].isoformat(), *(None if v is None else str(v) for v in r[3:]))
            for r in rows
        )
        connection.connection.executemany(sql, adapted)

    def _reject_unknown_and_repeated(self, outcome: Outcome) -> None:
        account = Account._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT s.idx FROM {STAGE} s LEFT JOIN {account} a "  # noqa: S608
                "ON a.number = s.account_number WHERE a.id IS NULL ORDER BY s.idx"
            )
            for (index,) in cursor.fetchall():
                outcome.reject(int(index), "account_number", "unknown account")
            cursor.execute(
                "SELECT idx, first FROM (SELECT idx, min(idx) OVER "  # noqa: S608
                f"(PARTITION BY account_number, period) AS first FROM {STAGE}) t "
                "WHERE idx <> first ORDER BY idx"
            )
            for index, first in cursor.fetchall():
                outcome.reject(int(index), "", f"the same key as record {first}")

    def _upsert(self, vendor: str, outcome: Outcome) -> None:
        table, account = Statement._meta.db_table, Account._meta.db_table
        names = list(NUMBERS)
        fields = ", ".join(names)
        picked = ", ".join(f"s.{name}" for name in names)
        updates = ", ".join(f"{name} = excluded.{name}" for name in [*names, "source", "as_of"])
        differs_op = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
        differs = " OR ".join(
            f"{table}.{name} {differs_op} excluded.{name}" for name in [*names, "source"]
        )
        as_of = timezone.now()
        as_of_param: Any = (
            as_of if vendor == "postgresql" else as_of.strftime("%Y-%m-%d %H:%M:%S.%f")
        )
        first = (
            f"(SELECT *, min(idx) OVER (PARTITION BY account_number, period) AS first "  # noqa: S608
            f"FROM {STAGE})"
        )
        select = (
            f"SELECT a.id, s.period, {picked}, %s, %s FROM {first} s "  # noqa: S608
            f"JOIN {account} a ON a.number = s.account_number WHERE s.idx = s.first"
        )
        upsert = (
            f"INSERT INTO {table} (account_id, period, {fields}, source, as_of) {select} "
            f"ON CONFLICT (account_id, period) DO UPDATE SET {updates} WHERE {differs}"
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {first} s JOIN {account} a "  # noqa: S608
                           "ON a.number = s.account_number WHERE s.idx = s.first")  # fmt: skip
            known = int(cursor.fetchone()[0])
            if vendor == "postgresql":
                cursor.execute(
                    f"WITH up AS ({upsert} RETURNING (xmax = 0) AS inserted) "  # noqa: S608
                    "SELECT count(*) FILTER (WHERE inserted), count(*) FROM up",
                    [Source.BILLING, as_of_param],
                )
                created, written = cursor.fetchone()
            else:
                cursor.execute(
                    f"SELECT count(*) FROM {first} s JOIN {account} a "  # noqa: S608
                    f"ON a.number = s.account_number LEFT JOIN {table} b "
                    "ON b.account_id = a.id AND b.period = s.period "
                    "WHERE s.idx = s.first AND b.id IS NULL"
                )
                created = int(cursor.fetchone()[0])
                cursor.execute(upsert, [Source.BILLING, as_of_param])
                written = cursor.rowcount
        outcome.created += int(created)
        outcome.updated += int(written) - int(created)
        outcome.unchanged += known - int(written)
