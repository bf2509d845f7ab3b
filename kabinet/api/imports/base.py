"""What every record type shares: the outcome of a batch, rejections, and the ORM upsert.

A record type validates raw records (dicts from JSON, CSV or XLSX, values possibly strings)
into rows and upserts them by their natural key. Rows are compared with what is stored, so a
record that changes nothing is counted as unchanged and not written (re-imports change nothing).
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pydantic
from django.db import models

MAX_BATCH = 10_000  # records per API request; files are read in batches of this size too


@dataclass
class Rejection:
    index: int  # the record's position: 0-based in an API batch, the data line in a file
    field: str  # "" when the record as a whole is wrong
    reason: str


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def add(self, other: Outcome) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected.extend(other.rejected)

    def reject(self, index: int, field_name: str, reason: str) -> None:
        self.rejected.append(Rejection(index, field_name, reason))

    def discard_writes(self) -> None:
        """Atomic mode with a bad record: nothing was kept."""
        self.created = self.updated = self.unchanged = 0


class Record(pydantic.BaseModel):
    """A record as billing sends it: strings from files are coerced, blank cells are None."""

    model_config = pydantic.ConfigDict(extra="ignore", str_strip_whitespace=True)

    @pydantic.model_validator(mode="before")
    @classmethod
    def _blank_is_missing(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v is not None and v != ""}
        return data


def period_of(value: Any) -> dt.date:
    """“2025-03” or “2025-03-01” → the first day of that month."""
    if isinstance(value, dt.date):
        day = value
    else:
        text = str(value).strip()
        day = dt.date.fromisoformat(text + "-01" if len(text) == 7 else text)
    if day.day != 1:
        raise ValueError("a period is a month: YYYY-MM or the first day of the month")
    return day


Period = pydantic.BeforeValidator(period_of)


class RecordType:
    """One kind of record billing imports; subclasses live one per module in this package."""

    name: ClassVar[str]
    schema: ClassVar[type[Record]]
    title: ClassVar[str]

    def validate(self, records: Sequence[tuple[int, Any]], outcome: Outcome) -> list[Any]:
        """(index, raw record) → the valid rows as (index, schema instance)."""
        rows = []
        for index, raw in records:
            if not isinstance(raw, dict):
                outcome.reject(index, "", "a record is an object of field names and values")
                continue
            try:
                rows.append((index, self.schema.model_validate(raw)))
            except pydantic.ValidationError as exc:
                for error in exc.errors():
                    where = ".".join(str(part) for part in error["loc"])
                    outcome.reject(index, where, error["msg"])
        return unique_keys(rows, self.key, outcome)

    def key(self, row: Any) -> Any:
        raise NotImplementedError

    def import_chunk(self, records: Iterable[tuple[int, Any]], outcome: Outcome) -> None:
        """Validate and upsert one chunk of (index, raw record); call inside a transaction."""
        self.upsert(self.validate(list(records), outcome), outcome)

    def upsert(self, rows: list[tuple[int, Any]], outcome: Outcome) -> None:
        raise NotImplementedError


def unique_keys(rows: list[tuple[int, Any]], key: Any, outcome: Outcome) -> list[Any]:
    """A natural key given twice in one batch is ambiguous: the later records are rejected."""
    first: dict[Any, int] = {}
    kept = []
    for index, row in rows:
        k = key(row)
        if k in first:
            outcome.reject(index, "", f"the same key as record {first[k]}")
        else:
            first[k] = index
            kept.append((index, row))
    return kept


def _same(stored: Any, new: Any) -> bool:
    if isinstance(stored, decimal.Decimal) or isinstance(new, decimal.Decimal):
        return stored is not None and new is not None and decimal.Decimal(stored) == new
    return bool(stored == new)


def orm_upsert(
    model: type[models.Model],
    key_fields: Sequence[str],
    rows: Iterable[tuple[int, dict[str, Any]]],
    outcome: Outcome,
    *,
    keep: Sequence[str] = (),
) -> dict[tuple[Any, ...], Any]:
    """Create or update `model` rows (index, field values) by `key_fields`; count the outcome.

    One query reads the candidates (every key field IN the batch's values, then exact match in
    Python), then bulk_create and bulk_update write what is new or changed. `keep` names fields
    set on creation only (e.g. `as_of` must not turn a re-import into an update). Returns the
    objects by key."""
    rows = list(rows)
    if not rows:
        return {}
    lookup = {f"{name}__in": {values[name] for _i, values in rows} for name in key_fields}
    existing = {
        tuple(getattr(obj, name) for name in key_fields): obj
        for obj in model._default_manager.filter(**lookup)
    }
    new, changed, changed_fields = [], [], set()
    for _index, values in rows:
        key = tuple(values[name] for name in key_fields)
        obj = existing.get(key)
        if obj is None:
            obj = model(**values)
            existing[key] = obj
            new.append(obj)
            continue
        diff = [
            name
            for name, value in values.items()
            if name not in keep and not _same(getattr(obj, name), value)
        ]
        if diff:
            for name in diff:
                setattr(obj, name, values[name])
            changed.append(obj)
            changed_fields.update(diff)
        else:
            outcome.unchanged += 1
    if new:
        model._default_manager.bulk_create(new, batch_size=1000)
    if changed:
        model._default_manager.bulk_update(changed, sorted(changed_fields), batch_size=1000)
    outcome.created += len(new)
    outcome.updated += len(changed)
    return existing


def ids_by(model: type[models.Model], field_name: str, values: Iterable[Any]) -> dict[Any, int]:
    """{natural key value: pk} for the values that exist."""
    wanted = {v for v in values if v is not None}
    if not wanted:
        return {}
    pairs = model._default_manager.filter(**{f"{field_name}__in": wanted}).values_list(
        field_name, "pk"
    )
    return dict(pairs)
