"""Write side of the integration API: keys, and the status callbacks billing sends back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from kabinet.billing.models import Source
from kabinet.connections.models import NEXT_STAGE, PATH, ConnectionApplication, Stage
from kabinet.connections.services import (
    StageError,
    application_stage_next,
    connection_payment_confirmed,
)
from kabinet.core.audit import audit
from kabinet.core.money import to_money
from kabinet.metering.models import Reading
from kabinet.payments.models import OrderStatus, PaymentOrder
from kabinet.payments.services import recorded_payment_confirm

from .imports import Outcome
from .models import ApiKey, key_digest, new_raw_key


def api_key_create(
    *,
    name: str,
    can_import: bool,
    can_export: bool,
    expires_at: dt.datetime,
    request: HttpRequest | None = None,
) -> tuple[ApiKey, str]:
    """A new key and its raw value, which is shown once and never stored."""
    raw = new_raw_key()
    with transaction.atomic():
        key = ApiKey.objects.create(
            name=name,
            prefix=raw[:12],
            digest=key_digest(raw),
            can_import=can_import,
            can_export=can_export,
            expires_at=expires_at,
            created_by=request.user if request and request.user.is_authenticated else None,
        )
        audit("api_key.created", request=request, obj=key, import_=can_import, export=can_export)
    return key, raw


def api_key_revoke(*, key: ApiKey, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
            audit("api_key.revoked", request=request, obj=key)


MAX_AMOUNT = Decimal("1e10")  # the amounts' columns hold 12 digits, 2 of them decimals
CALLBACK_STATUSES = {"accepted": Reading.Status.ACCEPTED, "rejected": Reading.Status.REJECTED}


def reading_status_record(*, updates: list[tuple[int, dict[str, Any]]], source: str) -> Outcome:
    """Billing's verdict on readings: (index, {"reading_id", "status", "reason"}) in one
    transaction; unknown readings and bad statuses are rejected, repeats change nothing."""
    outcome = Outcome()
    wanted = {u.get("reading_id") for _i, u in updates if isinstance(u.get("reading_id"), int)}
    with transaction.atomic():
        readings = Reading.objects.select_for_update().select_related("meter").in_bulk(wanted)
        for index, update in updates:
            reading = readings.get(_key(update, "reading_id"))
            status = CALLBACK_STATUSES.get(_key(update, "status"))
            reason = str(update.get("reason") or "")[:300]
            if reading is None:
                outcome.reject(index, "reading_id", "unknown reading")
            elif status is None:
                outcome.reject(index, "status", "accepted or rejected")
            elif status == Reading.Status.REJECTED and not reason:
                outcome.reject(index, "reason", "a rejected reading needs the reason")
            elif reading.status == status and reading.reject_reason == reason:
                outcome.unchanged += 1
            else:
                reading.status = status
                reading.reject_reason = reason if status == Reading.Status.REJECTED else ""
                reading.save(update_fields=["status", "reject_reason"])
                audit(
                    "reading.status_from_billing",
                    obj=reading,
                    account_id=reading.meter.account_id,
                    status=status,
                    source=source,
                )
                outcome.updated += 1
    return outcome


def _key(update: dict[str, Any], name: str) -> Any:
    """A field to look something up by: a list or an object (a caller's mistake) is nothing."""
    value = update.get(name)
    return value if isinstance(value, str | int) else None


def _text(update: dict[str, Any], name: str, limit: int) -> str | None:
    """A string field of a callback record, stripped; None when it is not a string or too long."""
    value = update.get(name) or ""
    if not isinstance(value, str) or len(value.strip()) > limit:
        return None
    return value.strip()


def _amount(update: dict[str, Any]) -> Decimal | None:
    """The record's amount; raises ValueError when it is there but not an amount."""
    value = update.get("amount")
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(value)
    try:
        amount = to_money(str(value))  # a JSON number arrives as a float: its text is exact
    except (ValueError, InvalidOperation) as exc:  # InvalidOperation: too many digits
        raise ValueError(value) from exc
    if not Decimal("0") < amount < MAX_AMOUNT:
        raise ValueError(value)
    return amount


def _date(update: dict[str, Any], name: str) -> dt.date | None:
    value = update.get(name)
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def payment_posted_record(*, updates: list[tuple[int, dict[str, Any]]], source: str) -> Outcome:
    """Billing posted online payments: (index, {"order_id", "reference", "posted_on",
    "amount"?}). The payment the portal recorded "awaiting billing" becomes billing's, under
    billing's reference (kabinet.payments.services.recorded_payment_confirm), so it is never
    counted twice. Each record is kept or rejected alone; a repeat changes nothing."""
    outcome = Outcome()
    wanted = {u.get("order_id") for _i, u in updates if isinstance(u.get("order_id"), str)}
    with transaction.atomic():
        orders = {
            order.order_id: order
            for order in PaymentOrder.objects.select_for_update(of=("self",))
            .select_related("recorded_payment")
            .filter(order_id__in=wanted)
        }
        for index, update in updates:
            order = orders.get(_key(update, "order_id"))
            reference = _text(update, "reference", 64)
            posted_on = _date(update, "posted_on")
            try:
                amount = _amount(update)
            except ValueError:
                outcome.reject(index, "amount", "a positive amount")
                continue
            payment = order.recorded_payment if order else None
            if order is None:
                outcome.reject(index, "order_id", "unknown order")
            elif not reference:
                outcome.reject(index, "reference", "billing's reference, up to 64 characters")
            elif posted_on is None:
                outcome.reject(index, "posted_on", "a date, YYYY-MM-DD")
            elif order.status != OrderStatus.SUCCESS:
                outcome.reject(index, "order_id", f"the order is not paid (it is {order.status})")
            elif payment is None:
                outcome.reject(
                    index,
                    "order_id",
                    "the order paid no personal account: billing's payments import records it",
                )
            elif amount is not None and amount != order.amount:
                outcome.reject(index, "amount", f"the order was for {order.amount}")
            elif payment.source == Source.BILLING and payment.reference != reference:
                outcome.reject(index, "reference", "the order was posted under another reference")
            elif payment.source == Source.BILLING and payment.paid_on == posted_on:
                outcome.unchanged += 1
            else:
                try:
                    with transaction.atomic():
                        recorded_payment_confirm(
                            order_id=order.order_id,
                            reference=reference,
                            paid_on=posted_on,
                            amount=order.amount,
                        )
                        audit(
                            "payment.posted_by_billing",
                            obj=order,
                            account_id=order.account_id,
                            reference=reference,
                            posted_on=posted_on.isoformat(),
                            source=source,
                        )
                except IntegrityError:
                    outcome.reject(index, "reference", "another payment has this reference")
                    continue
                payment.refresh_from_db()
                outcome.updated += 1
    return outcome


# The stages billing (or the utility's ERP) may set: the fee is paid (works start), the works
# are done (acceptance act issued), the connection is complete. The other stages need an
# engineer's decision and documents in the back office.
CALLBACK_STAGES = (Stage.WORKS, Stage.ACCEPTANCE_ISSUED, Stage.COMPLETED)


def _reached(application: ConnectionApplication, stage: str) -> bool:
    """The application is at `stage` or went on past it along the normal path."""
    current = application.stage
    if current == stage:
        return True
    path = [str(s) for s in PATH]
    if current not in path or stage not in path:
        return False
    return path.index(current) > path.index(stage)


def application_stage_record(*, updates: list[tuple[int, dict[str, Any]]], source: str) -> Outcome:
    """Billing or the ERP moves applications on: (index, {"number", "stage",
    "payment_reference", "amount", "comment"}), where `number` is the application's number or
    its registration number. Stage "works" records the paid fee (connection_payment_confirmed),
    "acceptance_issued" and "completed" take the next step of the normal path
    (application_stage_next). The applicant is told as when an engineer does it. Each record is
    kept or rejected alone; a repeat (or a stage the application passed already) changes
    nothing."""
    outcome = Outcome()
    wanted = {u.get("number") for _i, u in updates if isinstance(u.get("number"), str)}
    allowed = ", ".join(CALLBACK_STAGES)
    with transaction.atomic():
        found = ConnectionApplication.objects.filter(
            Q(number__in=wanted) | Q(registration_number__in=wanted - {""})
        )
        by_number: dict[str, ConnectionApplication] = {}
        for one in found:
            by_number[one.number] = one
            if one.registration_number:
                by_number.setdefault(one.registration_number, one)
        for index, update in updates:
            application = by_number.get(_key(update, "number"))
            stage = update.get("stage")
            comment = _text(update, "comment", 1000)
            reference = _text(update, "payment_reference", 100)
            try:
                amount = _amount(update)
            except ValueError:
                outcome.reject(index, "amount", "a positive amount")
                continue
            if application is None:
                outcome.reject(index, "number", "unknown application")
                continue
            if stage not in CALLBACK_STAGES:
                outcome.reject(index, "stage", f"one of: {allowed}")
                continue
            if comment is None:
                outcome.reject(index, "comment", "a text of up to 1000 characters")
                continue
            application.refresh_from_db()
            if stage == Stage.WORKS:
                if not reference:
                    outcome.reject(
                        index, "payment_reference", "the fee's payment, up to 100 characters"
                    )
                    continue
                if application.paid_at and application.payment_reference == reference:
                    outcome.unchanged += 1
                    continue
                if application.paid_at:
                    outcome.reject(
                        index,
                        "payment_reference",
                        f"the fee was paid already ({application.payment_reference})",
                    )
                    continue
            elif _reached(application, stage):
                outcome.unchanged += 1
                continue
            try:
                with transaction.atomic():
                    if stage == Stage.WORKS:
                        connection_payment_confirmed(
                            application=application,
                            payment_reference=reference or "",
                            amount=amount,
                        )
                    elif NEXT_STAGE.get(application.stage) == stage:
                        application_stage_next(
                            application=application, staff=None, comment=comment, request=None
                        )
                    else:
                        raise StageError(application.stage)
                    audit(
                        "connection.stage_from_billing",
                        obj=application,
                        customer_id=application.user.customer_id,
                        stage=stage,
                        source=source,
                    )
            except StageError as exc:
                if str(exc) == "amount":
                    outcome.reject(index, "amount", f"the fee is {application.fee_amount}")
                else:
                    outcome.reject(
                        index,
                        "stage",
                        f"the application is at stage "
                        f"{application.stage}; it cannot move to {stage}",
                    )
                continue
            outcome.updated += 1
    return outcome
