"""`manage.py export_billing NAME --out FILE`: an export as a JSON Lines or CSV file.

Reads the cursor from --cursor-file (default FILE.cursor of the previous run, if given with
--cursor-file) and writes the next one to OUT.cursor only after the file is complete: a run
that is interrupted, or repeated, exports the same records again and never skips one.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kabinet.api import export_entries  # noqa: F401  (registers the exports)
from kabinet.api.exports import EXPORTS, MAX_LIMIT, BadCursor, export_page


class Command(BaseCommand):
    help = "Write an export for billing (readings, users, appeals, …) to a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", choices=sorted(EXPORTS))
        parser.add_argument("--out", type=Path, required=True, help=".jsonl or .csv")
        parser.add_argument("--cursor", help="start after this cursor")
        parser.add_argument("--cursor-file", type=Path, help="read the cursor from this file")

    def handle(self, *args: Any, **options: Any) -> None:
        name, out = options["name"], options["out"]
        cursor = options["cursor"]
        if options["cursor_file"] and options["cursor_file"].exists():
            cursor = options["cursor_file"].read_text().strip() or None
        export = EXPORTS[name]
        fields = list(export.schema.model_fields)
        temp = out.with_name(out.name + ".part")
        count = 0
        with temp.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=fields) if out.suffix == ".csv" else None
            if writer:
                writer.writeheader()
            while True:
                try:
                    page = export_page(name, cursor=cursor, limit=MAX_LIMIT)
                except BadCursor as exc:
                    raise CommandError(f"--cursor: {exc}") from exc
                for item in page.items:
                    data = export.schema.model_validate(item).model_dump(mode="json")
                    if writer:
                        # nested values (a service order's fields) as JSON, not Python's repr
                        writer.writerow({key: json.dumps(value, ensure_ascii=False)
                                         if isinstance(value, dict | list) else value
                                         for key, value in data.items()})  # fmt: skip
                    else:
                        f.write(json.dumps(data, ensure_ascii=False) + "\n")
                count += len(page.items)
                cursor = page.next_cursor
                if not page.has_more:
                    break
        temp.replace(out)
        out.with_name(out.name + ".cursor").write_text(cursor or "")
        self.stdout.write(f"{name}: {count:,} records to {out}; next cursor in {out}.cursor")
