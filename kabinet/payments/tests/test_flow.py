"""The whole household flow through the sandbox: Pay page → order → hosted page → callback →
status page → receipt; and every way it can go wrong leaves one correct payment or none."""

from __future__ import annotations

import threading
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from kabinet.billing.models import Payment, Source
from kabinet.core.models import AuditEvent
from kabinet.payments.models import OrderStatus, PaymentOrder, PaymentRules, SandboxCharge
from kabinet.payments.providers import ProviderUnavailable, sandbox
from kabinet.payments.services import payment_orders_reconcile

from .conftest import make_debt, pdf_text


@pytest.fixture
def payer(client, household, utility):
    make_debt(household.gas)
    client.force_login(household.user)
    return household


def start_payment(client, account, amount="250,40") -> tuple[PaymentOrder, str]:
    response = client.post(
        reverse("payments:account_pay", args=[account.pk]),
        {"amount": amount, "provider": "sandbox"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    order = PaymentOrder.objects.get(account=account)
    assert urlparse(response.url).path == reverse("payments:sandbox_checkout")
    return order, response.url


def pay_on_sandbox(client, checkout_url, outcome="success"):
    page = client.get(checkout_url)
    assert page.status_code == 200
    assert b'name="card"' not in page.content  # the card fields are never submitted
    return client.post(checkout_url, {"outcome": outcome})


def test_pay_the_debt_through_the_sandbox_and_download_the_receipt(client, payer, bank):
    page = client.get(reverse("payments:account_pay", args=[payer.gas.pk]))
    assert page.status_code == 200
    assert page.context["form"]["amount"].value() == Decimal("250.40")

    order, checkout = start_payment(client, payer.gas)
    assert order.status == OrderStatus.PENDING and order.amount == Decimal("250.40")
    assert order.currency == "UAH"

    back = pay_on_sandbox(client, checkout)
    assert back.status_code == 302 and back.url.endswith(
        reverse("payments:order", args=[order.order_id])
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.SUCCESS and order.transaction_id.startswith("SBX-")
    payment = Payment.objects.get(account=payer.gas)
    assert payment.source == Source.ONLINE and payment.amount == Decimal("250.40")
    assert payment.reference == order.order_id

    status = client.get(back.url)
    assert "Оплата пройшла успішно" in status.content.decode()

    receipt = client.get(reverse("payments:receipt_pdf", args=[order.order_id]))
    assert receipt.status_code == 200
    assert receipt["Content-Disposition"].startswith("attachment;")
    text = pdf_text(receipt.content)
    assert "250,40" in text and "Коваленко Олена Петрівна" in text
    assert order.transaction_id in text

    listing = client.get(reverse("payments:receipts", args=[payer.gas.pk]))
    assert "Сплачено онлайн, очікує білінгу" in listing.content.decode()
    # the debt shown on the Pay page no longer counts what was just paid
    again = client.get(reverse("payments:account_pay", args=[payer.gas.pk]))
    assert again.context["debt"].payable == 0
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"payment.order_created", "payment.order_started", "payment.notice"} <= actions


def test_a_failed_payment_records_nothing(client, payer, bank):
    order, checkout = start_payment(client, payer.gas)
    pay_on_sandbox(client, checkout, "failure")
    order.refresh_from_db()
    assert order.status == OrderStatus.FAILURE
    assert not Payment.objects.exists()
    page = client.get(reverse("payments:order", args=[order.order_id]))
    assert "не пройшла" in page.content.decode()
    assert client.get(reverse("payments:receipt_pdf", args=[order.order_id])).status_code == 404


def callback(body: bytes, signature: str):
    return Client().post(
        reverse("payments:callback", args=["sandbox"]),
        body,
        content_type="application/json",
        headers={sandbox.SIGNATURE_HEADER: signature},
    )


def test_a_forged_signature_credits_nothing(client, payer, bank):
    order, _checkout = start_payment(client, payer.gas)
    charge = SandboxCharge(
        order_id=order.order_id,
        status="success",
        transaction_id="SBX-FORGED",
        amount=order.amount,
        currency="UAH",
        callback_url="http://x/",
    )
    body = sandbox.callback_body(charge)
    assert callback(body, "0" * 64).status_code == 403
    assert callback(body, "").status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING and not Payment.objects.exists()
    assert AuditEvent.objects.filter(action="payment.callback_rejected").count() == 2


def test_a_wrong_amount_or_currency_credits_nothing(client, payer, bank):
    order, _checkout = start_payment(client, payer.gas)
    for amount, currency in ((Decimal("1.00"), "UAH"), (order.amount, "RUB")):
        charge = SandboxCharge(
            order_id=order.order_id,
            status="success",
            transaction_id="SBX-1",
            amount=amount,
            currency=currency,
            callback_url="http://x/",
        )
        body = sandbox.callback_body(charge)
        assert callback(body, sandbox.sign(body)).status_code == 400
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING and not Payment.objects.exists()
    assert AuditEvent.objects.filter(action="payment.notice_refused").count() == 2


def test_replays_change_nothing_and_answer_200(client, payer, bank):
    order, checkout = start_payment(client, payer.gas)
    pay_on_sandbox(client, checkout)
    body = bank.delivered[-1]
    for _ in range(3):
        assert callback(body, sandbox.sign(body)).status_code == 200
    assert Payment.objects.count() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.SUCCESS


@pytest.mark.django_db(transaction=True)
def test_three_concurrent_duplicates_record_one_payment(household, bank):
    from kabinet.core import testing

    testing.make_utility()
    make_debt(household.gas)
    client = Client()
    client.force_login(household.user)
    _order, checkout = start_payment(client, household.gas)
    bank.down = True
    pay_on_sandbox(client, checkout)  # the bank charged; its callback got lost
    body = bank.delivered[-1]
    barrier = threading.Barrier(3)
    answers: list[int] = []

    def send() -> None:
        try:
            barrier.wait()
            answers.append(callback(body, sandbox.sign(body)).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200, 200, 200]
    assert Payment.objects.count() == 1
    assert PaymentOrder.objects.get().status == OrderStatus.SUCCESS


def test_the_provider_down_keeps_the_order_to_try_again(client, payer, bank, monkeypatch):
    def down(self, order, **kwargs):
        raise ProviderUnavailable("timed out")

    monkeypatch.setattr(sandbox.SandboxProvider, "start", down)
    response = client.post(
        reverse("payments:account_pay", args=[payer.gas.pk]),
        {"amount": "250,40", "provider": "sandbox"},
    )
    order = PaymentOrder.objects.get()
    assert response.url == reverse("payments:order", args=[order.order_id])
    assert order.status == OrderStatus.CREATED and order.provider_error
    page = client.get(response.url)
    assert "не відповідає" in page.content.decode()
    monkeypatch.undo()
    bank_fixture_deliver = sandbox.deliver  # the monkeypatch of `bank` was undone as well
    assert bank_fixture_deliver is not None
    retry = client.post(reverse("payments:order_retry", args=[order.order_id]))
    assert urlparse(retry.url).path == reverse("payments:sandbox_checkout")
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING and not order.provider_error


def test_the_callback_before_the_customer_returns(client, payer, bank):
    """The bank confirms first; the customer comes back later to a page that already knows."""
    order, checkout = start_payment(client, payer.gas)
    pay_on_sandbox(client, checkout)  # the callback arrived inside this request
    order.refresh_from_db()
    assert order.status == OrderStatus.SUCCESS
    page = client.get(reverse("payments:order", args=[order.order_id]))
    assert page.context["waiting"] is False


def test_a_lost_callback_is_reconciled_from_the_provider(client, payer, bank):
    order, checkout = start_payment(client, payer.gas)
    bank.down = True
    pay_on_sandbox(client, checkout)
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    page = client.get(reverse("payments:order", args=[order.order_id]))
    assert page.context["waiting"] is True
    PaymentOrder.objects.filter(pk=order.pk).update(
        created_at=order.created_at - __import__("datetime").timedelta(minutes=5)
    )
    counts = payment_orders_reconcile()
    assert counts["changed"] == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.SUCCESS and Payment.objects.count() == 1
    assert payment_orders_reconcile()["checked"] == 0  # nothing left to ask about


def test_the_customer_closes_the_tab(client, payer, bank):
    """Never on the hosted page: the provider has no charge; after the timeout it expires."""
    import datetime as dt

    order, _checkout = start_payment(client, payer.gas)
    PaymentOrder.objects.filter(pk=order.pk).update(
        created_at=order.created_at - dt.timedelta(minutes=5)
    )
    assert payment_orders_reconcile()["expired"] == 0  # still within the timeout
    PaymentOrder.objects.filter(pk=order.pk).update(
        created_at=order.created_at - dt.timedelta(hours=2)
    )
    assert payment_orders_reconcile()["expired"] == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED and not Payment.objects.exists()


def test_a_refund_is_shown_and_the_awaiting_payment_removed(client, payer, bank):
    order, checkout = start_payment(client, payer.gas)
    pay_on_sandbox(client, checkout)
    charge = SandboxCharge.objects.get()
    charge.status = "reversed"
    charge.save()
    body = sandbox.callback_body(charge)
    assert callback(body, sandbox.sign(body)).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.REVERSED and not Payment.objects.exists()
    page = client.get(reverse("payments:order", args=[order.order_id]))
    assert "повернуто" in page.content.decode().lower()


def test_the_billing_import_confirms_the_online_payment_once(client, payer, bank):
    import datetime as dt

    from kabinet.payments.services import recorded_payment_confirm

    order, checkout = start_payment(client, payer.gas)
    pay_on_sandbox(client, checkout)
    payment = recorded_payment_confirm(
        order_id=order.order_id,
        reference="BILL-777",
        paid_on=dt.date(2025, 11, 21),
        amount=Decimal("250.40"),
    )
    assert payment is not None and payment.source == Source.BILLING
    assert Payment.objects.count() == 1 and Payment.objects.get().reference == "BILL-777"
    assert (
        recorded_payment_confirm(
            order_id="K-unknown", reference="B", paid_on=dt.date(2025, 1, 1), amount=Decimal(1)
        )
        is None
    )


def test_amount_limits_and_a_fixed_amount(client, payer, bank):
    rules = PaymentRules.get()
    rules.min_amount, rules.max_amount = Decimal("10"), Decimal("200")
    rules.save()
    url = reverse("payments:account_pay", args=[payer.gas.pk])
    low = client.post(url, {"amount": "5", "provider": "sandbox"})
    assert low.status_code == 200 and low.context["form"].errors["amount"]
    assert 'value="5"' in low.content.decode()  # what was typed stays
    high = client.post(url, {"amount": "250,40", "provider": "sandbox"})
    assert high.context["form"].errors["amount"]
    rules.max_amount, rules.amount_editable = Decimal("1000"), False
    rules.save()
    client.post(url, {"amount": "11", "provider": "sandbox"})
    assert PaymentOrder.objects.get().amount == Decimal("250.40")  # the whole debt, not 11
    assert not PaymentOrder.objects.filter(amount__in=[5, 11]).exists()


def test_last_months_charges_wait_for_day_n(client, household, utility, monkeypatch):
    import datetime as dt

    from kabinet.payments import pay

    make_debt(household.gas, closing="300.00", charged="100.00", months_ago=1)
    rules = PaymentRules.get()
    rules.payable_from_day = 10  # the Kremenchukgaz rule
    rules.save()
    client.force_login(household.user)
    today = dt.date.today().replace(day=5)
    monkeypatch.setattr(pay.timezone, "localdate", lambda: today)
    page = client.get(reverse("payments:account_pay", args=[household.gas.pk]))
    assert page.context["debt"].payable == Decimal("200.00")
    assert "з 10 числа" in page.content.decode()
    monkeypatch.setattr(pay.timezone, "localdate", lambda: today.replace(day=10))
    page = client.get(reverse("payments:account_pay", args=[household.gas.pk]))
    assert page.context["debt"].payable == Decimal("300.00")


def test_only_enabled_providers_are_offered(client, payer, bank):
    from django.test import override_settings

    rules = PaymentRules.get()
    rules.providers = ["liqpay"]  # not configured in PAYMENT_PROVIDERS: nothing is enabled
    rules.save()
    page = client.get(reverse("payments:account_pay", args=[payer.gas.pk]))
    assert page.context["available"] is False
    assert (
        client.post(
            reverse("payments:account_pay", args=[payer.gas.pk]),
            {"amount": "10", "provider": "sandbox"},
        ).status_code
        == 200
    )
    assert not PaymentOrder.objects.exists()
    with override_settings(PAYMENT_PROVIDERS=["sandbox", "liqpay"]):
        rules.providers = ["sandbox", "liqpay"]
        rules.save()
        form = client.get(reverse("payments:account_pay", args=[payer.gas.pk])).context["form"]
        assert [code for code, _label in form.fields["provider"].choices] == ["sandbox", "liqpay"]


def test_another_domain_pays_through_the_same_flow(client, utility, bank):
    """How grid connections will pay their fee: no account, no contract; a domain and its
    reference, the same checkout, callback, status page and receipt."""
    from kabinet.core import testing
    from kabinet.payments import services
    from kabinet.payments.selectors import paid_order_for

    applicant = testing.make_user(first_name="Андрій", last_name="Шевчук")
    client.force_login(applicant)
    order = services.payment_order_create(
        user=applicant,
        amount=Decimal("1500.00"),
        purpose="Плата за приєднання, заява ПР-7",
        domain="connection",
        reference="ПР-7",
    )
    assert paid_order_for(domain="connection", reference="ПР-7") is None
    checkout = services.payment_order_start(
        order=order,
        return_url="http://testserver/r",
        callback_url="http://testserver" + reverse("payments:callback", args=["sandbox"]),
    )
    pay_on_sandbox(client, checkout.url)
    assert paid_order_for(domain="connection", reference="ПР-7") == PaymentOrder.objects.get()
    assert not Payment.objects.exists()
    receipt = client.get(reverse("payments:receipt_pdf", args=[order.order_id]))
    text = pdf_text(receipt.content)
    assert "1 500,00" in text.replace("\u00a0", " ") and "Андрій Шевчук" in text
    with pytest.raises(ValueError):
        services.payment_order_create(user=applicant, amount=Decimal(1), purpose="x")
