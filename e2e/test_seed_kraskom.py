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
