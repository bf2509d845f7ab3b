"""Write side of online payments: create and start an order, apply what a provider says,
reconcile orders left pending. Every state change runs in one transaction with its audit
event (SECURITY.md 21, 36); provider calls happen outside any transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from kabinet.billing.models import Payment, Source
from kabinet.core.audit import audit
from kabinet.core.models import UtilityProfile
from kabinet.core.money import to_money
from kabinet.customers.models import Account, Contract

from .models import OrderStatus, PaymentOrder, PaymentRules
from .providers import Checkout, Notice, ProviderUnavailable, get_provider

logger = logging.getLogger("kabinet.payments")
RECONCILE_AFTER = dt.timedelta(minutes=2)  # a callback normally arrives well within this


class NoticeRefused(Exception):
    """An authenticated notice that does not match its order (unknown, amount, currency)."""


def new_order_id() -> str:
    return f"K{timezone.now():%Y%m%d}-{secrets.token_hex(6).upper()}"


def validate_amount(amount: Decimal, rules: PaymentRules) -> None:
    if amount < rules.min_amount:
        raise ValidationError(
            _("The smallest amount is %(amount)s.") % {"amount": rules.min_amount},
            code="min_amount",
        )
    if amount > rules.max_amount:
        raise ValidationError(
            _("The largest amount is %(amount)s.") % {"amount": rules.max_amount},
            code="max_amount",
        )


def payment_order_create(
    *,
    user: Any,
    amount: Decimal,
    account: Account | None = None,
    contract: Contract | None = None,
    purpose: str,
    comment: str = "",
    provider: str | None = None,
    domain: str = "",
    reference: str = "",
    request: HttpRequest | None = None,
) -> PaymentOrder:
    """A new order for any domain: a bill (`account`), a contract, or anything else named by
    `domain` + `reference` (a connection fee: domain="connection", reference=its number).
    The caller has checked the user may pay for it; the payment rules are checked here."""
    if account is None and contract is None and not domain:
        raise ValueError("an order needs an account, a contract or a domain")
    rules = PaymentRules.get()
    enabled = rules.enabled_providers()
    if not enabled or not UtilityProfile.get().payments_enabled:
        raise ValidationError(_("Online payments are not available now."), code="disabled")
    provider = provider or enabled[0]
    if provider not in enabled:
        raise ValidationError(_("This payment method is not available."), code="provider")
    amount = to_money(amount)
    validate_amount(amount, rules)
    with transaction.atomic():
        order = PaymentOrder.objects.create(
            order_id=new_order_id(),
            user=user,
            account=account,
            contract=contract,
            amount=amount,
            currency=UtilityProfile.get().currency,
            purpose=purpose[:300],
            comment=comment[:500],
            provider=provider,
            domain=domain,
            reference=reference,
        )
        audit(
            "payment.order_created",
            request=request,
            actor=user,
            obj=order,
            customer_id=account.customer_id
            if account
            else (contract.customer_id if contract else None),
            account_id=account.pk if account else None,
            order_id=order.order_id,
            amount=str(amount),
            provider=provider,
            domain=domain,
            reference=reference,
        )
    return order


def payment_order_start(
    *, order: PaymentOrder, return_url: str, callback_url: str, request: HttpRequest | None = None
) -> Checkout:
    """Ask the provider for its hosted page. When it is down the order stays, with the error,
    and the customer may try again from the order's page (SECURITY.md 35)."""
    try:
        checkout = get_provider(order.provider).start(
            order, return_url=return_url, callback_url=callback_url
        )
    except ProviderUnavailable as exc:
        with transaction.atomic():
            PaymentOrder.objects.filter(pk=order.pk).update(
                provider_error=str(exc)[:200], updated_at=timezone.now()
            )
            audit("payment.provider_down", request=request, obj=order, error=str(exc)[:200])
        raise
    with transaction.atomic():
        locked = PaymentOrder.objects.select_for_update().get(pk=order.pk)
        if locked.status == OrderStatus.CREATED:
            locked.status = OrderStatus.PENDING
        if checkout.transaction_id:
            locked.transaction_id = checkout.transaction_id
        locked.provider_error = ""
        locked.save()
        audit("payment.order_started", request=request, obj=locked, provider=order.provider)
    order.refresh_from_db()
    return checkout


def _record_payment(order: PaymentOrder) -> None:
    """The paid order as a recorded payment on the account, "awaiting billing" until the
    billing import confirms it (recorded_payment_confirm)."""
    if order.account_id is None:
        return
    payment = Payment.objects.create(
        account_id=order.account_id,
        reference=order.order_id,
        paid_on=timezone.localdate(order.paid_at),
        amount=order.amount,
        channel=Payment.Channel.ONLINE,
        source=Source.ONLINE,
        as_of=timezone.now(),
    )
    order.recorded_payment = payment


# Domains whose paid orders move something on, and the service that does it (a dotted path:
# payments imports nothing of the domains that use it). Called in the transaction that
# credits the order; the service must never refuse a payment that really happened.
PAID_HANDLERS = {
    "connection": "kabinet.connections.services.connection_order_paid",
    "service_order": "kabinet.customers.services.service_order_payment_received",
}


def _domain_paid(order: PaymentOrder) -> None:
    if path := PAID_HANDLERS.get(order.domain):
        import_string(path)(order=order)


