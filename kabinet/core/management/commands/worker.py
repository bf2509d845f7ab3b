from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background task worker for the configured queue (database or Redis)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":
            call_command("rqworker", "default", job_class="django_tasks_rq.Job")
        else:
            call_command("db_worker", queue_name="default", reload=False)
