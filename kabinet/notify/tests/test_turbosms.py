"""TurboSMS against a local server speaking its documented request and response shapes."""

from __future__ import annotations

from typing import Any

import pytest

from kabinet.notify.models import Channel, Status
from kabinet.notify.services import message_queue
from kabinet.notify.transports import DeliveryError, get_sms_transport
from kabinet.notify.transports.turbosms import TurboSms

from .conftest import PHONE, FakeProvider, Recorded, Reply

ACCEPTED: dict[str, Any] = {
    "response_code": 800,
    "response_status": "SUCCESS_MESSAGE_ACCEPTED",
    "response_result": [
        {
            "phone": "380501234567",
            "response_code": 0,
            "message_id": "f83f8868-5e46-c6cf-e4fb-615e5a293754",
            "response_status": "OK",
        }
    ],
}


def turbosms(request: Recorded) -> Reply:
    """The real service in miniature: checks the token, the path and the body's shape."""
    if request.path != "/message/send.json":
        return 404, b"not found"
    if request.headers.get("authorization") != "Bearer test-token":
        return 200, {
            "response_code": 105,
            "response_status": "REQUIRED_AUTH",
            "response_result": None,
        }
    body = request.json()
    if not body.get("sms", {}).get("sender"):
        return 200, {"response_code": 200, "response_status": "REQUIRED_MESSAGE_SENDER"}
    return 200, ACCEPTED


@pytest.fixture
def provider(fake_provider: FakeProvider, settings: Any) -> FakeProvider:
    settings.SMS_BACKEND = "turbosms"
    settings.SMS_SENDER = "Gas Zbut"
    fake_provider.reply = turbosms
    return fake_provider


def test_send_carries_token_and_fields(provider: FakeProvider) -> None:
    transport = get_sms_transport()
    assert isinstance(transport, TurboSms)
    assert (
        transport.send(to=PHONE, text="Пароль змінено & ok")
        == ACCEPTED["response_result"][0]["message_id"]
    )
    [request] = provider.requests
    assert request.method == "POST"
    assert request.path == "/message/send.json"
    assert request.headers["authorization"] == "Bearer test-token"
    assert request.headers["content-type"].startswith("application/json")
    assert request.json() == {
        "recipients": ["380501234567"],
        "sms": {"sender": "Gas Zbut", "text": "Пароль змінено & ok"},
    }


def test_wrong_token_is_permanent(provider: FakeProvider, settings: Any) -> None:
    settings.SMS_API_TOKEN = "wrong"
    with pytest.raises(DeliveryError) as caught:
        TurboSms().send(to=PHONE, text="Hi")
    assert caught.value.retryable is False
    assert "105 REQUIRED_AUTH" in str(caught.value)


def test_missing_token_is_permanent_without_a_request(
    provider: FakeProvider, settings: Any
) -> None:
    settings.SMS_API_TOKEN = ""
    with pytest.raises(DeliveryError) as caught:
        TurboSms().send(to=PHONE, text="Hi")
    assert caught.value.retryable is False
    assert provider.requests == []


@pytest.mark.parametrize(
    ("status", "body", "retryable"),
    [
        (200, {"response_code": 301, "response_status": "INVALID_TOKEN"}, False),
        (200, {"response_code": 305, "response_status": "INVALID_PHONE"}, False),
        (200, {"response_code": 404, "response_status": "NOT_ALLOWED_NUMBER_STOPLIST"}, False),
        (200, {"response_code": 203, "response_status": "REQUIRED_BALANCE"}, True),
        (200, {"response_code": 503, "response_status": "FAILED_SMS_SEND"}, True),
        (200, {"response_code": 999, "response_status": "FATAL_ERROR"}, True),
        (
            200,
            {
                "response_code": 802,
                "response_status": "SUCCESS_MESSAGE_PARTIAL_ACCEPTED",
                "response_result": [
                    {
                        "phone": "380501234567",
                        "response_code": 305,
                        "response_status": "INVALID_PHONE",
                        "message_id": None,
                    }
                ],
            },
            False,
        ),
        (500, b"<html>Internal Server Error</html>", True),
        (502, b"Bad Gateway", True),
        (503, {"response_code": 999}, True),
        (429, b"slow down", True),
        (401, b"unauthorized", False),
        (403, b"forbidden", False),
        (200, b"<html>captive portal</html>", True),
    ],
)
def test_answers_map_to_retryable_or_permanent(
    provider: FakeProvider, status: int, body: Any, retryable: bool
) -> None:
    provider.reply = lambda request: (status, body)
    with pytest.raises(DeliveryError) as caught:
        TurboSms().send(to=PHONE, text="Code 482913")
    assert caught.value.retryable is retryable
    assert "482913" not in str(caught.value)
    assert "380501234567" not in str(caught.value)


def test_timeout_is_retryable(provider: FakeProvider, settings: Any) -> None:
    settings.SMS_TIMEOUT = 0.2
    provider.delay = 0.6
    with pytest.raises(DeliveryError) as caught:
        TurboSms().send(to=PHONE, text="Hi")
    assert caught.value.retryable is True
    assert "timed out" in str(caught.value)


def test_unreachable_provider_is_retryable(settings: Any) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.SMS_API_URL = f"http://127.0.0.1:{port}"
    settings.SMS_API_TOKEN = "test-token"
    with pytest.raises(DeliveryError) as caught:
        TurboSms().send(to=PHONE, text="Hi")
    assert caught.value.retryable is True


@pytest.mark.django_db
def test_outbox_retries_through_turbosms_until_it_answers(
    provider: FakeProvider, django_capture_on_commit_callbacks: Any
) -> None:
    from kabinet.notify.tasks import deliver_message

    provider.reply = lambda request: (503, b"maintenance")
    with django_capture_on_commit_callbacks(execute=True):
        message = message_queue(channel=Channel.SMS, recipient=PHONE, purpose="x", text="Hi")
    message.refresh_from_db()
    assert (message.status, message.last_error) == (Status.QUEUED, "TurboSMS HTTP 503 (retryable)")
    provider.reply = turbosms
    message.next_attempt_at = message.created_at  # its time has come
    message.save(update_fields=["next_attempt_at"])
    assert deliver_message.call(message.pk) == "sent"
    message.refresh_from_db()
    assert message.provider_message_id == ACCEPTED["response_result"][0]["message_id"]
