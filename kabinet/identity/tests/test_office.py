"""Credentials issued at the office (KrasKom households, DRSK service centres; SECURITY.md 8)."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kabinet.core import testing
from kabinet.core.models import AuditEvent
from kabinet.customers.models import AccountLink
from kabinet.identity import office
from kabinet.identity.models import User
from kabinet.notify.models import OutboxMessage
from kabinet.notify.transports.fake import FakeSms

from .test_staff_otp import verified_login

NEW = "Quiet-River-Stone-42"
SHAPE = re.compile(r"^[a-km-np-z2-9]{4}-[a-km-np-z2-9]{4}-[a-km-np-z2-9]{4}$")


@pytest.fixture
def operator(staff):
    staff.user_permissions.add(Permission.objects.get(codename="issue_credentials"))
    return User.objects.get(pk=staff.pk)  # fresh: permissions are cached on the instance


@pytest.fixture
def desk(client, settings, utility, operator):
    """A service-centre operator logged in to the back office (password and TOTP)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    verified_login(client, operator)
    return client


def slip_password(response) -> str:
    assert response.status_code == 200, response
    match = re.search(r'id="slip-password">([^<]+)<', response.content.decode())
    assert match, "no password on the slip"
    return match.group(1)


def issue_for_account(desk, account):
    return desk.post(reverse("identity:office_account_issue", args=[account.pk]))


def issue_for_user(desk, user):
    return desk.post(reverse("identity:office_user", args=[user.pk]))


def test_only_verified_staff_with_the_permission_may_issue(client, utility, staff, household):
    url = reverse("identity:office_search")
    assert client.get(url).url.startswith(reverse("admin:login"))  # anonymous
    client.force_login(household.user)
    assert client.get(url).url.startswith(reverse("admin:login"))  # a customer
    client.force_login(staff)
    assert client.get(url).url.startswith(reverse("admin:login"))  # staff without TOTP
    verified_login(client, staff)
    assert client.get(url).status_code == 403  # staff without core.issue_credentials
    response = client.post(reverse("identity:office_user", args=[household.user.pk]))
    assert response.status_code == 403
    assert User.objects.get(pk=household.user.pk).check_password(testing.PASSWORD)


def test_a_household_login_is_created_with_the_account_number(desk, household, operator):
    account = household.gas
    page = desk.get(reverse("identity:office_search"), {"q": account.number}).content.decode()
    assert reverse("identity:office_account_issue", args=[account.pk]) in page

    response = issue_for_account(desk, account)
    password = slip_password(response)
    assert SHAPE.match(password), password
    page = response.content.decode()
    assert account.number in page and "choose your own password" in page
    assert "no-store" in response.headers["Cache-Control"]

    user = User.objects.get(username=account.number)
    assert user.customer == household.customer and user.is_active
    assert AccountLink.objects.filter(user=user, account=account).exists()
    assert user.must_change_password and user.check_password(password)
    event = AuditEvent.objects.get(action=office.ISSUED)
    assert event.actor == operator and event.object_id == str(user.pk)
    assert event.account_id == account.pk and event.data["created"] is True
    assert password not in str(event.data)


def test_the_password_comes_from_secrets(monkeypatch):
    monkeypatch.setattr(office.secrets, "choice", lambda alphabet: alphabet[-1])
    assert office.one_time_password() == "9999-9999-9999"
    monkeypatch.undo()
    passwords = {office.one_time_password() for _ in range(50)}
    assert len(passwords) == 50 and all(SHAPE.match(p) for p in passwords)
    assert not set("0O1lIi") & set("".join(passwords))


