"""/dev/outbox/: full messages for staff in a demo or development install; no route otherwise."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import clear_url_caches

from kabinet.core import testing
from kabinet.notify import urls as notify_urls
from kabinet.notify import views
from kabinet.notify.models import Channel, OutboxMessage

from .conftest import PHONE

pytestmark = pytest.mark.django_db
URL = "/dev/outbox/"


def reload_urls() -> None:
    """Rebuild the notify URLconf, and the test URLconf whose include() holds it."""
    importlib.reload(notify_urls)
    importlib.reload(importlib.import_module("kabinet.notify.tests.urls"))
    clear_url_caches()


@contextmanager
def dev_outbox(*, debug: bool = False, demo: bool = False) -> Iterator[None]:
    """Settings as a deployment would start with them: the URLconf is built under them."""
    try:
        with override_settings(DEBUG=debug, DEMO=demo, ROOT_URLCONF="kabinet.notify.tests.urls"):
            reload_urls()
            yield
    finally:
        reload_urls()


def staff_client() -> Client:
    client = Client()
    client.force_login(testing.make_staff(username=f"staff{testing.next_number()}"))
    return client


def test_no_route_when_debug_and_demo_are_off() -> None:
    with dev_outbox(debug=False, demo=False):
        assert notify_urls.urlpatterns == []
        assert staff_client().get(URL).status_code == 404


@pytest.mark.parametrize(("debug", "demo"), [(True, False), (False, True)])
def test_route_exists_in_debug_or_demo(debug: bool, demo: bool) -> None:
    with dev_outbox(debug=debug, demo=demo):
        assert [pattern.name for pattern in notify_urls.urlpatterns] == ["dev_outbox"]


def test_staff_read_whole_messages_in_the_demo() -> None:
    testing.make_utility()
    OutboxMessage.objects.create(
        channel=Channel.SMS, recipient=PHONE, purpose="signup_code", text="Your code: 482913"
    )
    OutboxMessage.objects.create(
        channel=Channel.EMAIL,
        recipient="olena@example.com",
        purpose="signup_link",
        subject="Confirm your e-mail",
        text="Open https://kabinet.example.com/confirm/abc <now>",
    )
    with dev_outbox(demo=True):
        response = staff_client().get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Your code: 482913" in page
    assert PHONE in page
    assert "Confirm your e-mail" in page
    assert 'href="https://kabinet.example.com/confirm/abc"' in page  # links are clickable
    assert "&lt;now&gt;" in page  # and text is escaped
    assert "no-store" in response["Cache-Control"]


def test_shows_the_last_fifty() -> None:
    testing.make_utility()
    OutboxMessage.objects.bulk_create(
        OutboxMessage(channel=Channel.SMS, recipient=PHONE, purpose="x", text=f"message {n}")
        for n in range(55)
    )
    with dev_outbox(demo=True):
        response = staff_client().get(URL)
    assert len(response.context["outbox"]) == 50


def test_customers_are_refused() -> None:
    customer = Client()
    customer.force_login(testing.make_user(phone="+380671234500"))
    with dev_outbox(demo=True):
        assert customer.get(URL).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in() -> None:
    with dev_outbox(demo=True):
        response = Client().get(URL)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_view_refuses_by_itself_when_switched_off() -> None:
    """Even if some URLconf routed it, the view checks the switch on every request."""
    request = RequestFactory().get(URL)
    request.user = testing.make_staff(username="lone-staff")
    with override_settings(DEBUG=False, DEMO=False), pytest.raises(views.Http404):
        views.dev_outbox(request)
