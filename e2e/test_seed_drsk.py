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


# === Grid connection applications and the SMS-code signature (connections issue) ==============
# The guide: apply for a connection with documents and no visit to the office, follow the stages
# with their dates, correct the data the utility returns, read the utility's documents and sign
# them with an electronic signature, pay for the connection.

import datetime as dt  # noqa: E402
import re  # noqa: E402
from pathlib import Path  # noqa: E402

from django.contrib.auth.models import Permission  # noqa: E402
from django_otp.oath import TOTP  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402
from playwright.sync_api import Browser  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from kabinet.connections.models import ConnectionApplication  # noqa: E402
from kabinet.notify.transports.fake import FakeSms  # noqa: E402

ENGINEER_PASSWORD = "Grid-Engineer-Office-90"


def _pdf(folder: Path, name: str, text: str) -> str:
    path = folder / name
    canvas = Canvas(str(path))
    canvas.drawString(72, 720, text)
    canvas.save()
    return str(path)


def _engineer_page(browser: Browser, base: str) -> Page:
    """A connection engineer (staff with the connection permissions) in the back office."""
    engineer = testing.make_staff(username="grid_engineer")
    engineer.set_password(ENGINEER_PASSWORD)
    engineer.save()
    engineer.user_permissions.set(Permission.objects.filter(content_type__app_label="connections"))
    device = TOTPDevice.objects.create(user=engineer, name="phone", confirmed=True)
    office = browser.new_context(locale="uk-UA")
    page = office.new_page()
    page.goto(base + "/admin/")
    page.fill("#id_username", engineer.username)
    page.fill("#id_password", ENGINEER_PASSWORD)
    token = page.locator("#id_otp_token")
    if token.count():
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        token.fill(f"{totp.token():0{device.digits}d}")
    page.locator("#login-form [type=submit]").click()
    expect(page.locator("#user-tools")).to_be_visible()
    return page


def _staff_act(page: Page, base: str, application: ConnectionApplication, action: str) -> None:
    page.goto(base + f"/admin/connections/connectionapplication/{application.pk}/change/")
    page.locator(f"a.connection-act[href$='/act/{action}/']").click()


