"""Builders for the business pages' tests: statements, payments, invoices, readings,
colleagues."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from kabinet.billing.models import Invoice, Payment, Source, Statement
from kabinet.core import testing
from kabinet.customers.models import Account, CompanyMember, Customer, Role
from kabinet.identity.models import User
from kabinet.metering.models import Meter, Reading


def statement(
    account: Account,
    period: dt.date,
    *,
    opening: str = "0",
    charged: str = "100",
    paid: str = "0",
    volume: str = "10",
    source: str = Source.BILLING,
) -> Statement:
    o, c, p = Decimal(opening), Decimal(charged), Decimal(paid)
    return Statement.objects.create(
        account=account,
        period=period,
        volume=Decimal(volume),
        opening_balance=o,
        charged=c,
        paid=p,
        closing_balance=o + c - p,
        source=source,
        as_of=timezone.now(),
    )


def payment(
    account: Account, day: dt.date, amount: str, *, source: str = Source.BILLING
) -> Payment:
    return Payment.objects.create(
        account=account,
        reference=f"pay-{testing.next_number()}",
        paid_on=day,
        amount=Decimal(amount),
        channel=Payment.Channel.BANK,
        source=source,
        as_of=timezone.now(),
    )


def invoice(*, period: dt.date, amount: str = "100", **owner: object) -> Invoice:
    return Invoice.objects.create(
        number=f"INV-{testing.next_number()}",
        period=period,
        issued_on=period + dt.timedelta(days=32),
        amount=Decimal(amount),
        as_of=timezone.now(),
        **owner,
    )


def reading(meter: Meter, day: dt.date, value: str, **fields: object) -> Reading:
    return Reading.objects.create(
        meter=meter,
        taken_on=day,
        value1=Decimal(value),
        origin=Reading.Origin.CUSTOMER,
        **fields,
    )


def colleague(customer: Customer, role: str, *, username: str | None = None) -> User:
    """A colleague acting for the company with `role`, seeing its accounts."""
    user = testing.make_user(
        username=username,
        customer=customer,
        kind=customer.kind,
        accounts=list(customer.accounts.all()),
    )
    CompanyMember.objects.create(customer=customer, user=user, role=role)
    return user


ROLES = [Role.VIEW, Role.READINGS, Role.PAY, Role.FULL, Role.ADMIN]
