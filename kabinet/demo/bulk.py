"""Fast bulk inserts for the demo data: rows as tuples, straight to the database driver.

The ORM's bulk_create builds a model instance per row; at tens of millions of statement rows
that alone takes hours. Here rows are tuples of ready-made values in a table's column order,
written with multi-row INSERTs on SQLite and `COPY … FROM STDIN` on PostgreSQL, in batches,
inside the caller's transaction. Primary keys of the tables other rows point to are given out
here, so no round trip is needed to learn them.

Values are what the driver would get from Django: str for dates, timestamps and text, int,
float for amounts (see history.py on why that is exact), None for NULL.
"""

from __future__ import annotations

import contextlib
import itertools
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import DatabaseError, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

Row = tuple[Any, ...]
Batch = list[tuple["Table", list[Row]]]
ROWS_PER_INSERT = 250  # SQLite: rows per INSERT statement (3x the speed of one row each)
SQLITE_MAX_VARIABLES = 32766  # SQLite's limit on "?" per statement since 3.32


@contextlib.contextmanager
def bulk_mode(connection: BaseDatabaseWrapper, *, cache_mib: int = 512) -> Iterator[None]:
    """Tune SQLite for one huge transaction, and put its settings back afterwards.

    In WAL mode every page of a big transaction is written twice (to the WAL, then into the
    database at the checkpoint); a rollback journal writes pages that are new to the file only
    once. A larger page cache keeps the indexes being filled in memory. Outside SQLite, or
    inside a transaction, nothing changes.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size")
        cache = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = {-1024 * cache_mib}")
        if journal == "wal":
            with contextlib.suppress(DatabaseError):  # another process has it open: keep WAL
                cursor.execute("PRAGMA journal_mode = DELETE")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {cache}")
            if journal == "wal":
                cursor.execute("PRAGMA journal_mode = WAL")


class Table:
    """Rows waiting to be written to one model's table, with the columns they fill."""

    def __init__(self, model: type[models.Model], fields: Sequence[str]) -> None:
        meta = model._meta
        self.model = model
        self.name = meta.db_table
        column_of = {f.name: str(f.column) for f in meta.concrete_fields}
        self.columns = [column_of[name] for name in fields]
        # Raw inserts get no Python-side defaults: every NOT NULL column must be given.
        missing = [
            f.name
            for f in meta.concrete_fields
            if not f.null and not f.primary_key and f.column not in self.columns
            and f.db_default is models.NOT_PROVIDED
        ]  # fmt: skip
        if missing:
            raise ValueError(f"{self.name}: the demo rows must fill {', '.join(missing)}")
        self.rows: list[Row] = []
        self.written = 0


