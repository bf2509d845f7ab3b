"""Every payment and document URL answers 404 to another customer (SECURITY.md 16), needs a
login, and the pages issue a fixed number of queries whatever the history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kabinet.billing.models import Invoice, Payment, Statement
from kabinet.core.periods import add_months, month_start
from kabinet.customers.models import Role
from kabinet.customers.tests import business_cast
from kabinet.payments.models import OrderStatus, PaymentOrder

from .conftest import make_debt


@pytest.fixture
def paid(household, company, utility):
    statement = make_debt(household.gas)
    make_debt(company.account)
    invoice = Invoice.objects.create(
        number="INV-1",
        contract=company.contract,
        period=statement.period,
        issued_on=statement.period,
        amount=Decimal("120.15"),
        as_of=timezone.now(),
    )
    order = PaymentOrder.objects.create(
        order_id="K-TEST-1",
        user=household.user,
        account=household.gas,
        amount=Decimal("10"),
        currency="UAH",
        purpose="Газ",
        provider="sandbox",
        status=OrderStatus.SUCCESS,
        paid_at=timezone.now(),
        transaction_id="SBX-1",
    )
    return household, company, statement, invoice, order


def urls(household, company, statement, invoice, order) -> list[str]:
    gas, contract = household.gas.pk, company.contract.pk
    return [
        reverse("payments:account_pay", args=[gas]),
        reverse("payments:receipts", args=[gas]),
        reverse("payments:order", args=[order.order_id]),
        reverse("payments:receipt_pdf", args=[order.order_id]),
        reverse("documents:account_invoices", args=[gas]),
        reverse(
            "documents:account_invoice_pdf",
            args=[gas, statement.period.year, statement.period.month],
        ),
        reverse("documents:account_reconciliation_pdf", args=[gas]),
        reverse("payments:contract_pay", args=[contract]),
        reverse("documents:contract_invoice_pdf", args=[contract, invoice.pk]),
        reverse("documents:contract_reconciliation_pdf", args=[contract]),
    ]


def test_owners_get_every_page(client, paid):
    household, company = paid[0], paid[1]
    all_urls = urls(*paid)
    client.force_login(household.user)
    for url in all_urls[:7]:
        assert client.get(url).status_code == 200, url
    client.force_login(company.user)
    for url in all_urls[7:]:
        assert client.get(url).status_code == 200, url


def test_another_customer_gets_404_everywhere(client, paid, outsider):
    client.force_login(outsider.user)
    for url in urls(*paid):
        assert client.get(url).status_code == 404, url
    client.force_login(paid[0].user)  # the household is not the company
    for url in urls(*paid)[7:]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("payments:order_retry", args=["K-TEST-1"])).status_code == 302


def test_anonymous_visitors_are_sent_to_log_in(client, paid):
    for url in urls(*paid):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response.url, url


def test_pdfs_are_attachments_and_nosniff(client, paid):
    client.force_login(paid[0].user)
    response = client.get(urls(*paid)[3])
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def grow_history(account, months: int, payments: int) -> None:
    last = add_months(month_start(timezone.localdate()), -3)
    Statement.objects.bulk_create(
        Statement(
            account=account,
            period=add_months(last, -n),
            charged=Decimal(10),
            closing_balance=Decimal(5),
            as_of=timezone.now(),
        )
        for n in range(1, months + 1)
    )
    Payment.objects.bulk_create(
        Payment(
            account=account,
            reference=f"R{account.pk}-{n}",
            paid_on=last - dt.timedelta(days=n),
            amount=Decimal(3),
            channel="bank",
            as_of=timezone.now(),
        )
        for n in range(payments)
    )
    PaymentOrder.objects.bulk_create(
        PaymentOrder(
            order_id=f"K-{account.pk}-{n}",
            user=account.links.first().user,
            account=account,
            amount=Decimal(1),
            currency="UAH",
            purpose="x",
            provider="sandbox",
            status=OrderStatus.SUCCESS,
            paid_at=timezone.now(),
        )
        for n in range(payments)
    )


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", [0, 1, 4, 6])
def test_pages_issue_a_fixed_number_of_queries(client, paid, page):
    household = paid[0]
    client.force_login(household.user)
    url = urls(*paid)[page]
    count_queries(client, url)  # the first request creates the payment rules' row
    small = count_queries(client, url)
    grow_history(household.gas, months=30, payments=40)
    assert count_queries(client, url) == small


@pytest.mark.parametrize("page", [7, 9])
def test_contract_pages_issue_a_fixed_number_of_queries(client, paid, page):
    company = paid[1]
    client.force_login(company.user)
    url = urls(*paid)[page]
    count_queries(client, url)  # the first request creates the payment rules' row
    small = count_queries(client, url)
    grow_history(company.account, months=30, payments=40)
    assert count_queries(client, url) == small


@pytest.mark.parametrize(
    ("role", "may_pay"),
    [(Role.VIEW, False), (Role.READINGS, False), (Role.PAY, True), (Role.FULL, True)],
)
def test_a_colleague_pays_only_when_the_company_role_allows(
    client, utility, company, role, may_pay
):
    colleague = business_cast.colleague(company.customer, role)
    client.force_login(colleague)
    pages = [
        reverse("payments:contract_pay", args=[company.contract.pk]),
        reverse("payments:account_pay", args=[company.account.pk]),
    ]
    for url in pages:
        assert client.get(url).status_code == (200 if may_pay else 403), url
        if not may_pay:
            assert client.post(url, {"amount": "10"}).status_code == 403
    assert may_pay or not PaymentOrder.objects.filter(user=colleague).exists()
    # every role may still read the contract's documents
    statement = reverse("documents:contract_reconciliation_pdf", args=[company.contract.pk])
    assert client.get(statement).status_code == 200
