"""Codes and links do not outlive their delivery in the outbox (unless a setting says so)."""

from __future__ import annotations

from typing import Any

import pytest

from kabinet.notify.models import REDACTED, Channel, OutboxMessage, Status
from kabinet.notify.services import message_queue
from kabinet.notify.transports.fake import FakeSms

from .conftest import PHONE

pytestmark = pytest.mark.django_db


def send(on_commit: Any, **fields: Any) -> OutboxMessage:
    with on_commit(execute=True):
        message = message_queue(purpose="signup_code", **fields)
    message.refresh_from_db()
    return message


def test_sensitive_sms_body_is_redacted_once_sent(
    fake_sms: type[FakeSms], django_capture_on_commit_callbacks: Any
) -> None:
    message = send(
        django_capture_on_commit_callbacks,
        channel=Channel.SMS,
        recipient=PHONE,
        text="Your code: 482913",
        sensitive=True,
    )
    assert message.status == Status.SENT
    assert message.text == REDACTED
    assert message.html == ""
    assert fake_sms.outbox[0].text == "Your code: 482913"  # the person got it, the table keeps none
    assert not OutboxMessage.objects.filter(text__contains="482913").exists()


def test_sensitive_email_text_and_html_are_redacted(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.core import mail

    message = send(
        django_capture_on_commit_callbacks,
        channel=Channel.EMAIL,
        recipient="olena@example.com",
        subject="Confirm",
        text="https://kabinet.example.com/confirm/abc",
        html="<a href='/confirm/abc'>go</a>",
        sensitive=True,
    )
    assert (message.status, message.text, message.html) == (Status.SENT, REDACTED, REDACTED)
    assert message.subject == "Confirm"
    assert "confirm/abc" in mail.outbox[0].body


def test_keep_sent_bodies_setting(settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.NOTIFY_KEEP_SENT_BODIES = True
    message = send(
        django_capture_on_commit_callbacks,
        channel=Channel.SMS,
        recipient=PHONE,
        text="Your code: 482913",
        sensitive=True,
    )
    assert message.status == Status.SENT
    assert message.text == "Your code: 482913"


def test_ordinary_messages_keep_their_body(django_capture_on_commit_callbacks: Any) -> None:
    message = send(
        django_capture_on_commit_callbacks, channel=Channel.SMS, recipient=PHONE, text="Hello"
    )
    assert message.text == "Hello"


def test_unsent_sensitive_message_keeps_its_body_for_the_retry(
    fake_sms: type[FakeSms], django_capture_on_commit_callbacks: Any
) -> None:
    fake_sms.down = True
    message = send(
        django_capture_on_commit_callbacks,
        channel=Channel.SMS,
        recipient=PHONE,
        text="Your code: 482913",
        sensitive=True,
    )
    assert message.status == Status.QUEUED
    assert message.text == "Your code: 482913"
