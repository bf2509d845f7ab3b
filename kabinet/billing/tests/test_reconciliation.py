"""The reconciliation statement: opening balance, charges and payments in order, closing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kabinet.billing.models import Source
from kabinet.billing.reconciliation import period_bounds, reconciliation_for
from kabinet.core import testing
from kabinet.core.models import Service
from kabinet.customers.tests.business_cast import payment, statement


def test_period_bounds_cover_whole_months_in_either_order():
    assert period_bounds(dt.date(2026, 3, 15), dt.date(2026, 1, 2)) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 3, 31),
    )


def test_opening_is_the_closing_before_the_period_and_entries_are_in_date_order(company):
    account = company.account
    statement(account, dt.date(2026, 1, 1), opening="0", charged="100")
    statement(account, dt.date(2026, 2, 1), opening="100", charged="120", paid="100")
    statement(account, dt.date(2026, 3, 1), opening="120", charged="130")
    payment(account, dt.date(2026, 2, 14), "100")
    payment(account, dt.date(2026, 4, 2), "999")  # after the period
    result = reconciliation_for(
        accounts=[account], start=dt.date(2026, 2, 1), end=dt.date(2026, 3, 1)
    )
    assert result.opening == Decimal("100")
    assert [(e.day, e.charged, e.paid) for e in result.entries] == [
        (dt.date(2026, 2, 1), Decimal("120"), Decimal(0)),
        (dt.date(2026, 2, 14), Decimal(0), Decimal("100")),
        (dt.date(2026, 3, 1), Decimal("130"), Decimal(0)),
    ]
    assert result.closing == Decimal("250")


def test_several_accounts_are_summed_and_a_new_account_opens_with_its_first_month(company):
    late = testing.make_account(
        customer=company.customer, service=Service.WATER, contract=company.contract
    )
    statement(company.account, dt.date(2025, 12, 1), opening="0", charged="40")
    statement(late, dt.date(2026, 2, 1), opening="15", charged="10")
    result = reconciliation_for(
        accounts=[company.account, late], start=dt.date(2026, 1, 1), end=dt.date(2026, 2, 1)
    )
    assert result.opening == Decimal("55")
    assert result.closing == Decimal("65")


def test_rows_from_the_previous_cabinet_keep_their_source(company):
    statement(company.account, dt.date(2026, 1, 1), source=Source.PREVIOUS)
    payment(company.account, dt.date(2026, 1, 5), "10", source=Source.PREVIOUS)
    result = reconciliation_for(
        accounts=[company.account], start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 1)
    )
    assert [e.imported for e in result.entries] == [True, True]


def test_three_queries_whatever_the_history(company, django_assert_num_queries):
    for n in range(24):
        statement(company.account, dt.date(2024 + n // 12, n % 12 + 1, 1))
        payment(company.account, dt.date(2024 + n // 12, n % 12 + 1, 9), "5")
    with django_assert_num_queries(3):
        result = reconciliation_for(
            accounts=[company.account], start=dt.date(2024, 1, 1), end=dt.date(2025, 12, 1)
        )
    assert len(result.entries) == 48


def test_statistics_and_dashboard_mark_the_previous_cabinets_rows(client, company):
    from django.conf import settings
    from django.urls import reverse

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    statement(company.account, dt.date(2026, 1, 1), source=Source.PREVIOUS)
    statement(company.account, dt.date(2026, 2, 1))
    payment(company.account, dt.date(2026, 1, 5), "10", source=Source.PREVIOUS)
    client.force_login(company.user)
    page = client.get(reverse("billing:statistics", args=[company.account.pk])).content.decode()
    assert page.count("(Previous cabinet)") == 1
    page = client.get(reverse("customers:dashboard", args=[company.account.pk])).content.decode()
    assert "(Previous cabinet)" in page