def _staff_submit(page: Page) -> None:
    page.locator("form.connection-action [type=submit]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()


def _sms_code(phone: str) -> str:
    texts = [record.text for record in FakeSms.outbox if record.to == phone]
    found = re.search(r"\b(\d{6})\b", texts[-1]) if texts else None
    assert found, texts
    return found.group(1)


def test_an_individual_applies_for_a_connection_signs_and_pays(
    live_server, page: Page, browser: Browser, drsk, tmp_path: Path, settings
) -> None:
    base = live_server.url
    settings.MEDIA_ROOT = str(tmp_path / "media")
    drsk.connections_enabled = True
    drsk.save()
    snils = testing.valid_snils(7373)
    phone = "+79145553311"

    # sign-up with consent and status, then login by SNILS
    consent_and_status(page, base, "individual")
    page.fill("#id_last_name", "Сидоров")
    page.fill("#id_first_name", "Андрей")
    page.fill("#id_patronymic", "Павлович")
    page.fill("#id_snils", snils)
    page.fill("#id_email", "sidorov@example.ru")
    page.fill("#id_phone", phone)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.locator(SUBMIT).click()
    log_in(page, base, "individual", snils)

    # a new application, step by step; the draft is kept at every step
    page.locator("a[href='/connections/']").click()
    page.locator("form[action='/connections/new/'] button").click()
    expect(page.locator("label.required[for=id_applicant_name]")).to_be_visible()
    expect(page.locator("#id_contact_phone_helptext")).not_to_be_empty()
    page.select_option("#id_applicant_kind", "individual")
    page.fill("#id_applicant_name", "Сидоров Андрей Павлович")
    page.fill("#id_contact_name", "Сидоров Андрей Павлович")
    page.fill("#id_contact_phone", phone)
    page.locator(SUBMIT).click()
    page.fill("#id_object_name", "Жилой дом")
    page.fill("#id_object_address", "г. Благовещенск, ул. Зейская, 101")
    page.fill("#id_purpose", "Бытовое потребление")
    page.locator(SUBMIT).click()
    page.select_option("#id_connection_type", "new")
    page.fill("#id_max_power_kw", "15")
    page.select_option("#id_voltage", "0.4")
    page.select_option("#id_reliability", "3")
    page.fill("#id_planned_date", (dt.date.today() + dt.timedelta(days=60)).isoformat())
    page.locator(SUBMIT).click()
    application = ConnectionApplication.objects.get()
    assert application.max_power_kw == 15 and application.stage == "draft"
    page.set_input_files("#id_land_title", _pdf(tmp_path, "выписка-егрн.pdf", "Land title"))
    page.set_input_files("#id_site_plan", _pdf(tmp_path, "план.pdf", "Site plan"))
    page.locator(SUBMIT).click()
    expect(page.locator("ul.documents li")).to_have_count(2)
    page.locator(SUBMIT).click()
    expect(page.locator(".stage")).to_have_text("Передано")  # "Submitted", in Ukrainian
    expect(page.locator(".timeline li.ahead").first).to_be_visible()

    # the utility registers it, then returns it for a correction of the power and the plan
    office = _engineer_page(browser, base)
    office.goto(base + "/admin/connections/connectionapplication/?stage__exact=submitted")
    expect(office.locator("#result_list")).to_contain_text(application.number)
    _staff_act(office, base, application, "register")
    office.fill("#id_registration_number", "ТП-0777/26")
    _staff_submit(office)
    _staff_act(office, base, application, "return")
    office.fill("#id_comment", "Уточните мощность и приложите новый план участка.")
    office.locator("input[name=reopen_fields][value=max_power_kw]").check()
    office.locator("input[name=reopen_documents][value=site_plan]").check()
    _staff_submit(office)

    page.reload()
    expect(page.locator("main")).to_contain_text("ТП-0777/26")
    expect(page.locator("main")).to_contain_text("Уточните мощность")
    page.locator("a[href$='/step/applicant/']").first.click()
    expect(page.locator("#id_applicant_name")).to_be_disabled()  # not named: stays as sent
    page.goto(base + f"/connections/{application.pk}/step/power/")
    expect(page.locator("#id_voltage")).to_be_disabled()
    page.fill("#id_max_power_kw", "25")
    page.locator(SUBMIT).click()
    expect(page.locator("#id_land_title")).to_have_count(0)
    page.set_input_files("#id_site_plan", _pdf(tmp_path, "план-2.pdf", "Site plan v2"))
    page.locator(SUBMIT).click()
    page.locator(SUBMIT).click()
    application.refresh_from_db()
    assert application.stage == "under_review" and application.max_power_kw == 25
    assert application.versions.count() == 2

    # the utility issues the contract with the fee and waits for the signature
    _staff_act(office, base, application, "issue")
    office.select_option("#id_kind", "contract")
    office.set_input_files("#id_file", _pdf(tmp_path, "договор.pdf", "Connection contract"))
    office.locator("#id_signable").check()
    office.fill("#id_fee_amount", "550.00")
    _staff_submit(office)
    _staff_act(office, base, application, "next")
    _staff_submit(office)
    _staff_act(office, base, application, "next")
    _staff_submit(office)

    # the applicant reads it and signs it with the SMS code
    page.goto(base + f"/connections/{application.pk}/")
    expect(page.locator(".stage")).to_have_text("Очікує вашого підпису")
    page.locator(".issued-contract a.button").click()
    page.fill("#id_current", PASSWORD)
    page.locator("#sign-sms button[type=submit]").click()
    page.fill("#id_code", _sms_code(phone))
    page.locator(SUBMIT).click()
    document = application.issued.get().document
    expect(page.locator("main")).to_contain_text(document.sha256)
    stamped = page.request.get(base + f"/documents/{document.pk}/stamped/")
    assert stamped.ok and stamped.body().startswith(b"%PDF-")

    # the applicant pays the fee online (the sandbox provider's hosted page); the paid order
    # starts the works; then the act, completed
    page.goto(base + f"/connections/{application.pk}/")
    expect(page.locator(".stage")).to_have_text("Очікує оплати")
    expect(page.locator("main")).to_contain_text("550")
    page.locator("#pay-fee").click()
    expect(page.locator("#sandbox-amount")).to_contain_text("550.00")
    page.fill("#card", "4242 4242 4242 4242")
    page.fill("#exp", "12/30")
    page.fill("#cvv", "123")
    page.locator("#sandbox-pay").click()
    expect(page.locator("#order-status")).to_contain_text("Оплата пройшла успішно")
    page.goto(base + f"/connections/{application.pk}/")
    expect(page.locator(".stage")).to_have_text("Виконуються роботи")
    for _ in range(2):
        _staff_act(office, base, application, "next")
        _staff_submit(office)
    page.reload()
    expect(page.locator(".stage")).to_have_text("Завершено")
    expect(page.locator(".timeline li")).to_have_count(10)
    office.context.close()


def test_a_company_logs_in_by_inn_and_starts_an_application(live_server, page: Page, drsk) -> None:
    base = live_server.url
    drsk.connections_enabled = True
    drsk.save()
    inn = testing.valid_inn(6262)
    consent_and_status(page, base, "company")
    page.fill("#id_organisation", "АО «Амур-Энерго»")
    page.fill("#id_inn", inn)
    page.fill("#id_ogrn", testing.valid_ogrn(7))
    page.fill("#id_contact_person", "Ковалёва Мария Игоревна")
    page.fill("#id_email", "office@amur-energo.example.ru")
    page.fill("#id_phone", "+7 914 555 22 11")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.locator(SUBMIT).click()
    log_in(page, base, "company", inn)

    page.locator("a[href='/connections/']").click()
    page.locator("form[action='/connections/new/'] button").click()
    expect(page.locator("#id_applicant_kind")).to_have_value("company")  # from the sign-up
    page.fill("#id_applicant_name", "АО «Амур-Энерго»")
    page.fill("#id_contact_name", "Ковалёва Мария Игоревна")
    page.locator(SUBMIT).click()
    expect(page.locator("#id_object_name")).to_be_visible()
    page.goto(base + "/connections/")
    expect(page.locator("table")).to_contain_text("Чернетка")  # the draft is kept
