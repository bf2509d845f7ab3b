"""Bulk files from billing, read as a stream of (line, record) whatever their size.

Layout: one file per record type, its name starting with the type (`statements-2025-03.csv`,
`accounts.jsonl`, `meters.xlsx`) unless `--type` says otherwise.
- CSV: UTF-8 (a BOM is fine), a header row with the field names of the record type, comma or
  semicolon separated (found from the header), decimal point or comma.
- XLSX: the first sheet, a header row, then one record per row (read in read-only mode).
- JSON Lines: one JSON object per line.
The line numbers given with rejected records are the file's own: the header is line 1.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

FORMATS = ("csv", "jsonl", "xlsx")


class FileFormatError(ValueError):
    pass


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("ndjson", "json"):
        return "jsonl"
    if suffix not in FORMATS:
        raise FileFormatError(f"{path.name}: a .csv, .xlsx or .jsonl file, please")
    return suffix


def detect_type(path: Path, known: set[str]) -> str:
    stem = path.name.lower()
    for name in sorted(known, key=len, reverse=True):
        if stem.startswith(name) or stem.startswith(name.replace("_", "-")):
            return name
    raise FileFormatError(
        f"{path.name}: name the record type with --type ({', '.join(sorted(known))})"
    )


class CountingReader(io.RawIOBase):
    """Counts the bytes read, for the progress bar of text formats."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n


class RecordFile:
    """Iterate over (line, record); `done` and `size` tell the progress (bytes, or rows)."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path = path
        self.format = fmt
        self.size = path.stat().st_size
        self._counter: CountingReader | None = None
        self._rows_done = 0
        self._rows_total = 0

    @property
    def fraction(self) -> float:
        if self._counter is not None:
            return min(1.0, self._counter.count / max(self.size, 1))
        return self._rows_done / max(self._rows_total, 1)

    def records(self) -> Iterator[tuple[int, Any]]:
        if self.format == "xlsx":
            yield from self._xlsx()
            return
        text = self._open_text()
        try:
            if self.format == "csv":
                yield from self._csv(text)
            else:
                yield from self._jsonl(text)
        finally:
            text.close()

    def _open_text(self, errors: str = "strict") -> io.TextIOWrapper:
        self._counter = CountingReader(self.path.open("rb"))
        return io.TextIOWrapper(
            io.BufferedReader(self._counter, 1 << 20),
            encoding="utf-8-sig",
            errors=errors,
            newline="",
        )

    def _header(self, text: io.TextIOWrapper) -> tuple[list[str], str]:
        header_line = text.readline()
        delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
        header = next(csv.reader([header_line], delimiter=delimiter), [])
        names = [name.strip() for name in header]
        if not names or not any(names):
            raise FileFormatError(f"{self.path.name}: the first line must name the fields")
        return names, delimiter

    def csv_layout(self) -> tuple[list[str], str]:
        """The header's field names and the delimiter of a CSV file."""
        with self._open_text(errors="replace") as text:  # as `lines` reads the rest
            return self._header(text)

    def lines(self) -> Iterator[str]:
        """A CSV file's data lines as read (line 2 first: the header is line 1), for the fast
        path of records that never span lines (statements). Bytes that are not UTF-8 become
        U+FFFD, so that the record is rejected for its value, not the whole file."""
        with self._open_text(errors="replace") as text:
            self._header(text)
            yield from text

    def _csv(self, text: io.TextIOWrapper) -> Iterator[tuple[int, Any]]:
        names, delimiter = self._header(text)
        reader = csv.reader(text, delimiter=delimiter)
        line = 1
        for row in reader:
            line = reader.line_num + 1
            if not row:
                continue
            yield line, dict(zip(names, row, strict=False))

    def _jsonl(self, text: io.TextIOWrapper) -> Iterator[tuple[int, Any]]:
        for line, raw in enumerate(text, start=1):
            if not raw.strip():
                continue
            try:
                yield line, json.loads(raw)
            except json.JSONDecodeError:
                yield line, None  # rejected: not a record

    def _xlsx(self) -> Iterator[tuple[int, Any]]:
        from openpyxl import load_workbook

        workbook = load_workbook(self.path, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            self._rows_total = sheet.max_row or 0
            rows = sheet.iter_rows(values_only=True)
            header = next(rows, None)
            if not header:
                raise FileFormatError(f"{self.path.name}: the first row must name the fields")
            names = [str(h).strip() if h is not None else "" for h in header]
            for line, row in enumerate(rows, start=2):
                self._rows_done = line
                if row is None or all(v is None for v in row):
                    continue
                yield line, {n: v for n, v in zip(names, row, strict=False) if n}
        finally:
            workbook.close()
