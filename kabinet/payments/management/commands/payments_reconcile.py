"""`manage.py payments_reconcile`: ask the providers about orders left pending. From cron:

*/5 * * * *  cd /srv/kabinet && .venv/bin/python manage.py payments_reconcile
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kabinet.payments.services import payment_orders_reconcile


class Command(BaseCommand):
    help = "Reconcile online payment orders with no final status (safe every few minutes)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = payment_orders_reconcile()
        if options["verbosity"] >= 1:
            self.stdout.write(" ".join(f"{key}={value}" for key, value in counts.items()))
