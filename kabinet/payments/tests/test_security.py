"""SECURITY.md 19-22, 32, 35, 36 around payments: card data never reaches the portal, CSRF
on the pay forms but not on signed callbacks, the sandbox only when configured, a crash
leaves the order and its audit event together or neither, the export for the billing API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from kabinet.billing.models import Payment
from kabinet.core.models import AuditEvent
from kabinet.payments import services
from kabinet.payments.models import OrderStatus, PaymentOrder, SandboxCharge
from kabinet.payments.providers import Notice, sandbox

from .conftest import make_debt
from .test_flow import pay_on_sandbox, start_payment


@pytest.fixture
def payer(client, household, utility):
    make_debt(household.gas)
    client.force_login(household.user)
    return household


def test_the_order_stores_no_card_data_and_the_sandbox_form_sends_none(client, payer, bank):
    _order, checkout = start_payment(client, payer.gas)
    page = client.get(checkout).content.decode()
    assert 'id="card"' in page and 'name="card"' not in page and 'name="cvv"' not in page
    client.post(checkout, {"outcome": "success", "card": "4242424242424242"})
    fields = {f.name for f in PaymentOrder._meta.fields}
    assert not fields & {"card", "pan", "card_number", "cvv"}
    events = AuditEvent.objects.values_list("data", flat=True)
    assert not any("4242424242424242" in str(data) for data in events)


def test_pay_forms_need_csrf_but_signed_callbacks_do_not(payer, bank):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(payer.user)
    url = reverse("payments:account_pay", args=[payer.gas.pk])
    assert strict.post(url, {"amount": "10", "provider": "sandbox"}).status_code == 403
    assert not PaymentOrder.objects.exists()
    order = services.payment_order_create(
        user=payer.user, amount=Decimal("10"), account=payer.gas, purpose="x"
    )
    charge = SandboxCharge(
        order_id=order.order_id,
        status="success",
        transaction_id="SBX-CSRF",
        amount=order.amount,
        currency="UAH",
        callback_url="http://x/",
    )
    body = sandbox.callback_body(charge)
    answer = Client(enforce_csrf_checks=True).post(
        reverse("payments:callback", args=["sandbox"]),
        body,
        content_type="application/json",
        headers={sandbox.SIGNATURE_HEADER: sandbox.sign(body)},
    )
    assert answer.status_code == 200


def test_get_changes_nothing(client, payer, bank):
    _order, checkout = start_payment(client, payer.gas)
    client.get(checkout + "&outcome=success")
    assert not SandboxCharge.objects.exists()
    assert client.get(reverse("payments:callback", args=["sandbox"])).status_code == 405


@override_settings(PAYMENT_PROVIDERS=["liqpay"])
def test_the_sandbox_is_off_unless_configured(client, payer):
    token = sandbox.make_token(
        {
            "order_id": "K1",
            "amount": "1",
            "currency": "UAH",
            "description": "",
            "return_url": "/",
            "callback_url": "/",
        }
    )
    assert client.get(reverse("payments:sandbox_checkout") + f"?t={token}").status_code == 404
    assert (
        client.post(
            reverse("payments:callback", args=["sandbox"]), b"{}", content_type="application/json"
        ).status_code
        == 404
    )


def test_a_forged_checkout_token_is_not_found(client, payer):
    assert client.get(reverse("payments:sandbox_checkout") + "?t=forged").status_code == 404


def test_a_crash_leaves_neither_the_payment_nor_its_audit(client, payer, bank, monkeypatch):
    """SECURITY.md 36: the credit and its audit event are one transaction."""
    order, _checkout = start_payment(client, payer.gas)

    def broken_audit(action, **kwargs):
        if action == "payment.notice":
            raise RuntimeError("disk full")
        return original(action, **kwargs)

    original = services.audit
    monkeypatch.setattr(services, "audit", broken_audit)
    notice = Notice(order.order_id, "success", order.amount, "UAH", "SBX-CRASH")
    with pytest.raises(RuntimeError):
        services.payment_notice_apply(provider="sandbox", notice=notice, via="callback")
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING and not order.transaction_id
    assert not Payment.objects.exists()
    monkeypatch.setattr(services, "audit", original)
    services.payment_notice_apply(provider="sandbox", notice=notice, via="callback")
    assert Payment.objects.count() == 1


def test_the_reconcile_command(client, payer, bank):
    order, checkout = start_payment(client, payer.gas)
    bank.down = True
    pay_on_sandbox(client, checkout)
    PaymentOrder.objects.filter(pk=order.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=3)
    )
    out = StringIO()
    call_command("payments_reconcile", stdout=out)
    assert "changed=1" in out.getvalue()


def test_the_dashboard_offers_pay_only_with_a_debt(client, payer):
    page = client.get(reverse("customers:dashboard", args=[payer.gas.pk])).content.decode()
    assert reverse("payments:account_pay", args=[payer.gas.pk]) in page
    page = client.get(reverse("customers:dashboard", args=[payer.electricity.pk])).content.decode()
    assert reverse("payments:account_pay", args=[payer.electricity.pk]) not in page
    nothing = client.get(reverse("payments:account_pay", args=[payer.electricity.pk]))
    assert nothing.context["debt"].payable == 0 and b'id="nothing-to-pay"' in nothing.content


def test_a_contract_payment_needs_a_comment_and_prefills_from_the_invoice(client, company, utility):
    from kabinet.billing.models import Invoice

    make_debt(company.account)
    invoice = Invoice.objects.create(
        number="СФ-1",
        contract=company.contract,
        period=dt.date(2025, 11, 1),
        issued_on=dt.date(2025, 12, 1),
        amount=Decimal("99.90"),
        as_of=timezone.now(),
    )
    client.force_login(company.user)
    url = reverse("payments:contract_pay", args=[company.contract.pk])
    page = client.get(url + f"?invoice={invoice.pk}")
    form = page.context["form"]
    assert form["amount"].value() == Decimal("99.90") and form["invoice_number"].value() == "СФ-1"
    assert (
        form["period"].value() == "11.2025"
        and form["subscriber"].value() == company.service_point.code
    )
    empty = client.post(url, {"amount": "10", "provider": "sandbox"})
    assert empty.status_code == 200 and empty.context["form"].non_field_errors()
    assert not PaymentOrder.objects.exists()
    assert client.get(url + "?invoice=999999").status_code == 404
