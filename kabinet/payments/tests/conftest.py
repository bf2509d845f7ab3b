"""Shared setup of the payment tests: statements with a debt, the sandbox "bank" routed to the
test client instead of the network, PDF text."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.test import Client
from django.utils import timezone

from kabinet.billing.models import Statement
from kabinet.core.periods import add_months, month_start
from kabinet.payments.providers import sandbox


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def make_debt(account, closing="250.40", charged="120.15", months_ago=2) -> Statement:
    """A statement `months_ago` months back (payable whatever today's day) with a debt."""
    period = add_months(month_start(timezone.localdate()), -months_ago)
    return Statement.objects.create(
        account=account,
        period=period,
        volume=Decimal("15.100"),
        opening_balance=Decimal(closing) - Decimal(charged),
        charged=Decimal(charged),
        paid=Decimal(0),
        closing_balance=Decimal(closing),
        tariff=Decimal("7.95689"),
        as_of=timezone.now(),
    )


@pytest.fixture
def bank(monkeypatch):
    """The sandbox's server-to-server callback, delivered through a test client (no network).
    `bank.down = True` loses the callbacks, as when the portal or the network is down."""

    class Bank:
        down = False
        delivered: list[bytes] = []

    state = Bank()
    state.delivered = []

    def deliver(charge) -> bool:
        body = sandbox.callback_body(charge)
        state.delivered.append(body)
        if state.down:
            return False
        response = Client().post(
            urlparse(charge.callback_url).path,
            body,
            content_type="application/json",
            headers={sandbox.SIGNATURE_HEADER: sandbox.sign(body)},
        )
        return response.status_code == 200

    monkeypatch.setattr(sandbox, "deliver", deliver)
    return state


@pytest.fixture
def today_after_day_n():
    return dt.date(2025, 11, 20)
