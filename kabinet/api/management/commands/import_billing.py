"""`manage.py import_billing FILE…`: billing's bulk files (CSV, XLSX, JSON Lines), streamed.

Each batch is one transaction; after each kept batch the place reached is written to
FILE.import-state.json, so `--resume` after an interruption goes on from there (and since
imports are idempotent, starting over instead changes nothing either). `--atomic` keeps the
whole file or nothing. Rejected records go to FILE.rejects.csv (line, field, reason).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import itertools
import json
import queue
import sys
import threading
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any, TypeVar

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from kabinet.api.files import FileFormatError, RecordFile, detect_format, detect_type
from kabinet.api.imports import RECORD_TYPES, Outcome, import_batch
from kabinet.api.imports.statements import fast_line_pattern, irregular_lines

BATCH = {"statements": 100_000}  # the set-based path likes big batches; the others 10,000
DEFAULT_BATCH = 10_000
T = TypeVar("T")


class _AtomicFailed(Exception):
    pass


def fingerprint(path: Path) -> str:
    """Size, and the hash of the first and last MiB: enough to know it is the same file."""
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with path.open("rb") as f:
        digest.update(f.read(1 << 20))
        if size > 2 << 20:
            f.seek(-(1 << 20), 2)
            digest.update(f.read())
    return digest.hexdigest()


class Command(BaseCommand):
    help = "Import billing's files: addresses, customers, accounts, …, statements, payments."
    # A bulk job run by cron or by hand: the system checks (URL configuration, templates, …)
    # took 1.3 s and 26 MB of every run and check nothing it uses; `manage.py check` and the
    # web server's start run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--type", choices=sorted(RECORD_TYPES), help="default: from the name")
        parser.add_argument("--atomic", action="store_true", help="the whole file, or nothing")
        parser.add_argument("--dry-run", action="store_true", help="check and count, keep nothing")
        parser.add_argument("--resume", action="store_true", help="go on after an interruption")
        parser.add_argument("--batch", type=int, help="records per transaction")
        parser.add_argument("--rejects", type=Path, help="default: FILE.rejects.csv")

    def handle(self, *args: Any, **options: Any) -> None:
        failed = False
        for path in options["files"]:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
            try:
                outcome = self.import_file(path, **options)
            except FileFormatError as exc:
                raise CommandError(str(exc)) from exc
            failed = failed or bool(outcome.rejected)
        if failed and options["atomic"]:
            raise CommandError("Rejected records: nothing was imported (atomic).")

    def import_file(self, path: Path, **options: Any) -> Outcome:
        record_type = options["type"] or detect_type(path, set(RECORD_TYPES))
        source = RecordFile(path, detect_format(path))
        batch = options["batch"] or BATCH.get(record_type, DEFAULT_BATCH)
        state_path = path.with_name(path.name + ".import-state.json")
        rejects_path = options["rejects"] or path.with_name(path.name + ".rejects.csv")
        skip = self._resume_point(path, state_path, record_type, options["resume"])
        totals = Outcome()
        rejected = 0
        started = time.monotonic()
        layout = None
        if record_type == "statements" and source.format == "csv":
            names, delimiter = source.csv_layout()
            if fast_line_pattern(names, delimiter) is not None and len(set(names)) == len(names):
                layout = (names, delimiter)  # the fast path: lines straight to the staging table
        records: Any = source.lines() if layout else source.records()
        done = 0
        if skip:
            done = sum(1 for _ in itertools.islice(records, skip))
            self.stderr.write(f"{path.name}: resuming after {done:,} records")
        blocks = _read_ahead(_csv_blocks(records, batch, *layout)) if layout else None
        with rejects_path.open("w", newline="", encoding="utf-8") as rejects_file:
            rejects = csv.writer(rejects_file)
            rejects.writerow(["line", "field", "reason"])
            try:
                with transaction.atomic() if options["atomic"] else contextlib.nullcontext():
                    while True:
                        chunk: Any
                        irregular = None
                        if blocks is not None:  # a block of lines, read and matched ahead
                            block = next(blocks, None)
                            if block is None:
                                break
                            chunk, irregular = block
                            taken = len(chunk)
                        else:
                            chunk = counter = _Counter(records, batch)
                        outcome = import_batch(
                            record_type,
                            chunk,
                            atomic=False,
                            dry_run=options["dry_run"],
                            source=f"file:{path.name}",
                            csv_layout=layout,
                            first_line=done + 2,  # the header is line 1
                            csv_irregular=irregular,
                        )
                        if not layout:
                            taken = counter.taken
                        if not taken:
                            break
                        done += taken
                        for r in outcome.rejected:
                            rejects.writerow([r.index, r.field, r.reason])
                        rejected += len(outcome.rejected)
                        outcome.rejected = []
                        totals.add(outcome)
                        if not options["atomic"] and not options["dry_run"]:
                            self._save_state(state_path, path, record_type, done)
                        self._progress(path, source.fraction, done, started)
                    if options["atomic"] and rejected:
                        raise _AtomicFailed
            except _AtomicFailed:
                totals.discard_writes()
            finally:
                if blocks is not None:
                    blocks.close()  # the reading thread stops
        self.stderr.write("")
        if state_path.exists():
            state_path.unlink()
        seconds = max(time.monotonic() - started, 1e-9)
        verb = "would be" if options["dry_run"] else "were"
        self.stdout.write(
            f"{path.name} ({record_type}): {done:,} records in {seconds:,.1f} s "
            f"({done / seconds:,.0f}/s); {totals.created:,} created, {totals.updated:,} updated, "
            f"{totals.unchanged:,} unchanged, {rejected:,} rejected"
            + (f" (see {rejects_path})" if rejected else "")
            + (
                f"; nothing {verb} kept"
                if options["dry_run"] or (options["atomic"] and rejected)
                else ""
            )
        )
        if not rejected:
            rejects_path.unlink()
        totals.rejected = [None] * rejected  # type: ignore[list-item]  # only the count matters
        return totals

    def _resume_point(self, path: Path, state_path: Path, record_type: str, resume: bool) -> int:
        if not state_path.exists():
            return 0
        if not resume:
            self.stderr.write(f"{path.name}: an interrupted import is recorded; starting over "
                              "(pass --resume to go on from where it stopped)")  # fmt: skip
            return 0
        state = json.loads(state_path.read_text())
        if state.get("fingerprint") != fingerprint(path) or state.get("type") != record_type:
            raise CommandError(f"{path.name} changed since the interrupted import: import it "
                               "again without --resume")  # fmt: skip
        return int(state["done"])

    def _save_state(self, state_path: Path, path: Path, record_type: str, done: int) -> None:
        if not hasattr(self, "_fingerprint"):
            self._fingerprint = fingerprint(path)
        temp = state_path.with_suffix(".tmp")
        temp.write_text(json.dumps({"fingerprint": self._fingerprint, "type": record_type,
                                    "done": done}))  # fmt: skip
        temp.replace(state_path)

    def _progress(self, path: Path, fraction: float, done: int, started: float) -> None:
        width = 30
        filled = int(width * fraction)
        rate = done / max(time.monotonic() - started, 1e-9)
        bar = "#" * filled + "-" * (width - filled)
        end = "\r" if sys.stderr.isatty() else "\n"
        self.stderr.write(f"{path.name} [{bar}] {fraction:6.1%} {done:,} records, {rate:,.0f}/s",
                          ending=end)  # fmt: skip


def _csv_blocks(
    lines: Iterator[str], size: int, names: list[str], delimiter: str
) -> Iterator[tuple[list[str], list[int] | None]]:
    """Blocks of `size` lines as read, each with the positions of its lines that need the
    full parse (`irregular_lines`)."""
    while block := list(itertools.islice(lines, size)):
        yield block, irregular_lines(block, names, delimiter)


def _read_ahead(items: Iterator[T]) -> Generator[T, None, None]:
    """`items`, each made by a thread while the one before is in use: reading a block and
    matching its lines is Python's share of the import (a second on 1,000,000 lines); the
    main thread waits on the database meanwhile, which lets the other run. One item ahead
    at most. Closing this generator stops the thread."""
    ready: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item: tuple[bool, Any]) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not put((False, item)):
                    return
            put((True, None))
        except BaseException as exc:  # raised in the main thread instead
            put((True, exc))

    thread = threading.Thread(target=work, name="import_billing read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            end, item = ready.get()
            if end:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
        thread.join()


class _Counter:
    """Up to `limit` records of a shared iterator, counting how many were taken."""

    def __init__(self, records: Any, limit: int) -> None:
        self.records = records
        self.limit = limit
        self.taken = 0

    def __iter__(self) -> Any:
        for record in itertools.islice(self.records, self.limit):
            self.taken += 1
            yield record
