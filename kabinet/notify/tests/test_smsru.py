"""SMS.ru against a local server speaking its documented request and response shapes."""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest

from kabinet.notify.transports import DeliveryError, get_sms_transport
from kabinet.notify.transports.smsru import SmsRu

from .conftest import PHONE, FakeProvider, Recorded, Reply


def form(request: Recorded) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(request.body.decode()))


def smsru(request: Recorded) -> Reply:
    """The real service in miniature: api_id, a number without the plus, json=1."""
    if request.path != "/sms/send":
        return 404, b"not found"
    fields = form(request)
    if fields.get("api_id") != "test-token":
        return 200, {"status": "ERROR", "status_code": 200, "status_text": "Неправильный api_id"}
    if fields.get("json") != "1":
        return 200, b"100\n000000-10000000\nbalance=4.4"
    number = fields["to"]
    return 200, {
        "status": "OK",
        "status_code": 100,
        "sms": {number: {"status": "OK", "status_code": 100, "sms_id": "000000-10000000"}},
        "balance": 4.4,
    }


@pytest.fixture
def provider(fake_provider: FakeProvider, settings: Any) -> FakeProvider:
    settings.SMS_BACKEND = "smsru"
    settings.SMS_SENDER = ""
    fake_provider.reply = smsru
    return fake_provider


def test_send_carries_api_id_and_fields(provider: FakeProvider) -> None:
    transport = get_sms_transport()
    assert isinstance(transport, SmsRu)
    assert transport.send(to="+79251234567", text="Пароль изменён & ok") == "000000-10000000"
    [request] = provider.requests
    assert request.path == "/sms/send"
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert form(request) == {
        "api_id": "test-token",
        "to": "79251234567",
        "msg": "Пароль изменён & ok",
        "json": "1",
    }


def test_sender_is_sent_when_configured(provider: FakeProvider, settings: Any) -> None:
    settings.SMS_SENDER = "Vodokanal"
    SmsRu().send(to=PHONE, text="Hi")
    assert form(provider.requests[0])["from"] == "Vodokanal"


def test_wrong_api_id_is_permanent(provider: FakeProvider, settings: Any) -> None:
    settings.SMS_API_TOKEN = "wrong"
    with pytest.raises(DeliveryError) as caught:
        SmsRu().send(to=PHONE, text="Hi")
    assert caught.value.retryable is False
    assert "SMS.ru 200" in str(caught.value)


def test_missing_api_id_is_permanent_without_a_request(
    provider: FakeProvider, settings: Any
) -> None:
    settings.SMS_API_TOKEN = ""
    with pytest.raises(DeliveryError) as caught:
        SmsRu().send(to=PHONE, text="Hi")
    assert caught.value.retryable is False
    assert provider.requests == []


def per_number(code: int) -> dict[str, Any]:
    return {
        "status": "OK",
        "status_code": 100,
        "sms": {"380501234567": {"status": "ERROR", "status_code": code, "status_text": "…"}},
        "balance": 4.4,
    }


@pytest.mark.parametrize(
    ("status", "body", "retryable"),
    [
        (200, {"status": "ERROR", "status_code": 301, "status_text": "…"}, False),
        (200, {"status": "ERROR", "status_code": 300, "status_text": "…"}, False),
        (200, {"status": "ERROR", "status_code": 220, "status_text": "…"}, True),
        (200, {"status": "ERROR", "status_code": 201, "status_text": "…"}, True),
        (200, {"status": "ERROR", "status_code": 500, "status_text": "…"}, True),
        (200, per_number(202), False),  # bad number
        (200, per_number(207), False),  # no route to the number
        (200, per_number(209), False),  # stop list
        (200, per_number(204), False),  # sender not approved
        (200, per_number(231), True),  # same message too often: later
        (500, b"Internal Server Error", True),
        (503, b"Service Unavailable", True),
        (401, b"", False),
        (200, b"not json", True),
    ],
)
def test_answers_map_to_retryable_or_permanent(
    provider: FakeProvider, status: int, body: Any, retryable: bool
) -> None:
    provider.reply = lambda request: (status, body)
    with pytest.raises(DeliveryError) as caught:
        SmsRu().send(to=PHONE, text="Code 482913")
    assert caught.value.retryable is retryable
    assert "482913" not in str(caught.value)


def test_timeout_is_retryable(provider: FakeProvider, settings: Any) -> None:
    settings.SMS_TIMEOUT = 0.2
    provider.delay = 0.6
    with pytest.raises(DeliveryError) as caught:
        SmsRu().send(to=PHONE, text="Hi")
    assert caught.value.retryable is True


def test_base_url_defaults_to_the_provider(settings: Any) -> None:
    from kabinet.notify.transports.base import sms_api_url
    from kabinet.notify.transports.smsru import DEFAULT_URL

    settings.SMS_API_URL = ""
    assert sms_api_url(DEFAULT_URL) == "https://sms.ru"
    settings.SMS_API_URL = "file:///etc/passwd"
    with pytest.raises(DeliveryError):
        sms_api_url(DEFAULT_URL)
