"""The contracts of a business customer and their tabs (KrasKom steps 6-11)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kabinet.billing.models import Source
from kabinet.core import testing
from kabinet.core.models import Service
from kabinet.core.periods import add_months
from kabinet.customers.models import Contract, CustomerKind, Role
from kabinet.metering.models import Reading

from .business_cast import colleague, invoice, payment, reading, statement


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def tab_urls(contract: Contract, invoice_pk: int | None = None) -> list[str]:
    urls = [
        reverse(name, args=[contract.pk])
        for name in (
            "customers:contract",
            "customers:contract_subscribers",
            "customers:contract_balance",
            "customers:contract_invoices",
            "customers:contract_invoice_print",
            "customers:contract_consumption",
            "customers:contract_payment",
        )
    ]
    if invoice_pk is not None:
        urls.append(reverse("customers:contract_invoice", args=[contract.pk, invoice_pk]))
    return urls


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_anonymous_is_sent_to_log_in(client, company):
    for url in [reverse("customers:contracts"), *tab_urls(company.contract)]:
        response = client.get(url)
        assert response.status_code == 302 and reverse("identity:login") in response.url


def test_contract_list_shows_every_contract_with_its_balance(english, company):
    statement(company.account, dt.date(2026, 10, 1), opening="50", charged="1200.40", paid="0")
    second = testing.make_contract(customer=company.customer, title="Вода і стоки", number="D-2")
    english.force_login(company.user)
    response = english.get(reverse("customers:contracts"))
    assert response.status_code == 200
    text = response.content.decode()
    assert company.contract.number in text and "D-2" in text
    assert "1,250.40" in text and "debt" in text
    assert reverse("customers:contract", args=[second.pk]) in text
    assert response["Cache-Control"].count("no-store") == 1


def test_contract_list_issues_the_same_queries_for_1_and_50_contracts(client, company):
    client.force_login(company.user)
    client.get(reverse("customers:contracts"))  # warm the per-process caches
    one = count_queries(client, reverse("customers:contracts"))
    for _n in range(49):
        contract = testing.make_contract(customer=company.customer)
        account = testing.make_account(
            customer=company.customer, service=Service.WATER, contract=contract
        )
        statement(account, dt.date(2026, 10, 1))
    assert count_queries(client, reverse("customers:contracts")) == one


def test_information_tab_shows_the_bank_details_and_contacts(english, company):
    customer = company.customer
    customer.iban = "UA213223130000026007233566001"
    customer.bank_name = "АТ «Ощадбанк»"
    customer.bank_code = "322313"
    customer.postal_address = "вул. Промислова, 3"
    customer.save()
    english.force_login(company.user)
    text = english.get(reverse("customers:contract", args=[company.contract.pk])).content.decode()
    for fact in (customer.iban, "АТ «Ощадбанк»", "322313", customer.email, customer.phone):
        assert fact in text
    assert company.contract.title in text and customer.edrpou in text


def test_subscribers_tab_shows_meters_with_their_last_reading(english, company):
    meter = company.meter
    reading(meter, dt.date(2026, 9, 25), "120")
    reading(meter, dt.date(2026, 10, 25), "131")
    reading(meter, dt.date(2026, 11, 2), "999", status=Reading.Status.REJECTED)
    english.force_login(company.user)
    response = english.get(reverse("customers:contract_subscribers", args=[company.contract.pk]))
    text = response.content.decode()
    assert company.service_point.code in text and company.service_point.address in text
    assert meter.serial in text and "131" in text
    assert "999" not in text


def test_subscribers_tab_issues_the_same_queries_at_1_and_200_service_points(client, company):
    client.force_login(company.user)
    url = reverse("customers:contract_subscribers", args=[company.contract.pk])
    reading(company.meter, dt.date(2026, 10, 1), "5")
    client.get(url)  # warm the per-process caches (utility profile, sessions)
    one = count_queries(client, url)
    for n in range(199):
        point = testing.make_service_point(contract=company.contract, code=f"SP{n:04d}")
        for k in range(2):
            meter = testing.make_meter(service_point=point)
            reading(meter, dt.date(2026, 10, 1 + k), str(10 + k))
    response = client.get(url)
    assert response.content.decode().count("<tr>") == 200 + 1
    assert count_queries(client, url) == one


def test_balance_tab_is_a_reconciliation_statement_for_the_period(english, company):
    account = company.account
    statement(account, dt.date(2026, 6, 1), opening="0", charged="300")
    statement(account, dt.date(2026, 7, 1), opening="300", charged="400", paid="300")
    statement(account, dt.date(2026, 8, 1), opening="400", charged="500", source=Source.PREVIOUS)
    payment(account, dt.date(2026, 7, 10), "300")
    payment(account, dt.date(2026, 8, 20), "150", source=Source.PREVIOUS)
    english.force_login(company.user)
    url = reverse("customers:contract_balance", args=[company.contract.pk])
    response = english.get(url, {"start": "2026-07", "end": "2026-08"})
    text = response.content.decode()
    assert "Opening balance" in text and "300.00" in text  # June's closing
    assert "400.00" in text and "500.00" in text and "150.00" in text
    assert "Previous cabinet" in text  # the imported rows are marked
    statement_ = response.context["statement"]
    assert statement_.opening == Decimal("300")
    assert statement_.charged == Decimal("900") and statement_.paid == Decimal("450")
    assert statement_.closing == Decimal("750")


def test_balance_tab_rejects_a_reversed_period_next_to_the_field(english, company):
    english.force_login(company.user)
    url = reverse("customers:contract_balance", args=[company.contract.pk])
    response = english.get(url, {"start": "2026-08", "end": "2026-01"})
    assert response.status_code == 200 and response.context["statement"] is None
    assert "The end of the period is before its start." in response.content.decode()
    assert 'value="2026-08"' in response.content.decode()  # what was typed stays


def test_balance_tab_issues_the_same_queries_for_1_and_36_months(client, company):
    def month(n: int) -> None:
        period = add_months(dt.date(2024, 1, 1), n)
        statement(company.account, period)
        payment(company.account, period + dt.timedelta(days=9), "50")

    month(0)
    client.force_login(company.user)
    url = reverse("customers:contract_balance", args=[company.contract.pk])
    url += "?start=2024-01&end=2026-12"
    client.get(url)
    one = count_queries(client, url)
    for n in range(1, 36):
        month(n)
    assert count_queries(client, url) == one
    assert len(client.get(url).context["statement"].entries) == 72


def test_invoices_tab_filters_by_period_and_prints_the_chosen_one(english, company):
    july = invoice(period=dt.date(2026, 7, 1), contract=company.contract, amount="812.50")
    august = invoice(period=dt.date(2026, 8, 1), account=company.account, amount="640.00")
    english.force_login(company.user)
    url = reverse("customers:contract_invoices", args=[company.contract.pk])
    text = english.get(url, {"start": "2026-08", "end": "2026-08"}).content.decode()
    assert august.number in text and july.number not in text
    text = english.get(url, {"start": "2026-01", "end": "2026-12"}).content.decode()
    assert august.number in text and july.number in text
    printed = english.get(
        reverse("customers:contract_invoice_print", args=[company.contract.pk]),
        {"invoice": july.pk},
        follow=True,
    )
    assert printed.status_code == 200 and "812.50" in printed.content.decode()


def test_consumption_tab_sums_the_contracts_accounts_by_month(english, company):
    second = testing.make_account(
        customer=company.customer, service=Service.WATER, contract=company.contract
    )
    statement(company.account, dt.date(2026, 3, 1), volume="10.5")
    statement(second, dt.date(2026, 3, 1), volume="4.25")
    statement(second, dt.date(2026, 4, 1), volume="1")
    english.force_login(company.user)
    url = reverse("customers:contract_consumption", args=[company.contract.pk])
    response = english.get(url)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r[2]["volume"] for r in rows] == [Decimal("14.75"), Decimal("1")]
    assert "<svg" in response.content.decode()
    assert reverse("billing:statistics", args=[second.pk]) in response.content.decode()


@pytest.mark.parametrize(
    ("role", "can_pay"),
    [
        (Role.VIEW, False),
        (Role.READINGS, False),
        (Role.PAY, True),
        (Role.FULL, True),
        (Role.ADMIN, True),
    ],
)
def test_payment_tab_offers_payment_only_to_roles_that_pay(english, company, role, can_pay):
    user = colleague(company.customer, role)
    english.force_login(user)
    response = english.get(reverse("customers:contract_payment", args=[company.contract.pk]))
    assert response.status_code == 200
    assert response.context["can_pay"] is can_pay
    text = response.content.decode()
    assert ("Your role does not allow paying" in text) is not can_pay


def test_a_user_of_company_a_sees_nothing_of_company_b(client, company, household):
    other = testing.make_company(name="ТОВ «Інша»")
    bill = invoice(period=dt.date(2026, 7, 1), contract=other.contract)
    for user in (company.user, household.user):
        client.force_login(user)
        for url in tab_urls(other.contract, bill.pk):
            assert client.get(url).status_code == 404, url
    client.force_login(company.user)
    # nor another company's invoice under one's own contract
    url = reverse("customers:contract_invoice", args=[company.contract.pk, bill.pk])
    assert client.get(url).status_code == 404
    client.force_login(household.user)
    assert client.get(reverse("customers:contracts")).status_code == 404


def test_a_user_not_yet_confirmed_for_the_company_sees_no_contracts(client, company):
    pending = testing.make_user(kind=CustomerKind.COMPANY)  # signed up, e-mail not billing's
    client.force_login(pending)
    assert client.get(reverse("customers:contracts")).status_code == 404
    for url in tab_urls(company.contract):
        assert client.get(url).status_code == 404


def grow(company, points: int) -> None:
    """`points` more service points, each with an account, a meter, readings, statements,
    payments and an invoice."""
    for n in range(points):
        account = testing.make_account(
            customer=company.customer, service=Service.WATER, contract=company.contract
        )
        testing.link_account(company.user, account)
        point = testing.make_service_point(contract=company.contract, account=account)
        meter = testing.make_meter(service_point=point, account=account)
        reading(meter, dt.date(2026, 10, 25), str(n))
        for month in (9, 10):
            statement(account, dt.date(2026, month, 1), charged=str(100 + n))
            payment(account, dt.date(2026, month, 15), "50")
        invoice(period=dt.date(2026, 10, 1), account=account)


def test_every_page_issues_the_same_queries_at_1_and_200_service_points(client, company):
    """Every tab of the contract and the contracts list, with data at 1 and then at 200
    service points (each with its account, meter, months, payments and invoice)."""
    bill = invoice(period=dt.date(2026, 10, 1), contract=company.contract)
    urls = [reverse("customers:contracts"), *tab_urls(company.contract)]
    urls.remove(reverse("customers:contract_invoice_print", args=[company.contract.pk]))
    urls.append(reverse("customers:contract_invoice", args=[company.contract.pk, bill.pk]))
    urls = [url + "?start=2026-01&end=2026-12" for url in urls]  # the tabs with a period
    statement(company.account, dt.date(2026, 10, 1))
    client.force_login(company.user)
    for url in urls:
        client.get(url)  # warm the per-process caches
    small = {url: count_queries(client, url) for url in urls}
    grow(company, 199)
    large = {url: count_queries(client, url) for url in urls}
    assert large == small


def test_the_accounts_page_lists_every_account_of_the_business_with_its_balance(english, company):
    second = testing.make_account(customer=company.customer, service=Service.ELECTRICITY)
    testing.link_account(company.user, second)
    statement(second, dt.date(2026, 10, 1), charged="77.10")
    other = testing.make_company(name="ТОВ «Інша»")
    english.force_login(company.user)
    url = reverse("customers:company_accounts")
    english.get(url)
    few = count_queries(english, url)
    response = english.get(url)
    text = response.content.decode()
    assert company.account.number in text and second.number in text and "77.10" in text
    assert other.account.number not in text
    for _n in range(40):
        account = testing.make_account(customer=company.customer)
        testing.link_account(company.user, account)
        statement(account, dt.date(2026, 10, 1))
    assert count_queries(english, url) == few


def test_the_accounts_page_is_for_businesses_only(client, household):
    client.force_login(household.user)
    assert client.get(reverse("customers:company_accounts")).status_code == 404


def test_the_invoice_offers_the_pdf_billing_sent(client, company):
    from django.core.files.base import ContentFile

    bill = invoice(period=dt.date(2026, 9, 1), contract=company.contract)
    client.force_login(company.user)
    page = reverse("customers:contract_invoice", args=[company.contract.pk, bill.pk])
    pdf = reverse("customers:contract_invoice_file", args=[company.contract.pk, bill.pk])
    assert pdf not in client.get(page).content.decode()
    assert client.get(pdf).status_code == 404
    bill.pdf.save("inv.pdf", ContentFile(b"%PDF-1.4 invoice"))
    assert pdf in client.get(page).content.decode()
    response = client.get(pdf)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == b"%PDF-1.4 invoice"
    assert "no-store" in response["Cache-Control"]
