"""Scan the appeal attachments left in quarantine because clamd did not answer at upload
(SECURITY.md 24). Run it from a timer, e.g. every 10 minutes, where CLAMD_ADDRESS is set."""

from typing import Any

from django.core.management.base import BaseCommand

from kabinet.appeals.services import attachments_scan


class Command(BaseCommand):
    help = "Virus-scan the quarantined appeal attachments (clamd, CLAMD_ADDRESS)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = attachments_scan()
        self.stdout.write(", ".join(f"{key}: {value}" for key, value in counts.items()))
