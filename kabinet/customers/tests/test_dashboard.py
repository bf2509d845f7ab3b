"""The account's dashboard: its own figures only, debt or credit, payments, announcements."""

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kabinet.billing.models import Payment, Statement
from kabinet.core import testing
from kabinet.core.models import Announcement, UtilityProfile
from kabinet.core.periods import add_months

LAST = dt.date(2025, 12, 1)


def make_statements(account, months, last=LAST, closing=Decimal("123.45")):
    """`months` statements ending with `last`, the last one closing with `closing`."""
    rows = [
        Statement(
            account=account,
            period=add_months(last, n - months + 1),
            volume=Decimal(50 + n) + Decimal("0.5"),
            charged=Decimal(400 + n),
            paid=Decimal(300),
            closing_balance=closing if n == months - 1 else Decimal(n),
            as_of=timezone.now(),
        )
        for n in range(months)
    ]
    return Statement.objects.bulk_create(rows)


def pay(account, day, amount, channel=Payment.Channel.BANK):
    return Payment.objects.create(
        account=account,
        reference=f"ref-{account.pk}-{day}-{amount}",
        paid_on=day,
        amount=Decimal(amount),
        channel=channel,
        as_of=timezone.now(),
    )


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def page(client, account):
    response = client.get(reverse("customers:dashboard", args=[account.pk]))
    assert response.status_code == 200
    return response


def test_anonymous_visitors_are_sent_to_log_in(client, household):
    response = client.get(reverse("customers:dashboard", args=[household.gas.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("identity:login"))


def test_another_customers_account_is_not_found(client, household, outsider):
    client.force_login(household.user)
    for account in outsider.accounts:
        assert client.get(reverse("customers:dashboard", args=[account.pk])).status_code == 404
    assert client.get(reverse("customers:dashboard", args=[999999])).status_code == 404


def test_cabinet_opens_the_first_accounts_dashboard(client, household):
    client.force_login(household.user)
    response = client.get(reverse("customers:cabinet"))
    assert response.status_code == 302
    assert response.url == reverse("customers:dashboard", args=[household.gas.pk])


def test_shows_the_account_and_the_last_period(english, household):
    statements = make_statements(household.gas, 14)
    english.force_login(household.user)
    response = page(english, household.gas)
    html = response.content.decode()
    last = statements[-1]
    latest = Statement.objects.get(period=LAST, account=household.gas)
    assert response.context["statement"].pk == latest.pk
    assert household.gas.number in html and household.gas.address_line() in html
    assert "Gas" in html or household.gas.get_service_display() in html
    assert f"{last.volume.normalize()}&nbsp;m³" in html
    assert f"{last.charged:,.2f}" in html and "300.00" in html
    assert "Debt" in html and "123.45" in html
    assert "As of" in html
    assert reverse("billing:statistics", args=[household.gas.pk]) in html
    assert response.context["current"].account_id == household.gas.pk
    assert 'aria-current="page"' in html
    assert household.electricity.number in html  # the other account in the left list


def test_units_follow_the_service(english, household):
    make_statements(household.electricity, 2)
    english.force_login(household.user)
    assert "kWh" in page(english, household.electricity).content.decode()


@pytest.mark.parametrize(
    ("closing", "label", "state"),
    [("-42.10", "Credit (prepaid)", "credit"), ("0", "No debt", "none"), ("5", "Debt", "debt")],
)
def test_debt_or_credit(english, household, closing, label, state):
    make_statements(household.gas, 2, closing=Decimal(closing))
    english.force_login(household.user)
    response = page(english, household.gas)
    assert response.context["state"] == state
    assert label in response.content.decode()
    assert response.context["amount"] == abs(Decimal(closing))


def test_no_statements_yet(english, household):
    english.force_login(household.user)
    response = page(english, household.gas)
    assert "not sent any statements" in response.content.decode()
    assert response.context["can_pay"] is False


def test_pay_is_offered_only_with_a_debt_and_payments_on(english, household, utility):
    make_statements(household.gas, 1)
    english.force_login(household.user)
    assert page(english, household.gas).context["can_pay"] is True
    UtilityProfile.objects.filter(pk=1).update(payments_enabled=False)
    assert page(english, household.gas).context["can_pay"] is False


def test_the_latest_five_payments_of_this_account(english, household):
    for day in range(1, 8):
        pay(household.gas, dt.date(2025, 3, day), f"{day}00.00")
    pay(household.electricity, dt.date(2025, 4, 1), "999.00")
    english.force_login(household.user)
    response = page(english, household.gas)
    assert [p.paid_on.day for p in response.context["payments"]] == [7, 6, 5, 4, 3]
    html = response.content.decode()
    assert "700.00" in html and "Bank" in html and "999.00" not in html


def test_announcements_for_the_branch_and_everyone(english, household, outsider):
    branch = household.gas.building.street.settlement.branch
    other = testing.make_building(branch="Інша філія").street.settlement.branch
    Announcement.objects.create(title="Для всіх", body="a", title_en="For everyone", body_en="a")
    Announcement.objects.create(title="Наша", body="b", title_en="Ours", body_en="b", branch=branch)
    Announcement.objects.create(
        title="Чужа", body="c", title_en="Theirs", body_en="c", branch=other
    )
    Announcement.objects.create(title="Прих", body="d", title_en="Hidden", on_dashboard=False)
    english.force_login(household.user)
    html = page(english, household.gas).content.decode()
    assert "For everyone" in html and "Ours" in html
    assert "Theirs" not in html and "Hidden" not in html


def queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_query_count_does_not_grow_with_accounts_months_and_payments(client, household):
    client.force_login(household.user)
    make_statements(household.gas, 1)
    pay(household.gas, dt.date(2025, 1, 1), "1.00")
    url = reverse("customers:dashboard", args=[household.gas.pk])
    few = queries(client, url)
    make_statements(household.gas, 35, last=add_months(LAST, -1))
    for day in range(2, 20):
        pay(household.gas, dt.date(2025, 1, day), "1.00")
    for _ in range(48):
        account = testing.make_account(customer=household.customer, address=household.address)
        testing.link_account(household.user, account)
        make_statements(account, 36)
    assert queries(client, url) == few


def test_readings_notice_when_the_utility_does_not_take_them(english, household, utility):
    UtilityProfile.objects.filter(pk=1).update(
        readings_not_accepted_services=[household.gas.service], dso_url="https://dso.example.com/"
    )
    english.force_login(household.user)
    response = page(english, household.gas)
    assert "readings-notice" in response.content.decode()
    assert response.context["can_submit_reading"] is False
    other = page(english, household.electricity)
    assert "readings-notice" not in other.content.decode()
    assert other.context["can_submit_reading"] is True
