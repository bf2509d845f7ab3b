"""LiqPay: signature test vectors computed independently (openssl), checkout parameters, the
callback verified over the data as received, statuses, and `action=status` on a local fake."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from kabinet.billing.models import Payment
from kabinet.payments.models import OrderStatus, PaymentOrder
from kabinet.payments.providers import ProviderUnavailable, liqpay
from kabinet.payments.services import payment_order_create, payment_orders_reconcile

from .conftest import make_debt
from .fakes import FakeLiqPay

PRIVATE = "a4825234f4bae72a0be04eafe9e8e2bada209255"
# LiqPay's documented example data, signed with `openssl dgst -sha1 -binary | base64`.
DOC_DATA = (
    "eyJ2ZXJzaW9uIjozLCJwdWJsaWNfa2V5IjoiaTAwMDAwMDAwIiwiYWN0aW9uIjoicGF5IiwiYW1vdW50IjoiMyIsImN1"
    "cnJlbmN5IjoiVUFIIiwiZGVzY3JpcHRpb24iOiJ0ZXN0Iiwib3JkZXJfaWQiOiIwMDAwMDEifQ=="
)
DOC_SIGNATURE = "LyrV29v6ymgTgUl728eiNJvypZ8="


def test_signature_matches_the_independently_computed_vector():
    assert liqpay.sign(DOC_DATA, PRIVATE) == DOC_SIGNATURE
    assert liqpay.sign(DOC_DATA + "x", PRIVATE) != DOC_SIGNATURE


@pytest.mark.parametrize(
    ("status", "mapped"),
    [
        ("success", "success"),
        ("sandbox", "success"),
        ("failure", "failure"),
        ("error", "failure"),
        ("reversed", "reversed"),
        ("processing", "pending"),
        ("wait_secure", "pending"),
        ("3ds_verify", "pending"),
        ("prepared", "pending"),
    ],
)
def test_statuses_are_mapped(status, mapped):
    assert liqpay.map_status(status) == mapped


@pytest.fixture
def fake():
    server = FakeLiqPay(PRIVATE)
    with override_settings(
        PAYMENT_PROVIDERS=["liqpay"],
        LIQPAY_PUBLIC_KEY="i00000000",
        LIQPAY_PRIVATE_KEY=PRIVATE,
        LIQPAY_API_URL=server.url + "/api/",
    ):
        yield server
    server.close()


@pytest.fixture
def order(fake, household, utility):
    make_debt(household.gas)
    return payment_order_create(
        user=household.user, amount=Decimal("250.40"), account=household.gas, purpose="Газ"
    )


def callback(data: str, signature: str):
    return Client().post(
        reverse("payments:callback", args=["liqpay"]), {"data": data, "signature": signature}
    )


def payload(order, status="success", **extra):
    return {
        "order_id": order.order_id,
        "status": status,
        "amount": float(order.amount),
        "currency": "UAH",
        "payment_id": 1234567,
        **extra,
    }


def test_checkout_form_carries_signed_data(order):
    checkout = liqpay.LiqPayProvider().start(
        order, return_url="https://p/r", callback_url="https://p/c"
    )
    assert checkout.url.endswith("/api/3/checkout")
    params = json.loads(base64.b64decode(checkout.fields["data"]))
    assert params["order_id"] == order.order_id and params["amount"] == "250.40"
    assert params["public_key"] == "i00000000" and params["server_url"] == "https://p/c"
    assert checkout.fields["signature"] == liqpay.sign(checkout.fields["data"])


def test_a_signed_callback_credits_once(order):
    data = liqpay.encode(payload(order))
    for _ in range(3):
        assert callback(data, liqpay.sign(data)).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.SUCCESS and order.transaction_id == "1234567"
    assert Payment.objects.count() == 1


def test_forged_and_re_encoded_callbacks_are_refused(order):
    data = liqpay.encode(payload(order))
    assert callback(data, liqpay.sign(data, "another-key")).status_code == 403
    # the same JSON, encoded differently: the signature is over the data as received
    spaced = base64.b64encode(json.dumps(payload(order), indent=1).encode()).decode()
    assert callback(spaced, liqpay.sign(data)).status_code == 403
    assert PaymentOrder.objects.get().status == OrderStatus.CREATED


def test_a_wrong_amount_is_refused(order):
    data = liqpay.encode(payload(order, amount=1.0))
    assert callback(data, liqpay.sign(data)).status_code == 400
    assert not Payment.objects.exists()


def test_reconciliation_asks_action_status(order, fake):
    PaymentOrder.objects.filter(pk=order.pk).update(
        created_at=order.created_at - __import__("datetime").timedelta(minutes=10)
    )
    fake.payments[order.order_id] = payload(order, "success")
    assert payment_orders_reconcile()["changed"] == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.SUCCESS and Payment.objects.count() == 1
    form = parse_qs(fake.requests[-1][3].decode())
    sent = json.loads(base64.b64decode(form["data"][0]))
    assert sent["action"] == "status" and sent["order_id"] == order.order_id
    assert form["signature"][0] == liqpay.sign(form["data"][0], PRIVATE)


def test_provider_down_is_reported(order, fake):
    fake.fail_with = 502
    with pytest.raises(ProviderUnavailable):
        liqpay.LiqPayProvider().fetch(order)
    assert len(fake.requests) == 3  # retried


def test_the_pay_page_hands_over_to_liqpay_with_addresses_from_site_url(
    client, fake, household, utility
):
    """The checkout page posts the signed form to LiqPay; server_url and result_url come from
    SITE_URL whatever Host the request claimed (SECURITY.md 14's rule, for callbacks too)."""
    from django.conf import settings

    make_debt(household.gas)
    client.force_login(household.user)
    response = client.post(
        reverse("payments:account_pay", args=[household.gas.pk]),
        {"amount": "250,40", "provider": "liqpay"},
        headers={"host": "localhost"},
    )
    assert response.status_code == 200
    checkout = response.context["checkout"]
    params = json.loads(base64.b64decode(checkout.fields["data"]))
    assert params["server_url"].startswith(settings.SITE_URL + "/payments/callback/liqpay/")
    assert params["result_url"].startswith(settings.SITE_URL + "/cabinet/payments/")
    assert f'action="{checkout.url}"' in response.content.decode()
    assert "form-action 'self' https://www.liqpay.ua" in response["Content-Security-Policy"]
