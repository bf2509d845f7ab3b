"""Security headers on every page (SECURITY.md 31) and a clean deploy check (SECURITY.md 30)."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.template import engines
from django.test import Client, RequestFactory
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from kabinet.core.testing import Household, make_user

pytestmark = pytest.mark.django_db


def url_names(patterns: list[URLPattern | URLResolver], namespace: str = "") -> Iterator[str]:
    """The full names (with namespaces) of every named URL pattern, recursively."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}{pattern.namespace}:"
            yield from url_names(pattern.url_patterns, inner)
        elif pattern.name:
            yield f"{namespace}{pattern.name}"


def reversible_urls() -> list[str]:
    """Every URL that can be built without arguments (the rest are admin object pages)."""
    urls = set()
    for name in url_names(get_resolver().url_patterns):
        try:
            urls.add(reverse(name))
        except NoReverseMatch:
            continue
    return sorted(urls)


URLS = reversible_urls()


def test_the_sweep_sees_the_site() -> None:
    for expected in ("/", "/contacts/", "/healthz", "/admin/", "/admin/login/"):
        assert expected in URLS
    assert any(url.startswith("/admin/customers/") for url in URLS)


def directives(response: HttpResponseBase) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    policy = {}
    for part in header.split(";"):
        name, *values = part.split()
        policy[name] = values
    return policy


def check_headers(response: HttpResponseBase, url: str) -> None:
    assert "Content-Security-Policy" in response, url
    policy = directives(response)
    assert policy["object-src"] == ["'none'"], url
    assert policy["base-uri"] == ["'none'"], url
    assert policy["frame-ancestors"] == ["'none'"], url
    script_src = policy["script-src"]
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, url
    assert response["X-Content-Type-Options"] == "nosniff", url
    assert response["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin"), url
    assert response["X-Frame-Options"] == "DENY", url
    check_nonces(response, url, script_src, policy.get("style-src", []))


def check_nonces(
    response: HttpResponseBase, url: str, script_src: list[str], style_src: list[str]
) -> None:
    """Inline <script> and <style> run only with the nonce the header announces.

    django-csp adds a nonce to the header only on pages that used one; a page with no inline
    script has none, which is the stricter policy.
    """
    if "html" not in response.get("Content-Type", ""):
        return
    page = getattr(response, "content", b"").decode()
    for tag, allowed in (("script", script_src), ("style", style_src)):
        for attributes in re.findall(rf"<{tag}\b([^>]*)>", page):
            if tag == "script" and "src=" in attributes:
                continue
            nonce = re.search(r'nonce="([^"]+)"', attributes)
            assert nonce, f"{url}: an inline <{tag}> without a nonce"
            assert f"'nonce-{nonce.group(1)}'" in allowed, f"{url}: <{tag}> nonce not in header"


@pytest.mark.parametrize("url", URLS)
def test_headers_for_visitors(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code < 500, url
    check_headers(response, url)


@pytest.fixture
def superuser_client(client: Client) -> Client:
    client.force_login(make_user(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("url", URLS)
def test_headers_for_staff(superuser_client: Client, url: str) -> None:
    response = superuser_client.get(url)
    assert response.status_code < 500, url
    check_headers(response, url)
    assert "no-store" in response["Cache-Control"], url


@pytest.mark.parametrize("url", ["/", "/contacts/"])
def test_pages_seen_by_a_customer_are_not_stored(
    client: Client, household: Household, url: str
) -> None:
    client.force_login(household.user)
    response = client.get(url)
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_the_nonce_reaches_the_header_when_a_page_uses_it(rf: RequestFactory) -> None:
    request = rf.get("/")
    template = engines["django"].from_string('<script nonce="{{ request.csp_nonce }}"></script>')

    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(template.render({}, request))

    response = CSPMiddleware(view)(request)
    assert isinstance(response, HttpResponse)
    nonce = re.search(r'nonce="([^"]+)"', response.content.decode())
    assert nonce
    assert f"'nonce-{nonce.group(1)}'" in directives(response)["script-src"]


def test_anonymous_pages_may_be_cached(client: Client) -> None:
    response = client.get("/")
    assert "no-store" not in response.get("Cache-Control", "")


# --- The deploy check ----------------------------------------------------------------------------


def test_deploy_check_is_clean(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CACHE_", "SECURE_", "EMAIL_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="kabinet.settings",
        DEBUG="0",
        SITE_URL="https://kabinet.example.com",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="kabinet.example.com",
        DATA_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