def _transition(order: PaymentOrder, notice: Notice) -> bool:
    """Apply the notice to the locked order; True when something changed."""
    status = order.status
    if notice.status == OrderStatus.SUCCESS:
        if status in (OrderStatus.SUCCESS, OrderStatus.REVERSED):
            return False
        order.status = OrderStatus.SUCCESS
        order.paid_at = timezone.now()
        order.transaction_id = notice.transaction_id or order.transaction_id
        _record_payment(order)
        _domain_paid(order)
        return True
    if notice.status == OrderStatus.REVERSED:
        if status == OrderStatus.REVERSED:
            return False
        order.status = OrderStatus.REVERSED
        order.transaction_id = notice.transaction_id or order.transaction_id
        payment = order.recorded_payment
        if payment is not None and payment.source == Source.ONLINE:
            order.recorded_payment = None
            order.save()
            payment.delete()  # billing never had it; a confirmed one is billing's to reverse
        return True
    if notice.status == OrderStatus.FAILURE:
        if status not in (OrderStatus.CREATED, OrderStatus.PENDING):
            return False
        order.status = OrderStatus.FAILURE
        order.transaction_id = notice.transaction_id or order.transaction_id
        return True
    if status == OrderStatus.CREATED:
        order.status = OrderStatus.PENDING
        return True
    return False


def payment_notice_apply(
    *, provider: str, notice: Notice, via: str, request: HttpRequest | None = None
) -> PaymentOrder:
    """Credit (or refuse, or reverse) an order from an authenticated notice. Idempotent: a
    replayed or concurrent duplicate changes nothing (SECURITY.md 21)."""
    try:
        with transaction.atomic():
            order = (
                PaymentOrder.objects.select_for_update(of=("self",))
                .select_related("recorded_payment")
                .filter(order_id=notice.order_id, provider=provider)
                .first()
            )
            if order is None:
                raise NoticeRefused("unknown order")
            if to_money(notice.amount) != order.amount or notice.currency != order.currency:
                raise NoticeRefused("amount or currency differs")
            changed = _transition(order, notice)
            if changed:
                order.save()
            audit(
                "payment.notice",
                request=request,
                obj=order,
                customer_id=None,
                account_id=order.account_id,
                via=via,
                status=order.status,
                provider_status=notice.raw_status,
                transaction_id=notice.transaction_id,
                changed=changed,
            )
    except IntegrityError:
        # A concurrent duplicate got there first (the unique reference or transaction id).
        order = PaymentOrder.objects.get(order_id=notice.order_id, provider=provider)
        with transaction.atomic():
            audit("payment.notice", request=request, obj=order, via=via, changed=False)
        return order
    except NoticeRefused as exc:
        with transaction.atomic():
            audit(
                "payment.notice_refused",
                request=request,
                via=via,
                order_id=notice.order_id[:40],
                reason=str(exc),
                amount=str(notice.amount),
                currency=notice.currency[:3],
            )
        raise
    return order


def payment_orders_reconcile(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Ask the providers about orders with no final word: credit the paid, close the refused,
    and give up on those past the rules' timeout that the provider never saw or still holds."""
    now = now or timezone.now()
    rules = PaymentRules.get()
    timeout = dt.timedelta(minutes=rules.pending_timeout_minutes)
    counts = {"checked": 0, "changed": 0, "expired": 0, "unavailable": 0}
    waiting = PaymentOrder.objects.filter(
        status__in=[OrderStatus.CREATED, OrderStatus.PENDING],
        created_at__lte=now - RECONCILE_AFTER,
    ).order_by("created_at")[:500]
    for order in waiting:
        counts["checked"] += 1
        try:
            notice = get_provider(order.provider).fetch(order)
        except (ProviderUnavailable, KeyError) as exc:
            logger.warning("reconcile %s: %s", order.order_id, exc)
            counts["unavailable"] += 1
            continue
        except Exception:  # a malformed answer must not stop the others
            logger.exception("reconcile %s", order.order_id)
            counts["unavailable"] += 1
            continue
        if notice is not None and notice.status != OrderStatus.PENDING:
            try:
                before = order.status
                updated = payment_notice_apply(provider=order.provider, notice=notice, via="status")
                counts["changed"] += int(updated.status != before)
            except NoticeRefused:
                pass
            continue
        if order.created_at <= now - timeout:
            with transaction.atomic():
                if (
                    PaymentOrder.objects.filter(
                        pk=order.pk, status__in=[OrderStatus.CREATED, OrderStatus.PENDING]
                    ).update(status=OrderStatus.EXPIRED, updated_at=now)
                    == 1
                ):
                    audit("payment.order_expired", obj=order, order_id=order.order_id)
                    counts["expired"] += 1
    return counts


def recorded_payment_confirm(
    *, order_id: str, reference: str, paid_on: dt.date, amount: Decimal
) -> Payment | None:
    """Billing's import brings a payment the portal recorded online: the same row becomes
    billing's (its reference, source BILLING), so the payment is never counted twice.
    None when the order is not one of ours (the import then records the payment as usual)."""
    with transaction.atomic():
        order = (
            PaymentOrder.objects.select_for_update(of=("self",))
            .select_related("recorded_payment")
            .filter(order_id=order_id)
            .first()
        )
        if order is None or order.recorded_payment is None:
            return None
        payment = order.recorded_payment
        payment.reference = reference
        payment.paid_on = paid_on
        payment.amount = to_money(amount)
        payment.source = Source.BILLING
        payment.as_of = timezone.now()
        payment.save()
        audit("payment.confirmed_by_billing", obj=order, reference=reference)
    return payment
