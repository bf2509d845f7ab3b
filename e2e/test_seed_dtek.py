"""The DTEK guide in a browser (seed 001): business sign-up by mobile phone, personal account and
EDRPOU with an SMS confirmation code, login by account number, and the "already registered"
answer that points to the contact centre."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import in_cabinet
from kabinet.core import testing
from kabinet.core.models import Service, UtilityProfile
from kabinet.customers.models import Account, Customer, CustomerKind
from kabinet.notify.transports.fake import FakeSms

pytestmark = pytest.mark.e2e

PASSWORD = "Svitlo#Kyiv2024"  # the guide's rule: latin, upper + lower + digit + symbol, ≥ 8
CONTACT_CENTRE = "044 202 15 88\n050 210 15 88\n073 202 15 88\n067 210 15 88"


def dtek_profile(utility: UtilityProfile) -> UtilityProfile:
    utility.signup_business_phone = True
    utility.password_require_classes = True
    utility.contact_phones = CONTACT_CENTRE
    utility.save()
    return utility


def business(edrpou: str | None = None) -> tuple[Customer, list[Account]]:
    """A company in billing with two electricity accounts."""
    fields = {"edrpou": edrpou} if edrpou else {}
    customer = testing.make_customer(kind=CustomerKind.COMPANY, name="ТОВ «Світло»", **fields)
    accounts = [
        testing.make_account(customer=customer, service=Service.ELECTRICITY),
        testing.make_account(customer=customer, service=Service.ELECTRICITY),
    ]
    return customer, accounts


def sms_code(phone: str) -> str:
    texts = [record.text for record in FakeSms.outbox if record.to == phone]
    assert texts, f"no SMS to {phone}"
    return re.search(r"\b(\d{6})\b", texts[-1]).group(1)  # type: ignore[union-attr]


def fill_business_signup(page: Page, base: str, *, phone: str, account: str, edrpou: str) -> None:
    """The guide's list: phone, personal account, EDRPOU, password; then "Sign up"."""
    page.goto(base + "/")
    page.locator(".main-nav a[href='/signup/']").click()
    page.locator("a[href='/signup/business/']").click()
    page.fill("#id_phone", phone)
    page.fill("#id_account", account)
    page.fill("#id_edrpou", edrpou)
    expect(page.locator("#id_password1_helptext")).to_contain_text("Qwer123!")  # the hint
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.locator("form.stacked button[type=submit]").click()


