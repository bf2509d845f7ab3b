"""The public pages, the language choice, the error pages and the health check."""

from __future__ import annotations

import html
import re
from typing import Protocol

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from kabinet.core.models import Announcement, UtilityProfile
from kabinet.core.testing import require_catalogues
from kabinet.core.views import permission_denied, server_error

pytestmark = pytest.mark.django_db

LANGUAGES = ("uk", "ru", "en")
PAGES = ("core:home", "core:contacts")


class Page(Protocol):
    @property
    def content(self) -> bytes: ...


def html_lang(response: Page) -> str:
    found = re.search(r'<html lang="([^"]+)"', response.content.decode())
    assert found, "no <html lang> on the page"
    return found.group(1)


def text(response: Page) -> str:
    return html.unescape(response.content.decode())


def in_language(language: str) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


# --- The default language, and the one chosen ----------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_pages_open_in_ukrainian_whatever_the_browser_prefers(
    client: Client, utility: UtilityProfile, name: str
) -> None:
    response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert response["Content-Language"] == "uk"
    assert html_lang(response) == "uk"
    assert "Cookie" in response["Vary"]
    assert utility.legal_name in text(response)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", PAGES)
def test_pages_in_the_chosen_language(utility: UtilityProfile, name: str, language: str) -> None:
    response = in_language(language).get(reverse(name))
    assert response.status_code == 200
    assert response["Content-Language"] == language
    assert html_lang(response) == language
    with translation.override(language):
        assert gettext("Contacts") in text(response)
    pressed = re.findall(r'value="(\w+)" lang="\w+"\s+aria-pressed="true"', text(response))
    assert pressed == [language]


def test_an_unknown_language_cookie_falls_back_to_ukrainian(utility: UtilityProfile) -> None:
    response = in_language("de").get(reverse("core:home"))
    assert response["Content-Language"] == "uk"


def test_home_heading_differs_by_language(utility: UtilityProfile) -> None:
    require_catalogues("uk", "ru")  # skips until the uk/ru catalogues are written
    headings = set()
    for language in LANGUAGES:
        page = text(in_language(language).get(reverse("core:home")))
        heading = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
        assert heading
        headings.add(heading.group(1).strip())
    assert len(headings) == 3, headings


def test_contacts_show_the_utility(client: Client, utility: UtilityProfile) -> None:
    page = text(client.get(reverse("core:contacts")))
    assert "0536 70 12 12" in page
    assert 'href="tel:0536701212"' in page
    assert utility.email in page
    assert utility.opening_hours in page


# --- The switcher --------------------------------------------------------------------------------


def test_set_language_sets_the_cookie_and_goes_back(client: Client) -> None:
    response = client.post(reverse("core:set_language"), {"language": "ru", "next": "/contacts/"})
    assert response.status_code == 302
    assert response["Location"] == "/contacts/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "ru"
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == settings.LANGUAGE_COOKIE_AGE
    assert client.get(reverse("core:contacts"))["Content-Language"] == "ru"


def test_set_language_never_redirects_elsewhere(client: Client) -> None:
    response = client.post(
        reverse("core:set_language"),
        {"language": "en", "next": "https://evil.example.com/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_language_we_do_not_offer_changes_nothing(client: Client) -> None:
    # Django's view stores any language it has a catalogue of; the middleware ignores the rest.
    client.post(reverse("core:set_language"), {"language": "de", "next": "/"})
    assert client.get(reverse("core:home"))["Content-Language"] == "uk"


# --- Error pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_404_in_each_language(utility: UtilityProfile, language: str) -> None:
    response = in_language(language).get("/no-such-page/")
    assert response.status_code == 404
    assert html_lang(response) == language
    with translation.override(language):
        assert gettext("Page not found") in text(response)


def test_csrf_failure_page(utility: UtilityProfile) -> None:
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    response = client.post(reverse("core:set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 403
    assert html_lang(response) == "ru"
    with translation.override("ru"):
        assert gettext("The form has expired") in text(response)
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_403_page(utility: UtilityProfile) -> None:
    request = RequestFactory().get("/")
    response = permission_denied(request)
    assert response.status_code == 403


@pytest.mark.parametrize("language", LANGUAGES)
def test_500_page_renders_without_the_database(language: str) -> None:
    request = RequestFactory().get("/")
    with translation.override(language), CaptureQueriesContext(connection) as queries:
        response = server_error(request)
    assert response.status_code == 500
    assert html_lang(response) == language
    assert len(queries) == 0
    with translation.override(language):
        assert gettext("Something went wrong") in text(response)


# --- Health check and query counts ---------------------------------------------------------------


def test_healthz(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def home_queries(client: Client) -> int:
    client.get(reverse("core:home"))  # fills the shared cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("core:home"))
    assert response.status_code == 200
    return len(queries)


def home_expected_queries() -> int:
    """The announcements and the utility profile come from the shared cache: two queries when
    that cache is a database table, none when it is Redis."""
    return 2 if "DatabaseCache" in settings.CACHES["default"]["BACKEND"] else 0


def test_home_page_queries_do_not_grow_with_announcements(
    client: Client, utility: UtilityProfile
) -> None:
    without = home_queries(client)
    Announcement.objects.bulk_create(
        Announcement(title=f"Оголошення {n}", body="Текст", title_ru=f"Объявление {n}")
        for n in range(20)
    )
    with_twenty = home_queries(client)
    assert without == with_twenty == home_expected_queries()
    page = text(client.get(reverse("core:home")))
    assert page.count('class="announcement"') == 5
