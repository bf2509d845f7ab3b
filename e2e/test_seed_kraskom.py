"""The KrasKom guide in a browser (seed 004): company sign-up with the user agreement and a
captcha, activation by an e-mailed link, login with the login; and password recovery by an
e-mailed link."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from captcha.models import CaptchaStore
from django.conf import settings
from django.core import mail
from playwright.sync_api import Page, expect

from e2e.helpers import in_cabinet
from kabinet.core import testing
from kabinet.core.models import Service, UtilityProfile
from kabinet.customers.models import CustomerKind

pytestmark = pytest.mark.e2e

PASSWORD = "Vodokanal-Sever-31"
EMAIL = "torg@kraskom.example.ru"


def mailed_link_path(prefix: str) -> str:
    """The path of the link in the last e-mail; the link itself is built from SITE_URL."""
    assert mail.outbox, "no e-mail sent"
    match = re.search(r"https?://\S+", str(mail.outbox[-1].body))
    assert match, mail.outbox[-1].body
    link = match.group(0)
    assert link.startswith(settings.SITE_URL + prefix), link
    return urlsplit(link).path


def log_in(page: Page, base: str, identifier: str, password: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_identifier", identifier)
    page.fill("#id_password", password)
    page.locator("form.stacked button[type=submit]").click()


def test_company_sign_up_with_captcha_activation_link_and_login(
    live_server, page: Page, utility: UtilityProfile
) -> None:
    base = live_server.url
    utility.signup_company_email = True
    utility.save()
    customer = testing.make_customer(
        kind=CustomerKind.COMPANY, name="ООО «Торговая марка»", inn=testing.valid_inn(), email=EMAIL
    )
    contract = testing.make_contract(customer=customer, title="Вода и стоки")
    account = testing.make_account(customer=customer, contract=contract, service=Service.WATER)

    page.goto(base + "/signup/")
    page.locator("a[href='/signup/company/']").click()
    page.fill("#id_address", "ул. Копылова, 4, кв. 2")
    page.fill("#id_inn", customer.inn)
    page.fill("#id_phone", "+7 391 212-12-12")
    page.fill("#id_username", "Торговая марка")
    page.fill("#id_email", EMAIL)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    expect(page.locator("a[href='/signup/company/agreement/']")).to_be_visible()
    page.check("#id_agreement")
    expect(page.locator("img.captcha")).to_be_visible()
    key = page.locator("#id_captcha_0").input_value()
    page.fill("#id_captcha_1", CaptchaStore.objects.get(hashkey=key).response)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(base + "/signup/company/sent/")

    page.goto(base + mailed_link_path("/signup/company/activate/"))
    expect(page).to_have_url(base + "/login/")
    expect(page.locator(".message.success")).to_be_visible()

    log_in(page, base, "Торговая марка", PASSWORD)
    expect(page).to_have_url(in_cabinet(base))
    expect(page.locator("main")).to_contain_text(account.number)


def test_password_recovery_by_e_mailed_link(
    live_server, page: Page, utility: UtilityProfile
) -> None:
    base = live_server.url
    testing.make_user(username="vodokanal-buh", email="buh@kraskom.example.ru")
    new_password = "Quiet-River-Stone-42"

    page.goto(base + "/login/")
    page.locator("a[href='/recovery/']").click()
    page.locator("a[href='/recovery/email/']").click()
    page.fill("#id_identifier", "vodokanal-buh")
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(base + "/recovery/email/sent/")

    response = page.goto(base + mailed_link_path("/recovery/email/"))
    # the address with the token answers with a redirect that sends no Referer anywhere
    assert response is not None and response.request.redirected_from is not None
    with_token = response.request.redirected_from.response()
    assert with_token is not None and with_token.headers["referrer-policy"] == "no-referrer"
    expect(page).to_have_url(re.compile(r"/recovery/email/[^/]+/set-password/$"))
    page.fill("#id_password1", new_password)
    page.fill("#id_password2", new_password)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(base + "/login/")  # no automatic login

    log_in(page, base, "vodokanal-buh", new_password)
    expect(page).to_have_url(in_cabinet(base))


def test_household_logs_in_with_the_account_number_and_an_office_password(
    live_server, page: Page, utility: UtilityProfile
) -> None:
    """Steps 13-15: the office issues a password for a household's personal account; the
    household logs in with the account number and that password, chooses its own, and sees
    its charges, payments and client information."""
    import datetime as dt
    from decimal import Decimal

    from django.test import RequestFactory
    from django.utils import timezone, translation

    from kabinet.billing.models import Payment, Statement
    from kabinet.core.money import format_money
    from kabinet.identity.models import User
    from kabinet.identity.office import office_login_create

    base = live_server.url
    household = testing.make_household(name="Кузнецова Анна Сергеевна")
    account = testing.make_account(
        customer=household.customer, service=Service.WATER, address=household.address
    )
    now = timezone.now()
    months = [  # (period, charged, paid); each month opens with the previous one's closing
        (dt.date(2026, 7, 1), Decimal("412.35"), Decimal("0.00")),
        (dt.date(2026, 8, 1), Decimal("398.10"), Decimal("412.35")),
        (dt.date(2026, 9, 1), Decimal("1305.75"), Decimal("650.00")),
    ]
    balance = Decimal("0.00")
    for period, charged, paid in months:
        Statement.objects.create(
            account=account,
            period=period,
            volume=Decimal("7.500"),
            opening_balance=balance,
            charged=charged,
            paid=paid,
            closing_balance=balance + charged - paid,
            as_of=now,
        )
        balance += charged - paid
    debt = balance  # 1 053.85
    Payment.objects.create(
        account=account,
        reference="KK-2026-08-12-1",
        paid_on=dt.date(2026, 8, 12),
        amount=Decimal("412.35"),
        channel=Payment.Channel.BANK,
        as_of=now,
    )
    Payment.objects.create(
        account=account,
        reference="KK-2026-09-15-1",
        paid_on=dt.date(2026, 9, 15),
        amount=Decimal("650.00"),
        channel=Payment.Channel.CASH,
        as_of=now,
    )

    # Step 14: the password is issued at the office (the back-office flow in the browser,
    # with TOTP, is test_identity_settings' test_a_password_issued_at_the_office_...).
    request = RequestFactory().post(f"/office/credentials/accounts/{account.pk}/")
    request.user = testing.make_staff(username="kraskom-desk")
    issued = office_login_create(account=account, request=request)
    assert issued.created and issued.user.username == account.number

    def money(value: Decimal) -> str:
        with translation.override("uk"):
            return format_money(value, utility.currency)

    def figure(value: Decimal) -> str:
        """The number alone, as the statistics table shows it (no currency)."""
        return money(value).rsplit("\u00a0", 1)[0]

    log_in(page, base, account.number, issued.password)
    expect(page).to_have_url(base + "/first-password/")
    new_password = "Yenisei-River-Krasnoyarsk-24"
    page.fill("#id_password1", new_password)
    page.fill("#id_password2", new_password)
    page.locator("form.stacked button[type=submit]").click()
    dashboard = f"{base}/cabinet/accounts/{account.pk}/"
    expect(page).to_have_url(dashboard)
    user = User.objects.get(username=account.number)
    assert user.check_password(new_password) and not user.must_change_password

    # Step 15: the charges and the payments.
    facts = page.locator(".account-facts")
    expect(facts).to_contain_text(account.number)
    expect(page.locator(".balance.debt")).to_contain_text(money(debt))
    payments = page.locator("section[aria-labelledby=payments-heading] tbody tr")
    expect(payments).to_have_count(2)
    expect(payments.first).to_contain_text(money(Decimal("650.00")))

    page.locator(f"a[href='/cabinet/accounts/{account.pk}/statistics/']").click()
    expect(page).to_have_url(dashboard + "statistics/")
    rows = page.locator("#stats tbody tr")
    expect(rows).to_have_count(len(months))
    for row, (_period, charged, _paid) in zip(rows.all(), months, strict=True):
        expect(row.locator("td").nth(1)).to_have_text(figure(charged))
    total = sum((charged for _period, charged, _paid in months), Decimal(0))
    expect(page.locator("#stats tfoot td").nth(1)).to_have_text(figure(total))

    # Step 15: the client information (the profile has no menu link; it is opened by address).
    page.goto(base + "/cabinet/profile/")
    expect(page.locator("#profile-customer")).to_have_text("Кузнецова Анна Сергеевна")
    expect(page.locator("main")).to_contain_text(account.number)


# --- Metering (issue #5): step 12, "Ввод показаний счетчиков" ------------------------------------


def test_step_12_company_adds_a_reading_keeping_the_digits_edits_it_then_it_locks(
    live_server, page: Page, utility: UtilityProfile
) -> None:
    """The table of all the organisation's meters; “Add reading” with the meter's digit count
    (00001); the value shows at once, sent to the inspector; editable within one day only."""
    import datetime as dt

    from django.utils import timezone

    from kabinet.metering.models import Reading

    base = live_server.url
    company = testing.make_company(username="kraskom-org")
    second_point = testing.make_service_point(contract=company.contract, name="Склад")
    other = testing.make_meter(service_point=second_point, serial="KK-000777", digits=6)
    log_in(page, base, "kraskom-org", testing.PASSWORD)
    expect(page).to_have_url(in_cabinet(base))

    # the dashboard's “Submit a reading” opens the table: the organisation has two meters
    page.locator(f".actions a[href='/cabinet/accounts/{company.account.pk}/meters/']").click()
    expect(page).to_have_url(f"{base}/cabinet/accounts/{company.account.pk}/meters/")
    table = page.locator("#meters tbody tr")
    expect(table).to_have_count(2)  # every meter of the organisation, both service points
    expect(page.locator(f"tr[data-meter='{other.serial}']")).to_be_visible()

    row = page.locator(f"tr[data-meter='{company.meter.serial}']")
    row.locator("a.button").first.click()
    value = page.locator("#id_value1")
    expect(value).to_have_attribute("placeholder", "00001")
    value.fill("00001")
    page.locator("form.reading-form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/cabinet/accounts/{company.account.pk}/meters/")
    expect(row.locator(".last-reading")).to_contain_text("00001")
    expect(row.locator(".reading-status")).to_have_class(re.compile("status-sent"))
    reading = Reading.objects.get(meter=company.meter)
    assert reading.status == Reading.Status.SENT  # in the inspector's queue at once

    # within the day: edit
    row.locator("a.button.secondary").click()
    page.locator("#id_value1").fill("00003")
    page.locator("form.reading-form button[type=submit]").click()
    expect(row.locator(".last-reading")).to_contain_text("00003")

    # a day later the reading is locked, and the page says why
    Reading.objects.filter(pk=reading.pk).update(
        submitted_at=timezone.now() - dt.timedelta(days=1, minutes=1)
    )
    page.goto(f"{base}/cabinet/accounts/{company.account.pk}/readings/{reading.pk}/")
    expect(page.locator(".message.locked")).to_be_visible()
    expect(page.locator("#id_value1")).to_have_count(0)
    expect(page.locator("form.delete-reading")).to_have_count(0)
    reading.refresh_from_db()
    assert reading.value1 == 3 and reading.revisions.count() == 2


def test_metering_pages_are_accessible(live_server, page: Page, utility: UtilityProfile) -> None:
    """axe-core on the meters table, the reading form with an error and a confirmation asked
    (a lower value: the register rolled over?), and a meter's history with its chart."""
    import datetime as dt

    from e2e.test_accessibility import assert_accessible
    from kabinet.metering.models import Reading

    base = live_server.url
    company = testing.make_company(username="kraskom-a11y")
    testing.make_meter(service_point=company.service_point, tariff_zones=2, serial="KK-2ZONE")
    for month, value in ((1, 99000), (2, 99900)):
        Reading.objects.create(
            meter=company.meter,
            taken_on=dt.date(2025, month, 28),
            value1=value,
            origin=Reading.Origin.INSPECTOR,
            status=Reading.Status.ACCEPTED,
        )
    log_in(page, base, "kraskom-a11y", testing.PASSWORD)
    expect(page).to_have_url(in_cabinet(base))
    meters = f"{base}/cabinet/accounts/{company.account.pk}/meters/"
    page.goto(meters)
    assert_accessible(page)
    page.goto(f"{meters}{company.meter.pk}/add/")
    page.locator("#id_value1").fill("00020")
    expect(page.locator(".consumption")).to_be_visible()  # 99900 → 00020: 120 through zero
    page.locator("form.reading-form button[type=submit]").click()
    expect(page.locator("#id_confirm_rollover")).to_be_visible()
    expect(page.locator("#id_value1")).to_have_value("00020")  # nothing typed is lost
    assert_accessible(page)
    page.goto(f"{meters}{company.meter.pk}/")
    expect(page.locator("#meter-chart")).to_be_visible()
    assert_accessible(page)