def test_business_sign_up_with_sms_code_then_login_by_account(
    live_server, page: Page, utility: UtilityProfile
) -> None:
    base = live_server.url
    dtek_profile(utility)
    customer, accounts = business()

    fill_business_signup(
        page, base, phone="050 123 45 67", account=accounts[0].number, edrpou=customer.edrpou
    )
    expect(page).to_have_url(base + "/signup/business/confirm/")
    expect(page.locator("main")).to_contain_text("+38050•••••67")
    page.fill("#id_code", sms_code("+380501234567"))
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(base + "/login/")

    # "After registration you can choose the needed personal account": log in by account number
    page.fill("#id_identifier", accounts[1].number)
    page.fill("#id_password", PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(in_cabinet(base))
    for account in accounts:
        expect(page.locator("main")).to_contain_text(account.number)


def test_an_already_registered_pair_points_to_the_contact_centre(
    live_server, page: Page, utility: UtilityProfile
) -> None:
    base = live_server.url
    dtek_profile(utility)
    customer, accounts = business()
    testing.make_user(
        phone="+380671112233",
        customer=customer,
        kind=CustomerKind.COMPANY,
        tax_id=customer.edrpou,
        accounts=accounts,
    )

    fill_business_signup(
        page, base, phone="050 123 45 67", account=accounts[0].number, edrpou=customer.edrpou
    )
    expect(page).to_have_url(base + "/signup/business/")
    alert = page.locator("form.stacked .message.error")
    for number in CONTACT_CENTRE.splitlines():
        expect(alert).to_contain_text(number)
    expect(page.locator("main")).not_to_contain_text("1112233")  # who registered stays hidden
    expect(page.locator("#id_account")).to_have_value(accounts[0].number)
    expect(page.locator("#id_password1")).to_have_value("")
    assert FakeSms.outbox == []


# --- Business customers (issue #7): accounts of one EDRPOU, service orders, history ---------------


def test_business_switches_accounts_orders_a_service_and_reads_the_history(
    live_server, page: Page, utility: UtilityProfile
) -> None:
    """Log in by account number and password; both accounts of the EDRPOU are in one cabinet,
    switch between them; order a meter verification for one; read its consumption history,
    with the months imported from the previous cabinet marked."""
    import datetime as dt

    from kabinet.billing.models import Source
    from kabinet.customers.models import ServiceKind, ServiceOrder
    from kabinet.customers.tests.business_cast import statement

    base = live_server.url
    dtek_profile(utility)
    customer, accounts = business()
    contract = testing.make_contract(customer=customer, title="Електропостачання")
    for account in accounts:
        account.contract = contract
        account.save()
    testing.make_user(
        phone="+380501234567",
        customer=customer,
        kind=CustomerKind.COMPANY,
        tax_id=customer.edrpou,
        accounts=accounts,
    )
    first, second = accounts
    statement(first, dt.date(2025, 11, 1), volume="410", source=Source.PREVIOUS)
    statement(first, dt.date(2025, 12, 1), volume="380")
    statement(second, dt.date(2025, 12, 1), volume="120")
    ServiceKind.objects.create(
        code="verification",
        name="Повірка лічильника",
        price="420.00",
        fields="Номер лічильника",
        target=ServiceKind.Target.ACCOUNT,
    )

    page.goto(base + "/login/")
    page.fill("#id_identifier", first.number)
    page.fill("#id_password", testing.PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(in_cabinet(base))

    page.locator(".business-nav a[href='/cabinet/company/accounts/']").click()
    expect(page.locator("#company-accounts tbody tr")).to_have_count(2)  # the whole EDRPOU
    nav = page.locator(".accounts-nav")
    nav.locator(f"a[href='/cabinet/accounts/{second.pk}/']").click()
    expect(page).to_have_url(base + f"/cabinet/accounts/{second.pk}/")
    expect(page.locator("main .account-facts")).to_contain_text(second.number)
    nav.locator(f"a[href='/cabinet/accounts/{first.pk}/']").click()
    expect(page.locator("main .account-facts")).to_contain_text(first.number)

    page.locator(".business-nav a[href='/cabinet/services/']").click()
    page.locator("#service-verification a.button").click()
    page.select_option("#id_target", f"a{first.pk}")
    page.fill("#id_field_0", "LC-889900")
    page.locator("form.stacked button[type=submit]").click()
    order = ServiceOrder.objects.get()
    expect(page).to_have_url(base + f"/cabinet/orders/{order.pk}/")
    expect(page.locator("#order-facts")).to_contain_text("LC-889900")
    expect(page.locator("#order-facts")).to_contain_text(first.number)
    page.locator(".cabinet-main a[href='/cabinet/orders/']").click()
    expect(page.locator("#orders")).to_contain_text("Повірка лічильника")

    page.goto(base + f"/cabinet/accounts/{first.pk}/statistics/")
    rows = page.locator("#stats tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_class("imported")
    expect(page.locator("#consumption-chart, svg").first).to_be_visible()
    page.goto(base + f"/cabinet/contracts/{contract.pk}/consumption/")
    expect(page.locator("#contract-months tbody tr")).to_have_count(2)
    expect(page.locator("#contract-months tbody tr").last).to_contain_text("500")  # 380 + 120


# --- Metering (issue #5): "readings in two clicks" ---------------------------------------------


def test_business_account_submits_a_reading_in_two_clicks(
    live_server, page: Page, utility: UtilityProfile
) -> None:
    from kabinet.metering.models import Reading

    base = live_server.url
    customer, accounts = business()
    meter = testing.make_meter(account=accounts[0], digits=6, serial="DTEK-100200")
    user = testing.make_user(customer=customer, accounts=accounts)
    page.goto(base + "/login/")
    page.fill("#id_identifier", accounts[0].number)
    page.fill("#id_password", testing.PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(f"{base}/cabinet/accounts/{accounts[0].pk}/")

    # click 1: the dashboard's button opens the only meter's form
    page.locator(".actions a", has_text="Передати показання").click()
    expect(page).to_have_url(f"{base}/cabinet/accounts/{accounts[0].pk}/meters/{meter.pk}/add/")
    page.locator("#id_value1").fill("004512")
    # the consumption is shown before saving only when there is a previous reading: none yet
    # click 2: add
    page.locator("form.reading-form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/cabinet/accounts/{accounts[0].pk}/meters/")
    expect(page.locator(f"tr[data-meter='{meter.serial}'] .last-reading")).to_contain_text("004512")
    assert Reading.objects.get(meter=meter).submitted_by == user

    # the next month's reading shows the consumption it implies as it is typed
    page.goto(f"{base}/cabinet/accounts/{accounts[0].pk}/meters/{meter.pk}/add/")
    page.locator("#id_value1").fill("004600")
    expect(page.locator(".consumption")).to_contain_text("88")
