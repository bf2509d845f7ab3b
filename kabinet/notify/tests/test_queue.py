"""Queueing: the row is written in the caller's transaction, delivery follows the commit."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from kabinet.notify.models import Channel, OutboxMessage, Status
from kabinet.notify.services import message_queue
from kabinet.notify.transports.fake import FakeSms

from .conftest import PHONE

pytestmark = pytest.mark.django_db


def test_queued_sms_is_delivered_after_commit(
    fake_sms: type[FakeSms], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = message_queue(
            channel=Channel.SMS, recipient=PHONE, purpose="password_changed", text="Hello"
        )
        assert message.status == Status.QUEUED
        assert fake_sms.outbox == []  # nothing goes out before the commit
    assert len(callbacks) == 1

    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.attempts == 1
    assert message.sent_at is not None
    assert message.last_error == ""
    assert [(sms.to, sms.text) for sms in fake_sms.outbox] == [(PHONE, "Hello")]
    assert message.provider_message_id == fake_sms.outbox[0].message_id


def test_rolled_back_action_sends_nothing(
    fake_sms: type[FakeSms], django_capture_on_commit_callbacks: Any
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        message_queue(channel=Channel.SMS, recipient=PHONE, purpose="x", text="Hello")
        raise RuntimeError("the action failed")
    assert callbacks == []
    assert not OutboxMessage.objects.exists()
    assert fake_sms.outbox == []


def test_language_defaults_to_the_active_one() -> None:
    from django.utils import translation

    with translation.override("ru"):
        message = message_queue(channel=Channel.SMS, recipient=PHONE, purpose="x", text="Hi")
    assert message.language == "ru"
    assert (
        message_queue(
            channel=Channel.SMS, recipient=PHONE, purpose="x", text="Hi", language="en"
        ).language
        == "en"
    )


@pytest.mark.parametrize(
    ("channel", "recipient"),
    [
        (Channel.SMS, "0501234567"),  # not E.164
        (Channel.SMS, "+38 050 123"),
        (Channel.EMAIL, "not-an-address"),
        ("pigeon", PHONE),
    ],
)
def test_bad_recipient_or_channel_is_refused(channel: str, recipient: str) -> None:
    with pytest.raises(ValueError):
        message_queue(channel=channel, recipient=recipient, purpose="x", text="Hi")
    assert not OutboxMessage.objects.exists()


def test_empty_text_is_refused() -> None:
    with pytest.raises(ValueError):
        message_queue(channel=Channel.SMS, recipient=PHONE, purpose="x", text="  ")


def test_broken_queue_leaves_the_message_queued_for_the_sweep(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    from kabinet.notify import tasks

    def down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks, "enqueue_delivery", down)
    with django_capture_on_commit_callbacks(execute=True):
        message = message_queue(channel=Channel.SMS, recipient=PHONE, purpose="x", text="Hi")
    message.refresh_from_db()
    assert message.status == Status.QUEUED
