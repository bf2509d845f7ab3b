"""Read-side queries of online payments: receipts lists, a domain's paid order, and the
payment events the billing API exports."""

from __future__ import annotations

from django.db.models import QuerySet

from kabinet.core.models import AuditEvent

from .models import OrderStatus, PaymentOrder


def recent_orders(
    *, account_id: int | None = None, contract_id: int | None = None, count: int = 24
) -> list[PaymentOrder]:
    """An account's or a contract's started orders, newest first (receipts for the paid ones)."""
    rows = PaymentOrder.objects.exclude(status=OrderStatus.CREATED)
    if account_id is not None:
        rows = rows.filter(account_id=account_id)
    elif contract_id is not None:
        rows = rows.filter(contract_id=contract_id)
    else:
        return []
    return list(rows.select_related("recorded_payment").order_by("-created_at", "-id")[:count])


def paid_order_for(*, domain: str, reference: str) -> PaymentOrder | None:
    """The paid order of a domain's thing (e.g. a connection application's fee), or None."""
    return (
        PaymentOrder.objects.filter(domain=domain, reference=reference, status=OrderStatus.SUCCESS)
        .order_by("-paid_at")
        .first()
    )


# What an online order's final word looks like in the audit log, which is the change feed of
# the billing export (kabinet/api/export_entries.py): one event per change, never updated.
FINAL_WORDS = (OrderStatus.SUCCESS, OrderStatus.FAILURE, OrderStatus.REVERSED)


def online_payment_events() -> QuerySet[AuditEvent]:
    """Every time an order was paid, refused or refunded: the notices that changed it (a
    replayed notice changes nothing and is left out)."""
    return AuditEvent.objects.filter(
        action="payment.notice",
        object_type="payments.paymentorder",
        data__changed=True,
        data__status__in=[str(s) for s in FINAL_WORDS],
    )
