"""The public pages in a real browser: language by default and by choice, the back-office
login, and a phone-sized screen."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import Locator, Page, expect

from kabinet.core.models import Announcement, UtilityProfile
from kabinet.core.testing import require_catalogues
from kabinet.identity.models import User
from kabinet.identity.staff_otp import totp_code, totp_device_for

pytestmark = pytest.mark.e2e

LANGUAGES = ("uk", "ru", "en")


def switcher(page: Page, code: str) -> Locator:
    return page.locator(f".language-switcher button[name='language'][value='{code}']")


def expect_language(page: Page, code: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", code)
    for other in LANGUAGES:
        expect(switcher(page, other)).to_have_attribute(
            "aria-pressed", "true" if other == code else "false"
        )


def choose_language(page: Page, code: str) -> None:
    switcher(page, code).click()
    expect_language(page, code)


def test_home_opens_in_ukrainian(live_server, page: Page, utility: UtilityProfile) -> None:
    # The browser context prefers English (see conftest): the portal still opens in Ukrainian.
    page.goto(live_server.url + "/")
    expect_language(page, "uk")
    expect(page.locator("h1")).to_contain_text(utility.legal_name)


def test_language_choice_is_remembered(live_server, page: Page, utility: UtilityProfile) -> None:
    page.goto(live_server.url + "/")
    expect_language(page, "uk")

    choose_language(page, "ru")
    page.locator(".main-nav a[href='/contacts/']").click()
    expect(page).to_have_url(live_server.url + "/contacts/")
    expect_language(page, "ru")

    choose_language(page, "en")
    expect(page).to_have_url(live_server.url + "/contacts/")  # the switcher stays on the page
    page.locator(".main-nav a[href='/']").click()
    expect_language(page, "en")

    cookie = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookie[settings.LANGUAGE_COOKIE_NAME] == "en"


def test_heading_is_translated(live_server, page: Page, utility: UtilityProfile) -> None:
    require_catalogues("uk", "ru")  # skips until the lead's uk/ru catalogues exist
    page.goto(live_server.url + "/")
    headings = {}
    for code in LANGUAGES:
        if code != "uk":
            choose_language(page, code)
        headings[code] = page.locator("h1").inner_text()
        assert utility.legal_name in headings[code]
    assert len(set(headings.values())) == 3, headings


def test_admin_login(live_server, page: Page) -> None:
    """The back office asks for the password and a code from the authenticator app."""
    boss = User.objects.create_superuser("boss", "boss@example.com", "Zelena-Hora-Kyiv-2024")
    device = totp_device_for(boss)
    page.goto(live_server.url + "/admin/")
    expect(page).to_have_url(f"{live_server.url}/admin/login/?next=/admin/")

    def submit(token: str) -> None:
        page.locator("#id_username").fill("boss")
        page.locator("#id_password").fill("Zelena-Hora-Kyiv-2024")
        page.locator("#id_otp_token").fill(token)
        page.locator("#login-form [type=submit]").first.click()

    code = totp_code(device)
    submit(f"{(int(code) + 500_000) % 10**6:06d}")  # a wrong code is refused
    expect(page.locator(".errornote, .errorlist").first).to_be_visible()
    expect(page.locator("#user-tools")).to_have_count(0)
    page.wait_for_timeout(1100)  # django-otp makes the next try wait a second after a miss

    submit(totp_code(device))
    expect(page).to_have_url(live_server.url + "/admin/")
    expect(page.locator("#user-tools")).to_contain_text("boss")
    expect(page.locator("#content-main")).to_be_visible()


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_horizontal_scroll_on_a_phone(
    live_server, page: Page, utility: UtilityProfile, language: str
) -> None:
    Announcement.objects.create(
        title="Графік оновлення даних у особистому кабінеті",
        body="Дані оновлюються щодня о 06:00. " * 10,
        title_ru="График обновления данных в личном кабинете",
        body_ru="Данные обновляются ежедневно в 06:00. " * 10,
    )
    page.set_viewport_size({"width": 360, "height": 740})
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    for path in ("/", "/contacts/"):
        page.goto(live_server.url + path)
        expect_language(page, language)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} in {language} is {width}px wide on a 360px screen"
