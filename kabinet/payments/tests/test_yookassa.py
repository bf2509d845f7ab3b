"""YooKassa on a local fake of its REST API: Basic auth, Idempotence-Key, redirect to the
confirmation_url, notifications only from its published addresses and confirmed by reading
the payment back, refunds, and the API being down."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from kabinet.billing.models import Payment
from kabinet.payments.models import OrderStatus, PaymentOrder
from kabinet.payments.providers import ProviderUnavailable, yookassa
from kabinet.payments.services import (
    payment_order_create,
    payment_order_start,
    payment_orders_reconcile,
)

from .conftest import make_debt
from .fakes import FakeYooKassa

YOOKASSA_IP = "185.71.76.10"


@pytest.fixture
def fake():
    server = FakeYooKassa("123456", "test_secret")
    with override_settings(
        PAYMENT_PROVIDERS=["yookassa"],
        YOOKASSA_SHOP_ID="123456",
        YOOKASSA_SECRET_KEY="test_secret",
        YOOKASSA_API_URL=server.url + "/v3",
    ):
        yield server
    server.close()


@pytest.fixture
def order(fake, company):
    from kabinet.core import testing

    testing.make_utility(currency="RUB")
    make_debt(company.account)
    return payment_order_create(
        user=company.user, amount=Decimal("990.00"), contract=company.contract, purpose="Вода"
    )


def notify(event: str, obj: dict, ip: str = YOOKASSA_IP):
    return Client(REMOTE_ADDR=ip).post(
        reverse("payments:callback", args=["yookassa"]),
        json.dumps({"type": "notification", "event": event, "object": obj}),
        content_type="application/json",
    )


@pytest.mark.parametrize(
    ("ip", "allowed"),
    [
        ("185.71.76.1", True),
        ("185.71.77.31", True),
        ("77.75.153.127", True),
        ("77.75.156.11", True),
        ("77.75.154.200", True),
        ("2a02:5180::1", True),
        ("185.71.76.32", False),
        ("77.75.156.12", False),
        ("127.0.0.1", False),
        ("not-an-ip", False),
        (None, False),
    ],
)
def test_published_address_ranges(ip, allowed):
    assert yookassa.from_yookassa(ip) is allowed


def test_start_creates_the_payment_with_auth_and_an_idempotence_key(order, fake):
    checkout = payment_order_start(
        order=order, return_url="https://p/r", callback_url="https://p/c"
    )
    assert checkout.url.startswith("https://yoomoney.ru/checkout/")
    method, path, headers, body = fake.requests[-1]
    assert (method, path) == ("POST", "/v3/payments")
    assert headers["Idempotence-Key"] == order.order_id
    sent = json.loads(body)
    assert sent["amount"] == {"value": "990.00", "currency": "RUB"}
    assert sent["confirmation"] == {"type": "redirect", "return_url": "https://p/r"}
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING and order.transaction_id in fake.payments
    # a retry with the same key makes no second payment at the provider
    payment_order_start(order=order, return_url="https://p/r", callback_url="https://p/c")
    assert len(fake.payments) == 1


def test_a_notification_is_confirmed_by_reading_the_payment(order, fake):
    payment_order_start(order=order, return_url="https://p/r", callback_url="https://p/c")
    order.refresh_from_db()
    claimed = {"id": order.transaction_id, "status": "succeeded"}
    # the notification says succeeded, the API still says pending: nothing is credited
    assert notify("payment.succeeded", claimed).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    fake.payments[order.transaction_id]["status"] = "succeeded"
    for _ in range(3):
        assert notify("payment.succeeded", claimed).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.SUCCESS
    assert not Payment.objects.exists()  # a contract order: billing posts it to the accounts


def test_a_notification_from_elsewhere_is_refused(order, fake):
    payment_order_start(order=order, return_url="https://p/r", callback_url="https://p/c")
    order.refresh_from_db()
    fake.payments[order.transaction_id]["status"] = "succeeded"
    assert (
        notify("payment.succeeded", {"id": order.transaction_id}, ip="10.0.0.1").status_code == 403
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_a_refund_is_shown(order, fake):
    payment_order_start(order=order, return_url="https://p/r", callback_url="https://p/c")
    order.refresh_from_db()
    payment = fake.payments[order.transaction_id]
    payment["status"] = "succeeded"
    notify("payment.succeeded", {"id": order.transaction_id})
    payment["refunded_amount"] = {"value": "990.00", "currency": "RUB"}
    assert (
        notify("refund.succeeded", {"id": "r-1", "payment_id": order.transaction_id}).status_code
        == 200
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.REVERSED


def test_the_api_down_keeps_the_order_and_reconciliation_waits(order, fake):
    fake.fail_with = 503
    with pytest.raises(ProviderUnavailable):
        payment_order_start(order=order, return_url="https://p/r", callback_url="https://p/c")
    order.refresh_from_db()
    assert order.status == OrderStatus.CREATED and "503" in order.provider_error
    assert len(fake.requests) == 3  # retried, with the same Idempotence-Key each time
    assert {r[2]["Idempotence-Key"] for r in fake.requests} == {order.order_id}
    fake.fail_with = None
    payment_order_start(order=order, return_url="https://p/r", callback_url="https://p/c")
    order.refresh_from_db()
    fake.payments[order.transaction_id]["status"] = "canceled"
    PaymentOrder.objects.filter(pk=order.pk).update(
        created_at=order.created_at - dt.timedelta(minutes=5)
    )
    assert payment_orders_reconcile()["changed"] == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.FAILURE


def test_nothing_answers_at_all(order):
    with (
        override_settings(YOOKASSA_API_URL="http://127.0.0.1:9/v3"),
        pytest.raises(ProviderUnavailable),
    ):
        payment_order_start(order=order, return_url="https://p/r", callback_url="https://p/c")
