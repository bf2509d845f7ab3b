"""The Kremenchukgaz guide in a browser: sign up by phone with an SMS activation code, the
first login on an empty cabinet, and the guide's way out when the SMS does not come."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from kabinet.core.models import UtilityProfile
from kabinet.identity.models import User
from kabinet.notify.transports.fake import FakeSms

pytestmark = pytest.mark.e2e

PHONE = "+380501234567"
PASSWORD = "Sunflower-Field-77"


def sms_code(phone: str) -> str:
    texts = [record.text for record in FakeSms.outbox if record.to == phone]
    assert texts, f"no SMS to {phone}"
    return re.search(r"\b(\d{6})\b", texts[-1]).group(1)  # type: ignore[union-attr]


def sign_up(page: Page, base: str) -> None:
    page.goto(base + "/")
    page.locator(".main-nav a[href='/signup/']").click()
    page.locator("a[href='/signup/phone/']").click()
    page.fill("#id_phone", "050 123 45 67")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(base + "/signup/confirm/")
    expect(page.locator("main")).to_contain_text("+38050•••••67")


def log_in(page: Page, base: str, identifier: str, password: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_identifier", identifier)
    page.fill("#id_password", password)
    page.locator("form.stacked button[type=submit]").click()


def test_sign_up_by_phone_activate_and_land_on_an_empty_cabinet(
    live_server, page: Page, utility: UtilityProfile
) -> None:
    base = live_server.url
    sign_up(page, base)

    # a wrong code first: the message sits next to the field, nothing is lost
    page.fill("#id_code", "000000" if sms_code(PHONE) != "000000" else "111111")
    page.locator("form.stacked button[type=submit]").click()
    expect(page.locator("#id_code")).to_have_attribute("aria-invalid", "true")

    page.fill("#id_code", sms_code(PHONE))
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(base + "/login/")
    assert User.objects.get(phone=PHONE).is_active

    log_in(page, base, "0501234567", PASSWORD)
    expect(page).to_have_url(base + "/cabinet/")
    expect(page.locator("main h2").first).to_be_visible()
    assert page.locator("main h2#start").count() == 1  # the invitation to add an account


def test_no_sms_use_password_recovery(live_server, page: Page, utility: UtilityProfile) -> None:
    """The guide: if the activation SMS did not come, go through password recovery."""
    base = live_server.url
    sign_up(page, base)
    FakeSms.outbox.clear()  # the SMS "did not arrive"
    page.locator("a[href='/recovery/sms/']").click()
    new_password = "Quiet-River-Stone-42"
    page.fill("#id_phone", "+380501234567")
    page.fill("#id_password1", new_password)
    page.fill("#id_password2", new_password)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(base + "/recovery/sms/confirm/")
    page.fill("#id_code", sms_code(PHONE))
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(base + "/login/")

    log_in(page, base, PHONE, new_password)
    expect(page).to_have_url(base + "/cabinet/")


def test_wrong_login_keeps_what_was_typed(live_server, page: Page, utility: UtilityProfile) -> None:
    base = live_server.url
    log_in(page, base, "0509998877", "Not-The-Password-1")
    expect(page).to_have_url(base + "/login/")
    expect(page.locator("#id_identifier")).to_have_value("0509998877")
    expect(page.locator("#id_password")).to_have_value("")
    expect(page.locator(".message.error")).to_be_visible()