class BulkWriter:
    """Buffers rows per table and writes them all, in dependency order, when enough piled up.

    Create it inside the transaction that should hold the data. Parents are written before
    children in every batch, so foreign keys hold whenever they are checked.
    """

    def __init__(
        self,
        *,
        connection: BaseDatabaseWrapper,
        flush_rows: int = 50_000,
        report: Callable[[str], None] | None = None,
        report_seconds: float = 5.0,
    ) -> None:
        self.connection = connection
        self.vendor = connection.vendor
        self.flush_rows = flush_rows
        self.report = report
        self.report_seconds = report_seconds
        self.tables: list[Table] = []
        self.pending = 0
        self.started = self.last_report = time.monotonic()
        self.progress: Callable[[], str] = lambda: ""
        # Timestamps: SQLite stores naive UTC text, PostgreSQL parses an explicit offset.
        self.tz_suffix = "" if self.vendor == "sqlite" else "+00:00"
        connection.ensure_connection()
        # The driver's own connection: `django.db.connection` resolves per thread, and the
        # writer thread must use this one, inside the caller's transaction.
        self.raw: Any = connection.connection
        self.quote = connection.ops.quote_name
        self.triggers_skipped = False
        self._queue: queue.Queue[Batch | None] = queue.Queue(maxsize=2)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        if self.vendor == "postgresql" and connection.in_atomic_block:
            self._postgresql_session()

    def _postgresql_session(self) -> None:
        """Foreign-key checks: immediate instead of all at the commit, or skipped if allowed.

        Deferred, the checks of 8M rows added 50 s at the commit. Where the role may (a
        superuser, or SET granted on the parameter) the foreign-key triggers are skipped, as
        `pg_restore --disable-triggers` does, and the keys are verified with one anti-join
        per foreign key after the load instead (`finish`): 35% faster at 100k accounts.
        """
        with self.connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            try:
                with transaction.atomic():  # a savepoint: a refusal must not end the load
                    cursor.execute("SET LOCAL session_replication_role = replica")
                self.triggers_skipped = True
            except DatabaseError:
                pass

    # --- set-up -----------------------------------------------------------------------------

    def table(self, model: type[models.Model], fields: Sequence[str]) -> Table:
        table = Table(model, fields)
        self.tables.append(table)
        return table

    def next_id(self, model: type[models.Model]) -> int:
        """The first free primary key: ids are given out here, not by the database."""
        found = model._default_manager.aggregate(top=models.Max("pk"))["top"]
        return int(found or 0) + 1

    # --- writing ----------------------------------------------------------------------------
    # On PostgreSQL a writer thread sends each batch while Python builds the next one (the
    # server works in its own process; measured 12% faster). On SQLite the inserts run in this
    # thread: sqlite3 drops and retakes the GIL around every statement, and beside a busy
    # producer each retake waits for the interpreter's switch interval (measured 17% slower).
    # The queue holds at most two batches, so memory stays bounded.

    def add(self, table: Table, row: Row) -> None:
        table.rows.append(row)
        self.pending += 1

    def maybe_flush(self) -> None:
        if self.pending >= self.flush_rows:
            self.flush()

    def flush(self) -> None:
        batch = [(table, table.rows) for table in self.tables if table.rows]
        for table in self.tables:
            table.rows = []
        self.pending = 0
        if self._error is not None:
            raise self._error
        if batch and self.vendor == "postgresql":
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="demo-writer", daemon=True)
                self._thread.start()
            self._queue.put(batch)
        elif batch:
            self._write(batch)
        now = time.monotonic()
        if self.report and now - self.last_report >= self.report_seconds:
            self.last_report = now
            self.report(self.status())

    def _work(self) -> None:
        while (batch := self._queue.get()) is not None:
            if self._error is not None:
                continue  # keep draining, so the producer never blocks on a dead writer
            try:
                self._write(batch)
            except BaseException as exc:  # re-raised in the producer's thread
                self._error = exc

    def _write(self, batch: Batch) -> None:
        write = self._copy if self.vendor == "postgresql" else self._insert
        for table, rows in batch:
            write(table, rows)
            table.written += len(rows)

    def _insert(self, table: Table, rows: list[Row]) -> None:
        quote, width = self.quote, len(table.columns)
        columns = ", ".join(quote(c) for c in table.columns)
        one = "(" + ", ".join("?" * width) + ")"
        per = max(1, min(ROWS_PER_INSERT, SQLITE_MAX_VARIABLES // width))

        def sql(count: int) -> str:
            values = ", ".join([one] * count)
            return f"INSERT INTO {quote(table.name)} ({columns}) VALUES {values}"  # noqa: S608

        full = len(rows) - len(rows) % per
        flat = itertools.chain.from_iterable
        if full:
            params = [tuple(flat(rows[k : k + per])) for k in range(0, full, per)]
            self.raw.executemany(sql(per), params)
        if full < len(rows):
            self.raw.execute(sql(len(rows) - full), tuple(flat(rows[full:])))

    def _copy(self, table: Table, rows: list[Row]) -> None:
        columns = ", ".join(self.quote(c) for c in table.columns)
        with (
            self.raw.cursor() as cursor,
            cursor.copy(f"COPY {self.quote(table.name)} ({columns}) FROM STDIN") as copy,
        ):
            write_row = copy.write_row
            for row in rows:
                write_row(row)

    def _stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def finish(self) -> None:
        """Write what is left, verify skipped foreign keys, move PostgreSQL's sequences on."""
        self.flush()
        self._stop()
        if self._error is not None:
            raise self._error
        if self.triggers_skipped:
            self._verify_foreign_keys()
            with self.connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = origin")
        models_written = [table.model for table in self.tables]
        with self.connection.cursor() as cursor:
            for sql in self.connection.ops.sequence_reset_sql(no_style(), models_written):
                cursor.execute(sql)

    def abandon(self) -> None:
        """Stop the writer thread after a failure elsewhere (the transaction rolls back)."""
        self._error = self._error or RuntimeError("bulk load abandoned")
        self._stop()

    def _verify_foreign_keys(self) -> None:
        quote = self.quote
        with self.connection.cursor() as cursor:
            for table in self.tables:
                for field in table.model._meta.concrete_fields:
                    if not field.is_relation or field.column not in table.columns:
                        continue
                    target = field.target_field  # type: ignore[attr-defined]
                    child, parent = quote(str(field.column)), quote(target.column)
                    cursor.execute(
                        f"SELECT count(*) FROM {quote(table.name)} c WHERE c.{child} IS NOT NULL "  # noqa: S608
                        f"AND NOT EXISTS (SELECT 1 FROM {quote(target.model._meta.db_table)} p "
                        f"WHERE p.{parent} = c.{child})"
                    )
                    orphans = cursor.fetchone()[0]
                    if orphans:
                        raise DatabaseError(f"{table.name}.{field.column}: {orphans} orphan rows")

    # --- reporting --------------------------------------------------------------------------

    @property
    def rows_written(self) -> int:
        return sum(table.written for table in self.tables)

    def status(self) -> str:
        seconds = max(time.monotonic() - self.started, 1e-9)
        rows = self.rows_written
        return f"{self.progress()}{rows:,} rows in {seconds:,.0f} s ({rows / seconds:,.0f} rows/s)"

    def summary(self) -> list[tuple[str, int]]:
        return [(table.model.__name__, table.written) for table in self.tables]
