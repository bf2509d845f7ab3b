"""`manage.py demo_load`: fill an empty database with the demo utility's data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kabinet.demo.generator import demo_is_loaded, demo_load, logins_table


class Command(BaseCommand):
    help = (
        "Load demo data for all five reference portals: households and businesses with "
        "accounts, M months of statements, payments and readings, and the demo logins."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--accounts", type=int, default=2000, help="about this many accounts")
        parser.add_argument("--months", type=int, default=36, help="months of history")
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed (same seed, same data)"
        )
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            help="YYYY-MM-DD taken as today: the last period is the month before (default: today)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (and succeed) when the database already has customers",
        )
        parser.add_argument(
            "--print-logins", action="store_true", help="only print the demo logins and exit"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["print_logins"]:
            self.stdout.write(logins_table())
            return
        if options["accounts"] < 1 or not 1 <= options["months"] <= 600:
            raise CommandError("--accounts must be at least 1 and --months between 1 and 600.")
        if demo_is_loaded():
            if options["if_empty"]:
                self.stdout.write("Demo data is already loaded: nothing to do.")
                return
            raise CommandError(
                "The database already has customers. Load demo data into an empty database, "
                "or pass --if-empty to skip loading when data is there."
            )
        self.stdout.write(
            f"Loading demo data: {options['accounts']:,} accounts x {options['months']} months, "
            f"seed {options['seed']}..."
        )
        result = demo_load(
            accounts=options["accounts"],
            months=options["months"],
            seed=options["seed"],
            today=options["today"],
            say=self.stdout.write,
        )
        for name, count in result.rows:
            self.stdout.write(f"  {name:<14} {count:>14,}")
        rate = result.total_rows / max(result.seconds, 1e-9)
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {result.customers:,} customers, {result.accounts:,} accounts, "
                f"{result.total_rows:,} rows in {result.seconds:,.1f} s ({rate:,.0f} rows/s)."
            )
        )
        for username in result.kept_users:
            self.stdout.write(f"  user {username!r} existed already; left as it was")
        self.stdout.write("")
        self.stdout.write(logins_table())
