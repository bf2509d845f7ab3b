"""Read-side queries of online payments: the export the billing API pages through."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from kabinet.core.models import AuditEvent

from .models import OrderStatus, PaymentOrder

EXPORTED = (OrderStatus.SUCCESS, OrderStatus.REVERSED)
Cursor = tuple[dt.datetime, int]


def online_payments_export(*, after: Cursor | None = None, limit: int = 500) -> list[PaymentOrder]:
    """Paid and refunded orders changed after the cursor, in the order they changed; one query.

    The cursor is (updated_at, pk) of the last row received: an order paid (or refunded) after
    an earlier page still comes on a later one, since its updated_at moves on. Each row has
    order_id, account / contract (numbers), amount, currency, status, transaction_id, paid_at,
    comment."""
    rows = PaymentOrder.objects.filter(status__in=EXPORTED)
    if after is not None:
        changed, pk = after
        rows = rows.filter(Q(updated_at__gt=changed) | Q(updated_at=changed, pk__gt=pk))
    rows = rows.select_related("account", "contract").order_by("updated_at", "pk")
    return list(rows[: max(1, min(limit, 1000))])


def export_cursor(order: PaymentOrder) -> Cursor:
    return (order.updated_at, order.pk)


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
