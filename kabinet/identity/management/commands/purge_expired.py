from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from kabinet.identity.retention import purge_expired


class Command(BaseCommand):
    help = "Purge expired codes and sessions, abandoned sign-ups and rejected uploads (daily)."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("clearsessions")
        result = purge_expired()
        self.stdout.write(
            f"codes {result.codes}, session records {result.session_records}, "
            f"abandoned sign-ups {result.abandoned_signups}, "
            f"application files {result.application_files}"
        )
