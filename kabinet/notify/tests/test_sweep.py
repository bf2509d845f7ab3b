"""The sweep re-enqueues what the queue lost; racing deliveries send a message once."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command

from kabinet.notify.models import Channel, OutboxMessage, Status
from kabinet.notify.tasks import deliver_message, sweep_due_messages
from kabinet.notify.transports.fake import FakeSms

from .conftest import PHONE, Clock

pytestmark = pytest.mark.django_db


def lost(clock: Clock, **fields: Any) -> OutboxMessage:
    """A message whose task the queue dropped (written, never delivered)."""
    values: dict[str, Any] = {
        "channel": Channel.SMS,
        "recipient": PHONE,
        "purpose": "x",
        "text": "Hi",
        "next_attempt_at": clock.now,
        "enqueued_at": clock.now,
    }
    values.update(fields)
    return OutboxMessage.objects.create(**values)


def test_sweep_delivers_overdue_queued_messages(fake_sms: type[FakeSms], clock: Clock) -> None:
    message = lost(clock)
    assert sweep_due_messages() == 0  # just enqueued: the queue has its minute
    clock.advance(seconds=61)
    assert sweep_due_messages() == 1
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert len(fake_sms.outbox) == 1


def test_sweep_leaves_future_and_finished_messages(fake_sms: type[FakeSms], clock: Clock) -> None:
    lost(clock, next_attempt_at=clock.now + timedelta(hours=1))
    lost(clock, status=Status.SENT)
    lost(clock, status=Status.FAILED)
    clock.advance(minutes=5)
    assert sweep_due_messages() == 0
    assert fake_sms.calls == 0


def test_sweep_takes_over_messages_stuck_in_sending(fake_sms: type[FakeSms], clock: Clock) -> None:
    stuck = lost(clock, status=Status.SENDING, attempts=1)
    clock.advance(minutes=9)
    assert sweep_due_messages() == 0  # maybe still in the hands of a slow worker
    clock.advance(minutes=2)
    assert sweep_due_messages() == 1
    stuck.refresh_from_db()
    assert stuck.status == Status.SENT
    assert stuck.attempts == 2


def test_sweep_is_idempotent(dummy_backend: Any, clock: Clock) -> None:
    lost(clock)
    lost(clock, status=Status.SENDING)
    clock.advance(minutes=11)
    assert sweep_due_messages() == 2
    assert sweep_due_messages() == 0  # just handed over: not again this minute
    assert len(dummy_backend.results) == 2
    clock.advance(minutes=2)  # the queue really lost them again: once more, no more
    assert sweep_due_messages() == 2


def test_racing_deliveries_send_once(fake_sms: type[FakeSms], clock: Clock) -> None:
    message = lost(clock)
    assert deliver_message.call(message.pk) == "sent"
    assert deliver_message.call(message.pk) == "skipped"  # the second sees sent
    assert len(fake_sms.outbox) == 1


def test_delivery_skips_a_message_another_worker_is_sending(
    fake_sms: type[FakeSms], clock: Clock
) -> None:
    message = lost(clock, status=Status.SENDING, attempts=1)
    assert deliver_message.call(message.pk) == "skipped"
    assert fake_sms.calls == 0


def test_second_delivery_during_the_first_one_skips(
    fake_sms: type[FakeSms], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first delivery is inside the provider call when the duplicate task runs."""
    message = lost(clock)
    inner: list[str] = []
    send = FakeSms.send

    def send_and_race(self: FakeSms, *, to: str, text: str) -> str:
        inner.append(deliver_message.call(message.pk))
        return send(self, to=to, text=text)

    monkeypatch.setattr(FakeSms, "send", send_and_race)
    assert deliver_message.call(message.pk) == "sent"
    assert inner == ["skipped"]
    assert len(fake_sms.outbox) == 1


def test_stuck_message_with_no_attempts_left_fails(
    fake_sms: type[FakeSms], clock: Clock, settings: Any
) -> None:
    settings.NOTIFY_MAX_ATTEMPTS = 2
    message = lost(clock, status=Status.SENDING, attempts=2)
    clock.advance(minutes=11)
    sweep_due_messages()
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert fake_sms.calls == 0


def test_missing_message_is_skipped() -> None:
    assert deliver_message.call(987654) == "skipped"


def test_management_command(fake_sms: type[FakeSms], clock: Clock) -> None:
    lost(clock)
    clock.advance(minutes=2)
    out = io.StringIO()
    call_command("notify_sweep", stdout=out)
    assert out.getvalue().strip() == "1 message(s) re-enqueued"
    assert len(fake_sms.outbox) == 1
