"""The reconciliation as a background task, for deployments that schedule tasks."""

from __future__ import annotations

from django_tasks import task

from .services import payment_orders_reconcile


@task()
def reconcile_pending_orders() -> dict[str, int]:
    return payment_orders_reconcile()