def test_the_password_is_never_logged_audited_or_sent(
    desk, household, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        password = slip_password(issue_for_user(desk, household.user))
    assert password not in caplog.text
    for event in AuditEvent.objects.all():
        assert password not in str(event.data)
    for message in OutboxMessage.objects.all():
        assert password not in message.text + message.html + message.subject
    assert all(password not in sms.text for sms in FakeSms.outbox)
    assert [sms.to for sms in FakeSms.outbox] == [household.user.phone]  # "if it was not you"


def test_a_reset_replaces_the_password_and_ends_the_sessions(desk, household):
    user = household.user
    other = Client()
    other.post(reverse("identity:login"), {"identifier": user.phone, "password": testing.PASSWORD})
    assert Session.objects.count() == 2  # the operator's and the customer's
    password = slip_password(issue_for_user(desk, user))
    user.refresh_from_db()
    assert user.must_change_password and user.check_password(password)
    assert not user.check_password(testing.PASSWORD)
    assert other.get(reverse("identity:settings")).status_code == 302


def test_a_reissue_invalidates_the_previous_password(desk, household):
    first = slip_password(issue_for_account(desk, household.gas))
    second = slip_password(issue_for_account(desk, household.gas))  # the same login again
    assert first != second
    user = User.objects.get(username=household.gas.number)
    assert not user.check_password(first) and user.check_password(second)
    assert User.objects.filter(username=household.gas.number).count() == 1
    assert AuditEvent.objects.filter(action=office.ISSUED).count() == 2


def test_the_first_login_forces_a_new_password(desk, household, settings):
    password = slip_password(issue_for_account(desk, household.gas))
    customer = Client()
    customer.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = customer.post(
        reverse("identity:login"), {"identifier": household.gas.number, "password": password}
    )
    assert response["Location"] == reverse("identity:first_password")
    assert customer.get(reverse("customers:cabinet"))["Location"] == reverse(
        "identity:first_password"
    )
    customer.post(reverse("identity:first_password"), {"password1": NEW, "password2": NEW})
    user = User.objects.get(username=household.gas.number)
    assert not user.must_change_password and user.check_password(NEW)
    assert not user.check_password(password)
    assert customer.get(reverse("identity:settings")).status_code == 200


def test_the_issued_password_expires(desk, household, monkeypatch):
    slip_password(issue_for_user(desk, household.user))
    user = User.objects.get(pk=household.user.pk)
    assert not office.issued_password_expired(user)
    later = timezone.now() + office.ISSUED_PASSWORD_TTL + timedelta(minutes=1)
    monkeypatch.setattr(office.timezone, "now", lambda: later)
    assert office.issued_password_expired(user)
    user.must_change_password = False  # once the person chose their own, nothing expires
    assert not office.issued_password_expired(user)


def test_an_expired_issued_password_does_not_log_in(desk, household, monkeypatch, settings):
    password = slip_password(issue_for_account(desk, household.gas))
    later = timezone.now() + office.ISSUED_PASSWORD_TTL + timedelta(minutes=1)
    monkeypatch.setattr(office.timezone, "now", lambda: later)
    customer = Client()
    response = customer.post(
        reverse("identity:login"), {"identifier": household.gas.number, "password": password}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in customer.session


def test_staff_passwords_are_not_issued_here(desk, operator):
    boss = testing.make_staff(username="boss", is_superuser=True)
    response = issue_for_user(desk, boss)
    assert response.status_code == 200 and "slip-password" not in response.content.decode()
    boss.refresh_from_db()
    assert boss.check_password(testing.PASSWORD) and not boss.must_change_password
    assert not AuditEvent.objects.filter(action=office.ISSUED).exists()


def test_an_account_number_taken_as_another_users_login_is_refused(desk, household, outsider):
    outsider.user.username = household.gas.number
    outsider.user.save()
    response = issue_for_account(desk, household.gas)
    assert response.status_code == 302
    outsider.user.refresh_from_db()
    assert outsider.user.check_password(testing.PASSWORD)


def test_search_by_phone_finds_the_user(desk, household, operator):
    page = desk.get(reverse("identity:office_search"), {"q": "050 111 22 33"}).content.decode()
    assert reverse("identity:office_user", args=[household.user.pk]) in page
    page = desk.get(reverse("identity:office_search"), {"q": operator.username}).content.decode()
    assert reverse("identity:office_user", args=[operator.pk]) not in page  # never staff
    page = desk.get(reverse("identity:office_search"), {"q": "no-such-thing"}).content.decode()
    assert "Nothing found" in page


def test_the_user_page_is_linked_from_the_admin(client, utility, operator, household):
    operator.is_superuser = True
    operator.save()
    verified_login(client, operator)
    page = client.get(
        reverse("admin:identity_user_change", args=[household.user.pk])
    ).content.decode()
    assert reverse("identity:office_user", args=[household.user.pk]) in page
    page = client.get(reverse("admin:identity_user_changelist")).content.decode()
    assert reverse("identity:office_search") in page
