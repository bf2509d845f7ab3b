"""The KRESC guide in a browser: the customer uploads a signed application, a verifier approves
it in the back office (password + TOTP), the customer takes the registration code from the
e-mail, chooses a login and a password on the site, and logs in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, expect
from reportlab.pdfgen.canvas import Canvas

from kabinet.core import testing
from kabinet.core.models import UtilityProfile
from kabinet.identity.models import RegistrationApplication, User

pytestmark = pytest.mark.e2e

EDRPOU = testing.valid_edrpou(3141592)
EMAIL = "buh@ingul-agro.example.ua"
PASSWORD = "Steppe-Wind-Turbine-31"
STAFF_PASSWORD = "Verifier-Back-Office-77"
SUBMIT = "form.stacked button[type=submit]"


@pytest.fixture
def kresc(utility: UtilityProfile) -> UtilityProfile:
    utility.signup_by_application = True
    utility.login_by_username = True
    utility.save()
    return utility


def signed_scan(folder: Path) -> Path:
    """A small real PDF, as a scanner would give it."""
    path = folder / "заява-приєднання.pdf"
    canvas = Canvas(str(path))
    canvas.drawString(72, 720, f"Application. EDRPOU {EDRPOU}. Signed, stamped.")
    canvas.save()
    return path


def back_office_login(page: Page, base: str, user: User, device: TOTPDevice) -> None:
    page.goto(base + "/admin/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", STAFF_PASSWORD)
    token = page.locator("#id_otp_token")
    if token.count():
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        token.fill(f"{totp.token():0{device.digits}d}")
    page.locator("#login-form [type=submit]").click()
    expect(page.locator("#user-tools")).to_be_visible()


def verifier(username: str = "verifier") -> User:
    """A member of staff in the Registration verifiers role (not a superuser)."""
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from kabinet.core.roles import role

    call_command("roles_sync")  # the live server's database is flushed between tests
    staff = testing.make_staff(username=username)
    staff.groups.add(Group.objects.get(name=role("registration_verifier").group))
    return staff


def test_signed_application_approval_and_registration_code(
    live_server, page: Page, browser: Browser, kresc, tmp_path: Path, settings
) -> None:
    base = live_server.url
    settings.MEDIA_ROOT = str(tmp_path / "media")

    # 1. the customer: the guide's page, a blank form, the upload
    page.goto(base + "/")
    page.locator(".main-nav a[href='/signup/']").click()
    page.locator("a[href='/signup/application/']").click()
    blank = page.request.get(base + "/signup/application/forms/free_price.pdf")
    assert blank.ok and blank.body().startswith(b"%PDF-")
    page.fill("#id_company_name", "ТОВ «Інгул-Агро»")
    page.fill("#id_tax_id", EDRPOU)
    page.fill("#id_email", EMAIL)
    page.fill("#id_phones", "050 123 45 67, 0522 22 33 44")
    page.fill("#id_code_word", "Соняшник")
    page.fill("#id_contact_person", "Бондаренко Ірина Петрівна")
    page.locator("input[name=offer][value=free_price]").check()
    page.set_input_files("#id_document", str(signed_scan(tmp_path)))
    page.locator(SUBMIT).click()
    expect(page).to_have_url(base + "/signup/application/sent/")
    application = RegistrationApplication.objects.get()
    assert application.status == "new" and application.document

    # 2. a verifier (the Registration verifiers role, with an authenticator app) approves it
    staff = verifier()
    staff.set_password(STAFF_PASSWORD)
    staff.save()
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    office = browser.new_context(locale="uk-UA")
    staff_page = office.new_page()
    back_office_login(staff_page, base, staff, device)
    staff_page.goto(base + "/admin/identity/registrationapplication/?status__exact=new")
    staff_page.locator("#result_list a", has_text="Інгул-Агро").click()
    with staff_page.expect_download() as download:
        staff_page.locator("a[href$='/document/']").first.click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")
    staff_page.locator("a[href$='/approve/']").click()
    staff_page.locator("#content form [type=submit]").click()
    expect(staff_page.locator(".messagelist .success")).to_be_visible()
    office.close()
    application.refresh_from_db()
    assert application.status == "approved" and application.reviewed_by == staff

    # 3. the customer opens the e-mail and finishes on the site
    message = [m for m in mail.outbox if m.to == [EMAIL]][-1]
    found = re.search(r"\b([A-Z2-9]{10})\b", str(message.body))
    assert found, message.body
    code = found.group(1)
    assert "/signup/application/finish/" in message.body
    page.goto(base + "/signup/application/finish/")
    page.fill("#id_email", EMAIL)
    page.fill("#id_code", code)
    page.fill("#id_username", "ingul_agro")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.locator(SUBMIT).click()
    expect(page).to_have_url(base + "/login/")

    page.fill("#id_identifier", "ingul_agro")
    page.fill("#id_password", PASSWORD)
    page.locator(SUBMIT).click()
    expect(page).to_have_url(base + "/cabinet/")
    application.refresh_from_db()
    assert application.status == "completed"
    assert User.objects.get(username="ingul_agro") == application.user


# --- The back office: an application made in person, verified from the first page's queue ------


def test_operator_enters_an_application_in_person_verifier_approves_from_the_queue(
    live_server, page: Page, browser: Browser, kresc, settings
) -> None:
    """At a service centre the operator enters the signed application for the customer; the
    verifier sees it in “Registrations to verify” on the back office's first page, approves
    it, and the customer finishes the registration with the e-mailed code."""
    from django.contrib.auth.models import Group

    from kabinet.core.roles import role

    base = live_server.url
    checker = verifier("oksana")
    checker.set_password(STAFF_PASSWORD)
    checker.save()
    operator = testing.make_staff(username="natalia")
    operator.set_password(STAFF_PASSWORD)
    operator.save()
    operator.groups.add(Group.objects.get(name=role("service_centre_operator").group))

    # 1. the operator: first page → find a customer → not found → the application in person
    desk = browser.new_context(locale="uk-UA")
    desk_page = desk.new_page()
    back_office_login(
        desk_page, base, operator, TOTPDevice.objects.create(user=operator, confirmed=True)
    )
    desk_page.locator("#tools a[href='/office/customers/']").click()
    desk_page.fill("#id_q", EDRPOU)
    desk_page.locator("form.stacked button[type=submit]").click()
    desk_page.locator("#application-in-person").click()
    desk_page.fill("#id_company_name", "ФОП Гончаренко")
    desk_page.fill("#id_tax_id", EDRPOU)
    desk_page.fill("#id_email", EMAIL)
    desk_page.fill("#id_phones", "050 765 43 21")
    desk_page.fill("#id_code_word", "Калина")
    desk_page.fill("#id_contact_person", "Гончаренко Марія")
    desk_page.select_option("#id_offer", "universal")
    desk_page.locator("input[name=_save]").click()
    expect(desk_page.locator(".messagelist .success")).to_be_visible()
    desk.close()
    application = RegistrationApplication.objects.get()
    assert application.source == "office" and application.status == "new"

    # 2. the verifier: the queue on the first page, the application, approve
    office = browser.new_context(locale="uk-UA")
    staff_page = office.new_page()
    back_office_login(
        staff_page, base, checker, TOTPDevice.objects.create(user=checker, confirmed=True)
    )
    queue = staff_page.locator("#queue-registrations")
    expect(queue.locator(".count")).to_have_text("1")
    queue.locator("a").click()
    staff_page.locator("#result_list a", has_text="Гончаренко").click()
    staff_page.locator("a[href$='/approve/']").click()
    staff_page.locator("#content form [type=submit]").click()
    expect(staff_page.locator(".messagelist .success")).to_be_visible()
    office.close()
    application.refresh_from_db()
    assert application.status == "approved" and application.reviewed_by == checker

    # 3. the customer finishes with the code from the e-mail and logs in
    message = [m for m in mail.outbox if m.to == [EMAIL]][-1]
    code = re.search(r"\b([A-Z2-9]{10})\b", str(message.body)).group(1)  # type: ignore[union-attr]
    page.goto(base + "/signup/application/finish/")
    page.fill("#id_email", EMAIL)
    page.fill("#id_code", code)
    page.fill("#id_username", "honcharenko")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.locator(SUBMIT).click()
    expect(page).to_have_url(base + "/login/")
    page.fill("#id_identifier", "honcharenko")
    page.fill("#id_password", PASSWORD)
    page.locator(SUBMIT).click()
    expect(page).to_have_url(base + "/cabinet/")
