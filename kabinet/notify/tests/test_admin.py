"""The back-office outbox: masked, read-only, and a retry for failed messages."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from kabinet.core import testing
from kabinet.core.models import AuditEvent
from kabinet.notify.models import Channel, OutboxMessage, Status
from kabinet.notify.transports.fake import FakeSms

from .conftest import MASKED, PHONE

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:notify_outboxmessage_changelist")


def admin_client(*, superuser: bool = True, can_retry: bool = False) -> Client:
    user = testing.make_staff(username=f"admin{testing.next_number()}", is_superuser=superuser)
    user.user_permissions.add(Permission.objects.get(codename="view_outboxmessage"))
    if can_retry:
        user.user_permissions.add(Permission.objects.get(codename="change_outboxmessage"))
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the assertions read English
    testing.back_office_login(client, user)
    return client


def failed_message() -> OutboxMessage:
    return OutboxMessage.objects.create(
        channel=Channel.SMS,
        recipient=PHONE,
        purpose="signup_code",
        text="Your code: 482913",
        status=Status.FAILED,
        attempts=8,
        last_error="fake provider is down (retryable)",
    )


def test_list_shows_masked_recipients_and_no_bodies() -> None:
    message = failed_message()
    page = admin_client().get(CHANGELIST).content.decode()
    assert MASKED in page
    assert PHONE not in page
    assert "482913" not in page
    assert "fake provider is down" in page
    detail = (
        admin_client()
        .get(reverse("admin:notify_outboxmessage_change", args=[message.pk]))
        .content.decode()
    )
    assert MASKED in detail and PHONE not in detail and "482913" not in detail


def test_nothing_is_editable() -> None:
    message = failed_message()
    client = admin_client()
    assert client.get(reverse("admin:notify_outboxmessage_add")).status_code == 403
    assert (
        client.post(reverse("admin:notify_outboxmessage_delete", args=[message.pk])).status_code
        == 403
    )


def test_retry_now_requeues_and_delivers_failed_messages(
    fake_sms: type[FakeSms], django_capture_on_commit_callbacks: Any
) -> None:
    message = failed_message()
    sent = OutboxMessage.objects.create(
        channel=Channel.SMS, recipient=PHONE, purpose="x", text="Hi", status=Status.SENT
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client(superuser=False, can_retry=True).post(
            CHANGELIST,
            {"action": "retry_now", "_selected_action": [message.pk, sent.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert "1 message queued again." in response.content.decode()
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.attempts == 1
    assert [sms.text for sms in fake_sms.outbox] == ["Your code: 482913"]
    event = AuditEvent.objects.get(action="notify.message_retried")
    assert event.object_id == str(message.pk)


def test_retry_needs_the_change_permission() -> None:
    message = failed_message()
    client = admin_client(superuser=False)
    page = client.get(CHANGELIST).content.decode()
    assert "retry_now" not in page
    client.post(CHANGELIST, {"action": "retry_now", "_selected_action": [message.pk]})
    message.refresh_from_db()
    assert message.status == Status.FAILED
