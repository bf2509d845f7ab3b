"""A provider that is down: retried with growing back-off, never lost, given up only at the end."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from kabinet.notify.models import Channel, OutboxMessage, Status
from kabinet.notify.services import message_queue
from kabinet.notify.tasks import backoff, deliver_message, sweep_due_messages
from kabinet.notify.transports.fake import FakeSms

from .conftest import PHONE, Clock

pytestmark = pytest.mark.django_db


def queue(on_commit: Any, **fields: Any) -> OutboxMessage:
    with on_commit(execute=True):
        message = message_queue(
            channel=Channel.SMS,
            recipient=fields.pop("recipient", PHONE),
            purpose="x",
            text="Hi",
            **fields,
        )
    message.refresh_from_db()
    return message


def test_backoff_grows_fourfold_and_stops_at_an_hour() -> None:
    assert [backoff(n).total_seconds() for n in range(1, 8)] == [
        30,
        120,
        480,
        1920,
        3600,
        3600,
        3600,
    ]


def test_provider_down_retries_with_growing_backoff_then_delivers(
    fake_sms: type[FakeSms], clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    fake_sms.down = True
    message = queue(django_capture_on_commit_callbacks)
    waits = []
    for attempt in range(1, 4):
        assert message.status == Status.QUEUED  # never lost, never given up
        assert message.attempts == attempt
        assert "down" in message.last_error
        waits.append((message.next_attempt_at - clock.now).total_seconds())
        # The immediate backend cannot defer: the sweep re-enqueues the message once due.
        clock.now = message.next_attempt_at
        assert sweep_due_messages() == 0  # due, but give the queue its minute first
        clock.advance(minutes=1)
        assert sweep_due_messages() == 1
        message.refresh_from_db()
    assert waits == [30, 120, 480]
    assert fake_sms.outbox == []

    fake_sms.down = False
    clock.now = message.next_attempt_at + timedelta(minutes=1)
    assert sweep_due_messages() == 1
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.attempts == 5
    assert message.last_error == ""
    assert len(fake_sms.outbox) == 1


def test_retry_is_enqueued_with_run_after(
    fake_sms: type[FakeSms],
    clock: Clock,
    dummy_backend: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    fake_sms.down = True
    message = queue(django_capture_on_commit_callbacks)
    [first] = dummy_backend.results
    assert first.args == [message.pk] and first.task.run_after is None

    assert deliver_message.call(message.pk) == "retry"
    message.refresh_from_db()
    assert message.status == Status.QUEUED
    retry = dummy_backend.results[-1]
    assert retry.args == [message.pk]
    assert retry.task.run_after == message.next_attempt_at == clock.now + timedelta(seconds=30)
    assert message.enqueued_at == clock.now
    # The retry is known to the queue: the sweep leaves it alone even when it is due.
    clock.now = message.next_attempt_at
    assert sweep_due_messages() == 0


def test_early_duplicate_task_does_not_skip_the_backoff(
    fake_sms: type[FakeSms],
    clock: Clock,
    dummy_backend: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    fake_sms.down = True
    message = queue(django_capture_on_commit_callbacks)
    deliver_message.call(message.pk)
    assert deliver_message.call(message.pk) == "skipped"  # not due for 30 s
    assert fake_sms.calls == 1


def test_max_attempts_then_failed(
    fake_sms: type[FakeSms], clock: Clock, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.NOTIFY_MAX_ATTEMPTS = 3
    fake_sms.down = True
    message = queue(django_capture_on_commit_callbacks)
    for _ in range(2):
        clock.now = message.next_attempt_at + timedelta(minutes=1)
        sweep_due_messages()
        message.refresh_from_db()
    assert message.status == Status.FAILED
    assert message.attempts == 3
    assert "down" in message.last_error
    clock.advance(hours=2)
    assert sweep_due_messages() == 0  # failed messages wait for a person
    assert fake_sms.calls == 3


def test_default_is_eight_attempts(
    fake_sms: type[FakeSms], clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    fake_sms.down = True
    message = queue(django_capture_on_commit_callbacks)
    while message.status == Status.QUEUED:
        clock.now = message.next_attempt_at + timedelta(minutes=1)
        sweep_due_messages()
        message.refresh_from_db()
    assert message.status == Status.FAILED
    assert message.attempts == 8


def test_invalid_number_fails_at_once(
    fake_sms: type[FakeSms], django_capture_on_commit_callbacks: Any
) -> None:
    fake_sms.invalid.add(PHONE)
    message = queue(django_capture_on_commit_callbacks)
    assert message.status == Status.FAILED
    assert message.attempts == 1
    assert "invalid number" in message.last_error
    assert "permanent" in message.last_error


def test_unexpected_transport_exception_is_retried(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    def broken(self: Any, *, to: str, text: str) -> str:
        raise KeyError(to)

    monkeypatch.setattr(FakeSms, "send", broken)
    message = queue(django_capture_on_commit_callbacks)
    assert message.status == Status.QUEUED
    assert message.last_error == "KeyError (retryable)"
    assert PHONE not in message.last_error


def test_retry_with_the_database_backend(
    fake_sms: type[FakeSms], clock: Clock, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The production default keeps the retry in the database with its run_after."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    fake_sms.down = True
    message = queue(django_capture_on_commit_callbacks)
    assert message.status == Status.QUEUED and message.attempts == 0  # waiting for a worker
    assert deliver_message.call(message.pk) == "retry"
    message.refresh_from_db()
    assert DBTaskResult.objects.count() == 2  # the first delivery and its retry
    retry = DBTaskResult.objects.get(run_after=message.next_attempt_at)
    assert retry.args_kwargs["args"] == [message.pk]
    assert retry.task.run_after == clock.now + timedelta(seconds=30)
