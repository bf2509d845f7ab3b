"""`manage.py notify_sweep`: re-enqueue outbox messages the task queue lost. Run from cron:

* * * * *  cd /srv/kabinet && .venv/bin/python manage.py notify_sweep
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kabinet.notify.tasks import sweep_due_messages


class Command(BaseCommand):
    help = "Re-enqueue overdue queued messages and ones stuck in sending (safe every minute)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = sweep_due_messages()
        if options["verbosity"] >= 1:
            self.stdout.write(f"{count} message(s) re-enqueued")
