"""Run once a day (a timer at, say, 09:00): reminders of the readings window, by SMS or e-mail,
to the customers who asked for them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from kabinet.metering.services import reminders_send


class Command(BaseCommand):
    help = "Queue the readings-window reminders due today (run daily)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="Act as if today were this date (YYYY-MM-DD).")

    def handle(self, *args: Any, **options: Any) -> None:
        today = dt.date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        count = reminders_send(today=today)
        self.stdout.write(f"{count} reminder(s) queued for {today}")
