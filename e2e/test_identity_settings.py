"""Settings → Account in a browser (the DTEK guide's "Настройки → Аккаунт"): change the
password (the other browser is logged out), change the phone with an SMS code, download
my data; and the other end of flow 6: a password issued at the office (KrasKom households),
used once, then replaced by the person's own."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import Browser, Page, expect

from e2e.helpers import in_cabinet
from kabinet.core import testing
from kabinet.core.models import UtilityProfile
from kabinet.identity.models import User
from kabinet.identity.staff_otp import totp_code, totp_device_for
from kabinet.notify.transports.fake import FakeSms

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "Quiet-River-Stone-42"
NEW_PHONE = "+380671119988"


def sms_code(phone: str) -> str:
    texts = [record.text for record in FakeSms.outbox if record.to == phone]
    assert texts, f"no SMS to {phone}"
    return re.search(r"\b(\d{6})\b", texts[-1]).group(1)  # type: ignore[union-attr]


def log_in(page: Page, base: str, identifier: str, password: str = testing.PASSWORD) -> None:
    page.goto(base + "/login/")
    page.fill("#id_identifier", identifier)
    page.fill("#id_password", password)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(in_cabinet(base))


def open_settings(page: Page, base: str) -> None:
    page.locator(".main-nav a[href='/settings/']").click()
    expect(page).to_have_url(base + "/settings/")


@pytest.fixture
def olena(utility: UtilityProfile) -> User:
    return testing.make_household(phone="+380501112233").user


def test_change_the_password_and_the_other_browser_is_logged_out(
    live_server, page: Page, browser: Browser, olena: User
) -> None:
    base = live_server.url
    other_context = browser.new_context()
    try:
        other = other_context.new_page()
        log_in(other, base, "0501112233")
        log_in(page, base, "0501112233")

        open_settings(page, base)
        page.locator("a[href='/settings/password/']").click()
        page.fill("#id_current", testing.PASSWORD)
        page.fill("#id_password1", NEW_PASSWORD)
        page.fill("#id_password2", NEW_PASSWORD)
        page.locator("form.stacked button[type=submit]").click()
        expect(page).to_have_url(base + "/settings/")
        expect(page.locator(".message.success")).to_be_visible()

        other.goto(base + "/settings/")
        expect(other).to_have_url(re.compile(re.escape(base) + r"/login/"))
        page.goto(base + "/settings/")
        expect(page).to_have_url(base + "/settings/")  # this session goes on
    finally:
        other_context.close()
    assert User.objects.get(pk=olena.pk).check_password(NEW_PASSWORD)


def test_change_the_phone_with_a_code_sent_to_the_new_phone(
    live_server, page: Page, olena: User
) -> None:
    base = live_server.url
    log_in(page, base, "0501112233")
    open_settings(page, base)
    expect(page.locator("#settings-phone")).to_have_text("+38050•••••33")
    page.locator("a[href='/settings/phone/']").click()

    page.fill("#id_current", "Not-My-Password-1")  # re-authentication first
    page.fill("#id_phone", "067 111 99 88")
    page.locator("form.stacked button[type=submit]").click()
    expect(page.locator("#id_current")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_phone")).to_have_value("067 111 99 88")
    assert FakeSms.outbox == []

    page.fill("#id_current", testing.PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(base + "/settings/contact/confirm/")
    expect(page.locator("main")).to_contain_text("+38067•••••88")
    page.fill("#id_code", sms_code(NEW_PHONE))
    page.locator("form.stacked button[type=submit]").click()

    expect(page).to_have_url(base + "/settings/")
    expect(page.locator("#settings-phone")).to_have_text("+38067•••••88")
    assert User.objects.get(pk=olena.pk).phone == NEW_PHONE
    assert any(r.to == "+380501112233" for r in FakeSms.outbox)  # the notice to the old phone


def test_download_my_data(live_server, page: Page, olena: User) -> None:
    base = live_server.url
    log_in(page, base, "0501112233")
    open_settings(page, base)
    with page.expect_download() as info:
        page.locator("#download-my-data").click()
    download = info.value
    assert download.suggested_filename.endswith(".json")
    data = json.loads(download.path().read_text(encoding="utf-8"))
    assert data["user"]["login"] == olena.username
    assert len(data["accounts"]) == 2
    assert "argon2" not in json.dumps(data)


def test_a_password_issued_at_the_office_is_replaced_at_the_first_login(
    live_server, page: Page, browser: Browser, utility: UtilityProfile
) -> None:
    """KrasKom households: "log in with the personal account number and the password issued
    at the office". The operator logs in to the back office with a TOTP code, finds the
    account, prints the slip; the customer logs in with it and must choose a password."""
    base = live_server.url
    household = testing.make_household(phone="+380501112244")
    account = household.gas
    operator = testing.make_staff(username="desk")
    operator.user_permissions.add(
        *Permission.objects.filter(codename__in=["change_user", "issue_credentials"])
    )
    device = totp_device_for(operator)

    page.goto(base + "/admin/identity/user/")
    page.fill("#id_username", "desk")
    page.fill("#id_password", testing.PASSWORD)
    page.fill("#id_otp_token", totp_code(device))
    page.locator("#login-form [type=submit]").first.click()
    expect(page).to_have_url(base + "/admin/identity/user/")
    page.locator("a[href='/office/credentials/']").click()
    page.fill("#id_q", account.number)
    page.locator("form.stacked button[type=submit]").click()
    page.locator(f"form[action='/office/credentials/accounts/{account.pk}/'] button").click()
    expect(page.locator("#slip-login")).to_have_text(account.number)
    password = page.locator("#slip-password").inner_text()
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", password)

    customer_context = browser.new_context()
    try:
        customer = customer_context.new_page()
        customer.goto(base + "/login/")
        customer.fill("#id_identifier", account.number)
        customer.fill("#id_password", password)
        customer.locator("form.stacked button[type=submit]").click()
        expect(customer).to_have_url(base + "/first-password/")
        customer.goto(base + "/cabinet/")  # nothing else opens before the new password
        expect(customer).to_have_url(base + "/first-password/")
        customer.fill("#id_password1", NEW_PASSWORD)
        customer.fill("#id_password2", NEW_PASSWORD)
        customer.locator("form.stacked button[type=submit]").click()
        expect(customer).to_have_url(in_cabinet(base))
    finally:
        customer_context.close()
    user = User.objects.get(username=account.number)
    assert user.check_password(NEW_PASSWORD) and not user.must_change_password
