"""Accessibility in a browser: axe-core (bundled with axe-playwright-python, no network) checks
the public pages and the cabinet, and finds no serious or critical violation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Page, expect

from kabinet.billing.models import Statement
from kabinet.core import testing
from kabinet.core.models import UtilityProfile
from kabinet.customers.models import Account
from kabinet.identity.models import User

from .helpers import in_cabinet

pytestmark = pytest.mark.e2e

BLOCKING = {"serious", "critical"}


def assert_accessible(page: Page) -> None:
    """No axe violation of serious or critical impact on the page as it is now."""
    results = Axe().run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    lines = [
        f"{v['id']} ({v['impact']}): {', '.join(str(t) for n in v['nodes'] for t in n['target'])}"
        for v in blocking
    ]
    assert not blocking, f"{page.url}:\n" + "\n".join(lines)


def log_in(page: Page, base: str, user: User, password: str) -> None:
    """Through the login form, by the user's phone, as a customer would."""
    assert user.phone, "the fixture user logs in by phone"
    page.goto(base + "/login/")
    page.fill("#id_identifier", user.phone)
    page.fill("#id_password", password)
    page.locator("form.stacked button[type=submit]").click()


def add_statements(account: Account) -> None:
    """Two years of months, so the statistics page draws its chart and table."""
    as_of = timezone.now()
    balance = Decimal("0.00")
    for year in (2024, 2025):
        for month in range(1, 13):
            volume = Decimal(40 + 7 * month)
            charged = (volume * Decimal("7.96")).quantize(Decimal("0.01"))
            paid = charged if month % 3 else Decimal("0.00")
            closing = balance + charged - paid
            Statement.objects.create(
                account=account,
                period=dt.date(year, month, 1),
                volume=volume,
                opening_balance=balance,
                charged=charged,
                paid=paid,
                closing_balance=closing,
                as_of=as_of,
            )
            balance = closing


@pytest.mark.parametrize("path", ["/", "/contacts/", "/login/", "/signup/", "/signup/phone/"])
def test_public_page_is_accessible(
    live_server, page: Page, utility: UtilityProfile, path: str
) -> None:
    page.goto(live_server.url + path)
    assert_accessible(page)


def test_failed_login_is_accessible(
    live_server, page: Page, utility: UtilityProfile, household: testing.Household
) -> None:
    base = live_server.url
    log_in(page, base, household.user, "not-the-password")
    expect(page).to_have_url(base + "/login/")
    expect(page.locator("form.stacked .message.error[role=alert]")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize(
    "path",
    [
        "/cabinet/",
        "/cabinet/accounts/{pk}/statistics/",
        "/cabinet/profile/",
        "/settings/",
        "/appeals/",
    ],
)
def test_cabinet_page_is_accessible(
    live_server, page: Page, utility: UtilityProfile, household: testing.Household, path: str
) -> None:
    base = live_server.url
    add_statements(household.gas)
    log_in(page, base, household.user, testing.PASSWORD)
    expect(page).to_have_url(in_cabinet(base))
    page.goto(base + path.format(pk=household.gas.pk))
    if path == "/cabinet/":
        expect(page).to_have_url(in_cabinet(base))
    assert_accessible(page)
