"""The audit log records who did what, when and from where, and is append-only."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from kabinet.core.audit import audit
from kabinet.core.models import AuditEvent
from kabinet.core.testing import Household, make_user
from kabinet.identity.models import User

pytestmark = pytest.mark.django_db


def test_audit_records_actor_ip_and_user_agent(household: Household) -> None:
    request = RequestFactory().post(
        "/", REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Mozilla/5.0 (Android 14) Chrome/130"
    )
    request.user = household.user
    event = audit(
        "account.link",
        request=request,
        obj=household.gas,
        customer_id=household.customer.pk,
        account_id=household.gas.pk,
        via="address",
    )
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.action == "account.link"
    assert event.actor == household.user
    assert event.actor_label == household.user.get_username()
    assert event.ip == "203.0.113.7"
    assert event.user_agent == "Mozilla/5.0 (Android 14) Chrome/130"
    assert event.object_type == "customers.account"
    assert event.object_id == str(household.gas.pk)
    assert event.customer_id == household.customer.pk
    assert event.account_id == household.gas.pk
    assert event.data == {"via": "address"}
    assert event.at is not None


def test_audit_without_a_request_names_the_actor_given(staff: User) -> None:
    event = audit("import.run", actor=staff, rows=12)
    assert event.actor == staff
    assert event.actor_label == "operator"
    assert event.ip is None
    assert event.user_agent == ""


def test_audit_of_an_anonymous_request() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="2001:db8::1", HTTP_USER_AGENT="x" * 500)
    request.user = AnonymousUser()
    event = audit("login.failed", request=request)
    assert event.actor is None
    assert event.actor_label == ""
    assert event.ip == "2001:db8::1"
    assert len(event.user_agent) == 300  # cut to the column, never an error


def test_the_event_outlives_its_actor() -> None:
    user = make_user(username="leaver")
    user_pk = user.pk
    event = audit("profile.update", actor=user)
    user.delete()
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.actor_id == user_pk
    assert event.actor_label == "leaver"


@pytest.fixture
def event() -> AuditEvent:
    return audit("reading.submit", value="00123")


def test_an_event_cannot_be_changed(event: AuditEvent) -> None:
    event.action = "reading.delete"
    with pytest.raises(PermissionDenied):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).action == "reading.submit"


def test_an_event_cannot_be_deleted(event: AuditEvent) -> None:
    with pytest.raises(PermissionDenied):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_log_cannot_be_updated_in_bulk(event: AuditEvent) -> None:
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.update(action="x")
    assert AuditEvent.objects.get(pk=event.pk).action == "reading.submit"


def test_the_log_cannot_be_deleted_in_bulk(event: AuditEvent) -> None:
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 1
