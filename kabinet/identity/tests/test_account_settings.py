"""Settings → Account: contacts after re-authentication and a code to the new contact
(SECURITY.md 13), sessions, consent and its withdrawal, erasure request, my data."""

from __future__ import annotations

import json
import re
import time

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse

from kabinet.core import testing
from kabinet.core.models import AuditEvent
from kabinet.identity.account_settings import PENDING
from kabinet.identity.models import ConsentGrant, ConsentText, OneTimeCode, User, UserSession
from kabinet.notify.transports.fake import FakeSms

from .conftest import last_code

NEW_PHONE = "+380671119988"


def log_in(user: User, language: str = "en") -> Client:
    """A client logged in through the login form (so its session is on record)."""
    client = Client()
    client.cookies["kabinet_language"] = language
    response = client.post(
        reverse("identity:login"), {"identifier": user.username, "password": testing.PASSWORD}
    )
    assert response.status_code == 302
    return client


@pytest.fixture
def olena(utility, household) -> Client:
    return log_in(household.user)


def change_phone(client, phone=NEW_PHONE, current=testing.PASSWORD, capture=None):
    with capture(execute=True):
        return client.post(reverse("identity:settings_phone"), {"current": current, "phone": phone})


def confirm(client, code):
    return client.post(reverse("identity:settings_contact_confirm"), {"code": code})


def test_the_page_shows_login_masked_phone_and_e_mail(olena, household):
    household.user.email = "olena@example.com"
    household.user.save()
    page = olena.get(reverse("identity:settings")).content.decode()
    assert household.user.username in page
    assert "+38050•••••33" in page and "olena@example.com" in page
    assert "this session" in page


