"""The registered exports. After the merge, the other apps' exports are one entry each here,
with the selector their app provides in its selectors.py (see the README of this app)."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from ninja import Schema

from kabinet.appeals.models import Appeal
from kabinet.connections.models import StageEvent
from kabinet.connections.selectors import stage_events_for_billing
from kabinet.core.models import AuditEvent
from kabinet.customers.models import ServiceOrder
from kabinet.customers.selectors import service_orders_for_billing
from kabinet.identity.models import User
from kabinet.metering.models import Reading
from kabinet.payments.models import PaymentOrder
from kabinet.payments.selectors import online_payment_events

from .exports import Export, register

# --- Readings customers (and inspectors) submitted, for billing to take --------------------


class ReadingOut(Schema):
    id: int
    meter_serial: str
    account_number: str | None
    taken_on: dt.date
    value1: decimal.Decimal
    value2: decimal.Decimal | None
    value3: decimal.Decimal | None
    origin: str
    status: str
    submitted_at: dt.datetime


def readings_for_billing() -> QuerySet[Reading]:
    return Reading.objects.exclude(origin=Reading.Origin.BILLING).select_related("meter__account")


def reading_row(reading: Reading) -> dict[str, Any]:
    account = reading.meter.account
    return {
        "id": reading.pk,
        "meter_serial": reading.meter.serial,
        "account_number": account.number if account else None,
        "taken_on": reading.taken_on,
        "value1": reading.value1,
        "value2": reading.value2,
        "value3": reading.value3,
        "origin": reading.origin,
        "status": reading.status,
        "submitted_at": reading.submitted_at,
    }


register(
    Export(
        name="readings",
        title="Meter readings submitted in Kabinet",
        selector=readings_for_billing,
        schema=ReadingOut,
        row=reading_row,
        settled_by="submitted_at",
    )
)

# --- Registrations and changed contacts: the audit log is their change feed -----------------

USER_EVENTS = ("signup.completed", "contact.changed")


class UserChangeOut(Schema):
    event_id: int
    change: str  # "registered" or "contacts_changed"
    at: dt.datetime
    user_id: int
    username: str | None
    email: str | None
    phone: str | None
    kind: str | None
    tax_id: str | None
    customer_code: str | None


def user_events() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(action__in=USER_EVENTS, object_type="identity.user")


def users_prepare(events: Sequence[AuditEvent]) -> None:
    ids = {int(e.object_id) for e in events if e.object_id.isdigit()}
    users = User.objects.select_related("customer").in_bulk(ids)
    for event in events:
        event._export_user = users.get(int(event.object_id))  # type: ignore[attr-defined]


def user_row(event: AuditEvent) -> dict[str, Any]:
    user: User | None = event._export_user  # type: ignore[attr-defined]
    return {
        "event_id": event.pk,
        "change": "registered" if event.action == "signup.completed" else "contacts_changed",
        "at": event.at,
        "user_id": int(event.object_id),
        # A user since erased (retention) leaves the event with the person's data gone.
        "username": user.username if user else None,
        "email": user.email if user else None,
        "phone": user.phone if user else None,
        "kind": user.kind if user else None,
        "tax_id": user.tax_id if user else None,
        "customer_code": user.customer.code if user and user.customer else None,
    }


register(
    Export(
        name="users",
        title="Registrations and changed contacts of users",
        selector=user_events,
        schema=UserChangeOut,
        row=user_row,
        settled_by="at",
        prepare=users_prepare,
    )
)

# --- Appeals -------------------------------------------------------------------------------


class AppealOut(Schema):
    id: int
    number: str
    account_number: str | None
    customer_code: str | None
    topic: str
    text: str
    status: str
    created_at: dt.datetime
    due_at: dt.datetime


def appeals_for_billing() -> QuerySet[Appeal]:
    return Appeal.objects.select_related("account", "user__customer")


def appeal_row(appeal: Appeal) -> dict[str, Any]:
    customer = appeal.user.customer if appeal.user else None  # guests have no login
    return {
        "id": appeal.pk,
        "number": appeal.number,
        "account_number": appeal.account.number if appeal.account else None,
        "customer_code": customer.code if customer else None,
        "topic": appeal.topic_id,  # the topic's code
        "text": appeal.text,
        "status": appeal.status,
        "created_at": appeal.created_at,
        "due_at": appeal.due_at,
    }


register(
    Export(
        name="appeals",
        title="Appeals customers sent",
        selector=appeals_for_billing,
        schema=AppealOut,
        row=appeal_row,
        settled_by="created_at",
    )
)

# --- Online payments: every final word on an order (paid, not paid, refunded), once ----------


class PaymentOut(Schema):
    event_id: int
    at: dt.datetime
    order_id: str
    status: str  # success, failure or reversed: what this change made of the order
    account_number: str | None
    contract_number: str | None
    domain: str  # what else the order paid for ("connection": an application's fee) ...
    reference: str  # ... and which one (the application's number)
    amount: decimal.Decimal
    currency: str
    provider: str
    transaction_id: str
    paid_at: dt.datetime | None
    purpose: str
    comment: str


def payments_prepare(events: Sequence[AuditEvent]) -> None:
    ids = {int(e.object_id) for e in events if e.object_id.isdigit()}
    orders = PaymentOrder.objects.select_related("account", "contract").in_bulk(ids)
    for event in events:
        event._export_order = orders[int(event.object_id)]  # type: ignore[attr-defined]


def payment_row(event: AuditEvent) -> dict[str, Any]:
    order: PaymentOrder = event._export_order  # type: ignore[attr-defined]
    return {
        "event_id": event.pk,
        "at": event.at,
        "order_id": order.order_id,
        "status": event.data["status"],
        "account_number": order.account.number if order.account else None,
        "contract_number": order.contract.number if order.contract else None,
        "domain": order.domain,
        "reference": order.reference,
        "amount": order.amount,
        "currency": order.currency,
        "provider": order.provider,
        "transaction_id": order.transaction_id,
        "paid_at": order.paid_at,
        "purpose": order.purpose,
        "comment": order.comment,
    }


register(
    Export(
        name="payments",
        title="Online payments paid, not paid or refunded",
        selector=online_payment_events,
        schema=PaymentOut,
        row=payment_row,
        settled_by="at",
        prepare=payments_prepare,
    )
)

# --- Grid-connection applications: every stage they reached, once ---------------------------


class ConnectionStageOut(Schema):
    event_id: int
    stage: str
    stage_at: dt.datetime
    comment: str
    number: str
    registration_number: str
    customer_code: str | None
    applicant_kind: str
    applicant_name: str
    contact_phone: str
    contact_email: str
    object_name: str
    object_address: str
    cadastral_number: str
    connection_type: str
    max_power_kw: decimal.Decimal | None
    existing_power_kw: decimal.Decimal | None
    voltage: str
    reliability: str
    fee_amount: decimal.Decimal | None
    payment_reference: str


def connection_stage_row(event: StageEvent) -> dict[str, Any]:
    application = event.application
    customer = application.user.customer
    return {
        "event_id": event.pk,
        "stage": event.stage,
        "stage_at": event.at,
        "comment": event.comment,
        "number": application.number,
        "registration_number": application.registration_number,
        "customer_code": customer.code if customer else None,
        **{
            name: getattr(application, name)
            for name in (
                "applicant_kind",
                "applicant_name",
                "contact_phone",
                "contact_email",
                "object_name",
                "object_address",
                "cadastral_number",
                "connection_type",
                "max_power_kw",
                "existing_power_kw",
                "voltage",
                "reliability",
                "fee_amount",
                "payment_reference",
            )
        },
    }


register(
    Export(
        name="connection_applications",
        title="Stages grid-connection applications reached",
        selector=stage_events_for_billing,
        schema=ConnectionStageOut,
        row=connection_stage_row,
        settled_by="at",
    )
)

# --- Orders of catalogue services ----------------------------------------------------------


class ServiceOrderOut(Schema):
    id: int
    kind_code: str
    kind_title: str
    customer_code: str
    account_number: str | None
    contract_number: str | None
    service_point_code: str | None
    fields: dict[str, Any]
    comment: str
    price: decimal.Decimal | None
    status: str
    created_at: dt.datetime
    paid_at: dt.datetime | None


def service_order_row(order: ServiceOrder) -> dict[str, Any]:
    point = order.service_point
    return {
        "id": order.pk,
        "kind_code": order.kind.code,
        "kind_title": order.kind.name,
        "customer_code": order.customer.code,
        "account_number": order.account.number if order.account else None,
        "contract_number": point.contract.number if point else None,
        "service_point_code": point.code if point else None,
        "fields": order.details,
        "comment": order.comment,
        "price": order.price,
        "status": order.status,
        "created_at": order.created_at,
        "paid_at": order.paid_at,
    }


register(
    Export(
        name="service_orders",
        title="Orders of the utility's services",
        selector=service_orders_for_billing,
        schema=ServiceOrderOut,
        row=service_order_row,
        settled_by="created_at",
    )
)
