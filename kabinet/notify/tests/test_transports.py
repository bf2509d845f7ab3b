"""Choosing a transport by settings, and the console one of the demo."""

from __future__ import annotations

import io
from typing import Any

import pytest

from kabinet.notify.transports import SmsTransport, get_sms_transport
from kabinet.notify.transports.console import ConsoleSms
from kabinet.notify.transports.fake import FakeSms
from kabinet.notify.transports.smsru import SmsRu
from kabinet.notify.transports.turbosms import TurboSms

from .conftest import PHONE


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("console", ConsoleSms),
        ("fake", FakeSms),
        ("turbosms", TurboSms),
        ("TurboSMS", TurboSms),
        ("smsru", SmsRu),
        ("kabinet.notify.transports.fake.FakeSms", FakeSms),
    ],
)
def test_backend_by_alias_or_dotted_path(settings: Any, name: str, cls: type) -> None:
    settings.SMS_BACKEND = name
    assert type(get_sms_transport()) is cls


def test_backend_must_be_a_transport(settings: Any) -> None:
    settings.SMS_BACKEND = "kabinet.notify.transports.base.DeliveryError"
    with pytest.raises(TypeError):
        get_sms_transport()


def test_base_class_is_abstract() -> None:
    with pytest.raises(NotImplementedError):
        SmsTransport().send(to=PHONE, text="Hi")


def test_console_prints_the_whole_message() -> None:
    stream = io.StringIO()
    message_id = ConsoleSms(stream=stream).send(to=PHONE, text="Your code: 482913")
    output = stream.getvalue()
    assert PHONE in output and "Your code: 482913" in output and message_id in output


def test_console_is_the_default(settings: Any, capsys: pytest.CaptureFixture[str]) -> None:
    del settings.SMS_BACKEND
    transport = get_sms_transport()
    assert isinstance(transport, ConsoleSms)
    transport.send(to=PHONE, text="Hello")
    assert "Hello" in capsys.readouterr().out
