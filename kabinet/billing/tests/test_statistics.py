"""Statistics of an account: the year's months and totals, year switching, downloads, 404s."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kabinet.billing.models import Statement
from kabinet.core import testing
from kabinet.core.periods import add_months

LAST = dt.date(2025, 12, 1)
NAMES = ("billing:statistics", "billing:statistics_csv", "billing:statistics_xlsx")


def make_statements(account, months, last=LAST):
    """`months` statements ending with `last`: volume 10 + n, charged = volume × 8.5."""
    rows, balance = [], Decimal(0)
    for n in range(months):
        volume = Decimal(10 + n) + Decimal("0.25")
        charged = (volume * Decimal("8.5")).quantize(Decimal("0.01"))
        paid = Decimal(100)
        closing = balance + charged - paid
        rows.append(
            Statement(
                account=account,
                period=add_months(last, n - months + 1),
                volume=volume,
                opening_balance=balance,
                charged=charged,
                paid=paid,
                closing_balance=closing,
                as_of=timezone.now(),
            )
        )
        balance = closing
    return Statement.objects.bulk_create(rows)


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def gas(client, household):
    make_statements(household.gas, 14)
    client.force_login(household.user)
    return household.gas


@pytest.mark.parametrize("name", NAMES)
def test_anonymous_visitors_are_sent_to_log_in(client, household, name):
    response = client.get(reverse(name, args=[household.gas.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("identity:login"))


@pytest.mark.parametrize("name", NAMES)
def test_another_customers_account_is_not_found(client, household, outsider, name):
    make_statements(outsider.gas, 3)
    client.force_login(household.user)
    assert client.get(reverse(name, args=[outsider.gas.pk])).status_code == 404
    assert client.get(reverse(name, args=[999999])).status_code == 404


def test_latest_year_by_default_with_months_and_totals(english, gas):
    response = english.get(reverse("billing:statistics", args=[gas.pk]))
    assert response.status_code == 200
    data = response.context["data"]
    assert data.years == [2024, 2025] and data.year == 2025
    expected = list(Statement.objects.filter(account=gas, period__year=2025).order_by("period"))
    assert [s.pk for s in data.statements] == [s.pk for s in expected]
    assert data.volume == sum(s.volume for s in expected)
    assert data.charged == sum(s.charged for s in expected)
    assert data.paid == Decimal(1200)
    html = response.content.decode()
    assert "January" in html and "December" in html
    assert f"{data.charged:,.2f}" in html
    assert '<table id="stats">' in html and 'aria-describedby="stats"' in html
    assert 'role="img"' in html
    assert '<option value="2024">' in html and '<option value="2025" selected>' in html


def test_year_switching(english, gas):
    response = english.get(reverse("billing:statistics", args=[gas.pk]), {"year": "2024"})
    data = response.context["data"]
    assert data.year == 2024
    assert [s.period for s in data.statements] == [dt.date(2024, 11, 1), dt.date(2024, 12, 1)]
    assert list(data.series) == [2024]  # nothing later is compared with an earlier year


@pytest.mark.parametrize("year", ["1999", "abc", ""])
def test_unknown_year_falls_back_to_the_latest(english, gas, year):
    response = english.get(reverse("billing:statistics", args=[gas.pk]), {"year": year})
    assert response.context["data"].year == 2025


def test_no_statements_yet(english, household):
    english.force_login(household.user)
    response = english.get(reverse("billing:statistics", args=[household.gas.pk]))
    assert response.status_code == 200
    assert "not sent any statements" in response.content.decode()


def test_csv_in_ukrainian_has_bom_semicolons_and_decimal_commas(client, gas):
    response = client.get(reverse("billing:statistics_csv", args=[gas.pk]), {"year": "2025"})
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + 12 + 1
    statement = Statement.objects.get(account=gas, period=dt.date(2025, 1, 1))
    assert rows[1] == [
        "2025-01",
        str(statement.volume).replace(".", ","),
        str(statement.charged).replace(".", ","),
        "100,00",
        str(statement.closing_balance).replace(".", ","),
    ]
    assert rows[-1][3] == "1200,00"


def test_csv_in_english_has_decimal_points(english, gas):
    response = english.get(reverse("billing:statistics_csv", args=[gas.pk]), {"year": "2024"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Period" and rows[0][1] == "Volume, m³"
    assert rows[1][0] == "2024-11" and rows[1][3] == "100.00"
    charged = sum(s.charged for s in Statement.objects.filter(account=gas, period__year=2024))
    assert rows[-1] == ["Total", "21.500", str(charged), "200.00", ""]


def test_xlsx_holds_numbers_with_number_formats(english, gas):
    response = english.get(reverse("billing:statistics_xlsx", args=[gas.pk]), {"year": "2025"})
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Disposition"].endswith('.xlsx"')
    assert "no-store" in response["Cache-Control"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Period", "Volume, m³")
    assert len(rows) == 1 + 12 + 1
    statement = Statement.objects.get(account=gas, period=dt.date(2025, 3, 1))
    period, volume, charged, paid, balance = rows[3]
    assert period.date() == dt.date(2025, 3, 1)
    assert Decimal(str(volume)) == statement.volume
    assert Decimal(str(charged)) == statement.charged
    assert Decimal(str(balance)) == statement.closing_balance
    assert isinstance(paid, (int, float))
    assert sheet.cell(row=4, column=3).number_format == "#,##0.00"
    assert rows[-1][0] == "Total" and rows[-1][3] == 1200


def queries(client, url):
    client.get(url)  # warm up: one-off work of the session
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("name", NAMES)
def test_query_count_does_not_grow_with_accounts_and_months(client, household, name):
    client.force_login(household.user)
    make_statements(household.gas, 1)
    url = reverse(name, args=[household.gas.pk])
    few = queries(client, url)
    make_statements(household.gas, 35, last=add_months(LAST, -1))
    for _ in range(48):
        account = testing.make_account(customer=household.customer, address=household.address)
        testing.link_account(household.user, account)
        make_statements(account, 36)
    assert queries(client, url) == few
