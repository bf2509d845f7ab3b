"""The DRSK guide in a browser: consent to personal-data processing, the status, the fields with
their hints, the login page at the end, and login by status + SNILS or status + INN."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from kabinet.core import testing
from kabinet.core.models import UtilityProfile
from kabinet.identity.models import ConsentGrant, User
from kabinet.identity.testing_consent import make_consent_text

pytestmark = pytest.mark.e2e

PASSWORD = "Amur-River-Taiga-58"
SUBMIT = "form.stacked button[type=submit]"


@pytest.fixture
def drsk(utility: UtilityProfile) -> UtilityProfile:
    for switch in (
        "signup_with_status",
        "login_status_select",
        "login_by_snils",
        "login_by_tax_id",
    ):
        setattr(utility, switch, True)
    utility.save()
    make_consent_text()
    return utility


def consent_and_status(page: Page, base: str, status: str) -> None:
    page.goto(base + "/")
    page.locator(".main-nav a[href='/signup/']").click()
    page.locator("a[href='/signup/status/']").click()
    expect(page.locator("main")).to_contain_text("Я даю згоду")  # the text, in Ukrainian
    expect(page.locator("#id_snils")).to_have_count(0)  # nothing personal before consent
    page.locator(SUBMIT).click()
    expect(page).to_have_url(base + "/signup/status/who/")
    page.locator(f"input[name=status][value={status}]").check()
    page.locator(SUBMIT).click()
    expect(page).to_have_url(base + "/signup/status/details/")


def log_in(page: Page, base: str, status: str, login: str) -> None:
    expect(page).to_have_url(base + "/login/")
    page.select_option("#id_status", status)
    page.fill("#id_identifier", login)
    page.fill("#id_password", PASSWORD)
    page.locator(SUBMIT).click()
    expect(page).to_have_url(base + "/cabinet/")


def test_an_individual_registers_and_logs_in_by_snils(live_server, page: Page, drsk) -> None:
    base = live_server.url
    snils = testing.valid_snils(4242)
    consent_and_status(page, base, "individual")
    # required fields are marked, and the e-mail and phone say what they are for
    expect(page.locator("label.required[for=id_snils]")).to_be_visible()
    expect(page.locator("label.required[for=id_email]")).to_be_visible()
    expect(page.locator("#id_email_helptext")).not_to_be_empty()
    page.fill("#id_last_name", "Иванов")
    page.fill("#id_first_name", "Пётр")
    page.fill("#id_patronymic", "Сергеевич")
    page.fill("#id_snils", "112-233-445 00")  # a mistyped SNILS first
    page.fill("#id_email", "petr@example.ru")
    page.fill("#id_phone", "+7 914 555 12 34")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.locator(SUBMIT).click()
    expect(page.locator("#id_snils")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_last_name")).to_have_value("Иванов")
    expect(page.locator("#id_password1")).to_have_value("")
    page.fill("#id_snils", snils)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.locator(SUBMIT).click()

    log_in(page, base, "individual", snils)
    user = User.objects.get(snils=snils)
    assert ConsentGrant.objects.get().user == user


def test_a_company_registers_and_logs_in_by_inn(live_server, page: Page, drsk) -> None:
    base = live_server.url
    inn = testing.valid_inn(5151)
    consent_and_status(page, base, "company")
    page.fill("#id_organisation", "ООО «Восток»")
    page.fill("#id_inn", inn)
    page.fill("#id_ogrn", testing.valid_ogrn(3))
    page.fill("#id_contact_person", "Петрова Анна Ивановна")
    page.fill("#id_email", "office@vostok.example.ru")
    page.fill("#id_phone", "+7 914 555 00 00")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.locator(SUBMIT).click()

    log_in(page, base, "company", inn)
    assert User.objects.get(tax_id=inn).kind == "company"