def test_a_contact_change_needs_the_current_password(
    olena, household, django_capture_on_commit_callbacks
):
    response = change_phone(
        olena, current="Not-My-Password-1", capture=django_capture_on_commit_callbacks
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["current"] and form["phone"].value() == NEW_PHONE  # typed value kept
    assert 'value="Not-My-Password-1"' not in response.content.decode()
    assert not OneTimeCode.objects.exists() and FakeSms.outbox == []


def test_the_phone_changes_after_the_code_sent_to_the_new_phone(
    olena, household, django_capture_on_commit_callbacks
):
    old = household.user.phone
    response = change_phone(olena, capture=django_capture_on_commit_callbacks)
    assert response.url == reverse("identity:settings_contact_confirm")
    assert [sms.to for sms in FakeSms.outbox] == [NEW_PHONE]  # the new phone, only
    code = last_code(NEW_PHONE)

    response = confirm(olena, f"{(int(code) + 1) % 10**6:06d}")
    assert response.status_code == 200 and response.context["form"].errors["code"]
    assert User.objects.get(pk=household.user.pk).phone == old

    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(olena, code)
    assert response.url == reverse("identity:settings")
    user = User.objects.get(pk=household.user.pk)
    assert user.phone == NEW_PHONE
    assert user.username == NEW_PHONE  # the phone was the login: it moves with it
    notice = [sms for sms in FakeSms.outbox if sms.to == old]
    assert len(notice) == 1 and "+38067•••••88" in notice[0].text
    assert AuditEvent.objects.filter(action="contact.changed", object_id=str(user.pk)).exists()
    assert confirm(olena, code).url == reverse("identity:settings")  # nothing pending any more


def test_the_e_mail_changes_after_the_code_sent_to_the_new_address(
    olena, household, django_capture_on_commit_callbacks
):
    household.user.email = "old@example.com"
    household.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        olena.post(
            reverse("identity:settings_email"),
            {"current": testing.PASSWORD, "email": "new@Example.COM"},
        )
    assert [m.to for m in mail.outbox] == [["new@example.com"]]
    match = re.search(r"^\s+([A-Z2-9]{10})\s*$", str(mail.outbox[0].body), re.M)
    assert match, mail.outbox[0].body
    code = match.group(1)
    with django_capture_on_commit_callbacks(execute=True):
        confirm(olena, code.lower())
    assert User.objects.get(pk=household.user.pk).email == "new@example.com"
    assert mail.outbox[-1].to == ["old@example.com"]
    assert "n•••@example.com" in mail.outbox[-1].body


def test_a_code_for_one_change_does_not_confirm_another(
    olena, household, django_capture_on_commit_callbacks
):
    change_phone(olena, capture=django_capture_on_commit_callbacks)
    code = last_code(NEW_PHONE)
    session = olena.session
    session[PENDING] = {**session[PENDING], "value": "+380671110000"}
    session.save()
    assert confirm(olena, code).status_code == 200
    assert User.objects.get(pk=household.user.pk).phone == household.user.phone


def test_a_phone_of_another_account_is_refused_after_its_code(
    olena, household, outsider, django_capture_on_commit_callbacks
):
    change_phone(olena, phone=outsider.user.phone, capture=django_capture_on_commit_callbacks)
    response = confirm(olena, last_code(outsider.user.phone))
    assert response.url == reverse("identity:settings")
    assert User.objects.get(pk=household.user.pk).phone == household.user.phone


def test_the_same_phone_is_no_change(olena, household, django_capture_on_commit_callbacks):
    response = change_phone(
        olena, phone=household.user.phone, capture=django_capture_on_commit_callbacks
    )
    assert response.context["form"].errors["phone"]


def test_guessing_the_current_password_meets_the_login_delays(
    olena, django_capture_on_commit_callbacks
):
    for _ in range(6):
        change_phone(olena, current="Guess-Guess-123", capture=django_capture_on_commit_callbacks)
    response = change_phone(olena, capture=django_capture_on_commit_callbacks)
    assert "Too many attempts" in " ".join(response.context["form"].errors["current"])


def test_a_pending_change_expires(olena, django_capture_on_commit_callbacks):
    change_phone(olena, capture=django_capture_on_commit_callbacks)
    session = olena.session
    session[PENDING] = {**session[PENDING], "at": int(time.time()) - 3600}
    session.save()
    assert confirm(olena, last_code(NEW_PHONE)).url == reverse("identity:settings")


def test_sessions_are_listed_and_another_one_ends_in_the_session_store(olena, household):
    other = log_in(household.user)
    page = olena.get(reverse("identity:settings")).content.decode()
    record = UserSession.objects.exclude(session_key=olena.session.session_key).get()
    assert page.count("this session") == 1
    assert reverse("identity:settings_session_end", args=[record.pk]) in page

    olena.post(reverse("identity:settings_session_end", args=[record.pk]))
    assert not Session.objects.filter(session_key=record.session_key).exists()
    assert not UserSession.objects.filter(pk=record.pk).exists()
    assert other.get(reverse("identity:settings")).status_code == 302
    assert olena.get(reverse("identity:settings")).status_code == 200


def test_one_cannot_end_the_session_of_someone_else(olena, outsider):
    theirs = log_in(outsider.user)
    record = UserSession.objects.get(user=outsider.user)
    olena.post(reverse("identity:settings_session_end", args=[record.pk]))
    assert Session.objects.filter(session_key=record.session_key).exists()
    assert theirs.get(reverse("identity:settings")).status_code == 200


def test_all_other_sessions_end(olena, household):
    others = [log_in(household.user) for _ in range(2)]
    olena.post(reverse("identity:settings_sessions_end_others"))
    assert all(c.get(reverse("identity:settings")).status_code == 302 for c in others)
    assert olena.get(reverse("identity:settings")).status_code == 200
    assert UserSession.objects.filter(user=household.user).count() == 1


@pytest.fixture
def consent(household) -> ConsentGrant:
    text = ConsentText.objects.create(version="2024-1", text="Згода на обробку даних.")
    return ConsentGrant.objects.create(text=text, user=household.user, ip="192.0.2.1")


def test_the_consent_is_shown_and_withdrawn(olena, consent):
    page = olena.get(reverse("identity:settings")).content.decode()
    assert "2024-1" in page and "Withdraw consent" in page
    response = olena.post(reverse("identity:settings_consent_withdraw", args=[consent.pk]))
    assert response.url == reverse("identity:settings")
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    event = AuditEvent.objects.get(action="consent.withdrawn")
    assert event.object_id == str(consent.pk) and event.data["version"] == "2024-1"
    page = olena.get(reverse("identity:settings")).content.decode()
    assert "withdrawn" in page and "Withdraw consent" not in page


def test_the_consent_of_someone_else_cannot_be_withdrawn(consent, outsider, utility):
    theirs = log_in(outsider.user)
    response = theirs.post(reverse("identity:settings_consent_withdraw", args=[consent.pk]))
    assert response.status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_an_erasure_request_is_recorded_once_a_day(olena, household):
    for _ in range(2):
        response = olena.post(reverse("identity:settings_erasure"), follow=True)
    assert "staff will contact you" in response.content.decode()
    events = AuditEvent.objects.filter(action="privacy.erasure_requested")
    assert events.count() == 1 and events[0].object_id == str(household.user.pk)


def test_my_data_is_a_json_download_of_my_own_data_without_secrets(
    olena, household, outsider, consent, django_capture_on_commit_callbacks
):
    change_phone(olena, capture=django_capture_on_commit_callbacks)  # a code now exists
    response = olena.get(reverse("identity:settings_my_data"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert set(data) >= {"user", "customer", "accounts", "consents", "sessions", "events"}
    assert data["user"]["login"] == household.user.username
    assert data["customer"]["name"] == household.customer.name
    assert {a["number"] for a in data["accounts"]} == {a.number for a in household.accounts}
    assert all(a["address"] for a in data["accounts"])
    assert data["consents"][0]["version"] == "2024-1"
    assert any(s["this_session"] for s in data["sessions"])
    assert any(e["action"] == "login.success" for e in data["events"])
    text = response.content.decode()
    user = User.objects.get(pk=household.user.pk)
    assert user.password not in text and "argon2" not in text
    assert not {k for k in keys(data) if "password" in k or "code" in k or "hash" in k} - {
        "code"  # the customer's billing code
    }
    assert OneTimeCode.objects.get().code_hash not in text and last_code(NEW_PHONE) not in text
    assert olena.session.session_key not in text
    assert outsider.gas.number not in text and outsider.customer.name not in text


def keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


def test_my_data_needs_a_login(client, utility):
    response = client.get(reverse("identity:settings_my_data"))
    assert response.status_code == 302 and response.url.startswith(reverse("identity:login"))
