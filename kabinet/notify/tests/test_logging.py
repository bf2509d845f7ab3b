"""Logs name recipients masked and never carry codes (SECURITY.md 12)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from kabinet.notify.masking import mask_email, mask_phone
from kabinet.notify.models import Channel
from kabinet.notify.services import message_queue
from kabinet.notify.tasks import sweep_due_messages
from kabinet.notify.transports.fake import FakeSms

from .conftest import MASKED, PHONE, Clock, FakeProvider

CODE = "482913"


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+380501234567", "+38050•••••67"),
        ("+79251234567", "+79251••••67"),
        ("+4915112345678", "+49151••••••78"),
        ("+1234567", "+1••••67"),
        ("12345", "•••45"),
        ("123", "•••"),
        ("", ""),
    ],
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


def test_mask_email() -> None:
    assert mask_email("olena.shevchenko@example.com") == "o•••@example.com"
    assert mask_email("@example.com") == "@example.com"


def digits_of(phone: str) -> str:
    return phone.lstrip("+")


@pytest.mark.django_db
def test_phone_and_code_never_logged_unmasked(
    caplog: pytest.LogCaptureFixture,
    fake_sms: type[FakeSms],
    clock: Clock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_sms.down = True
    with django_capture_on_commit_callbacks(execute=True):
        message_queue(
            channel=Channel.SMS,
            recipient=PHONE,
            purpose="signup_code",
            text=f"Your code: {CODE}",
            sensitive=True,
        )
        message_queue(
            channel=Channel.EMAIL,
            recipient="olena@example.com",
            purpose="signup_code",
            subject="Code",
            text=f"Your code: {CODE}",
            sensitive=True,
        )
    fake_sms.down = False
    clock.advance(minutes=2)
    sweep_due_messages()
    fake_sms.invalid.add("+380671112233")
    with django_capture_on_commit_callbacks(execute=True):
        message_queue(channel=Channel.SMS, recipient="+380671112233", purpose="x", text=CODE)

    logged = caplog.text
    assert MASKED in logged
    assert "o•••@example.com" in logged
    for secret in (PHONE, digits_of(PHONE), "380671112233", "olena@example.com", CODE):
        assert secret not in logged


@pytest.mark.django_db
def test_provider_errors_are_logged_without_the_number(
    caplog: pytest.LogCaptureFixture,
    fake_provider: FakeProvider,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    caplog.set_level(logging.DEBUG)
    settings.SMS_BACKEND = "turbosms"
    fake_provider.reply = lambda request: (
        200,
        {
            "response_code": 802,
            "response_status": "SUCCESS_MESSAGE_PARTIAL_ACCEPTED",
            "response_result": [
                {
                    "phone": digits_of(PHONE),
                    "response_code": 305,
                    "response_status": "INVALID_PHONE",
                }
            ],
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        message = message_queue(channel=Channel.SMS, recipient=PHONE, purpose="x", text=CODE)
    message.refresh_from_db()
    assert message.last_error == "TurboSMS 305 INVALID_PHONE (permanent)"
    assert MASKED in caplog.text
    assert digits_of(PHONE) not in caplog.text
    assert CODE not in caplog.text
