"""E-mail: rendered in the recipient's language, sent through Django's backend, SMTP retried."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend

from kabinet.core import testing
from kabinet.notify.models import Channel, OutboxMessage, Status
from kabinet.notify.services import message_render_and_queue

from .conftest import PHONE

pytestmark = pytest.mark.django_db

CHANGED = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


def password_changed(on_commit: Any, *, channel: str, recipient: str, language: str) -> Any:
    with on_commit(execute=True):
        message = message_render_and_queue(
            channel=channel,
            recipient=recipient,
            purpose="password_changed",
            context={"time": CHANGED},
            language=language,
        )
    message.refresh_from_db()
    return message


@pytest.mark.parametrize("language", ["uk", "ru", "en"])
def test_password_changed_email_in_each_language(
    language: str, django_capture_on_commit_callbacks: Any
) -> None:
    testing.make_utility(short_name="Gas & Co", legal_name="Gas & Co LLC")
    message = password_changed(
        django_capture_on_commit_callbacks,
        channel=Channel.EMAIL,
        recipient="olena@example.com",
        language=language,
    )
    assert message.status == Status.SENT
    assert message.language == language
    [email] = mail.outbox
    assert isinstance(email, EmailMultiAlternatives)
    assert email.to == ["olena@example.com"]
    assert email.subject == message.subject
    assert "Gas & Co" in email.subject and "\n" not in email.subject
    assert "Gas & Co" in email.body and "&amp;" not in email.body  # plain text is not escaped
    assert "0536 70 12 12" in email.body  # the utility's first contact number
    assert "2025" in email.body
    assert email.extra_headers["Message-ID"] == message.provider_message_id
    [(content, mimetype)] = email.alternatives
    assert mimetype == "text/html"
    html = str(content)
    assert f'<html lang="{language}">' in html
    assert "Gas &amp; Co" in html  # HTML is escaped
    assert "0536 70 12 12" in html


def test_english_wording(django_capture_on_commit_callbacks: Any) -> None:
    testing.make_utility(short_name="Vodokanal", contact_phones="0 800 30 12 12")
    message = password_changed(
        django_capture_on_commit_callbacks, channel=Channel.SMS, recipient=PHONE, language="en"
    )
    assert message.text.startswith("Your password for the personal cabinet of Vodokanal was")
    assert message.text.endswith("If it was not you, call 0 800 30 12 12.")
    assert "\n" not in message.text


@pytest.mark.parametrize("language", ["uk", "ru", "en"])
def test_password_changed_sms_is_one_unescaped_line(
    language: str, django_capture_on_commit_callbacks: Any
) -> None:
    testing.make_utility(short_name="Gas & Co")
    message = password_changed(
        django_capture_on_commit_callbacks, channel=Channel.SMS, recipient=PHONE, language=language
    )
    assert message.subject == message.html == ""
    assert "Gas & Co" in message.text and "&amp;" not in message.text
    assert "0536 70 12 12" in message.text
    assert "\n" not in message.text


def test_without_a_contact_phone(django_capture_on_commit_callbacks: Any) -> None:
    testing.make_utility(contact_phones="")
    message = password_changed(
        django_capture_on_commit_callbacks, channel=Channel.SMS, recipient=PHONE, language="en"
    )
    assert message.text.endswith("If it was not you, contact us at once.")


class DownBackend(BaseEmailBackend):
    error: ClassVar[Exception] = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    def send_messages(self, email_messages: Any) -> int:
        raise self.error


def test_smtp_error_is_retried(settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    testing.make_utility()
    settings.EMAIL_BACKEND = f"{__name__}.DownBackend"
    message = password_changed(
        django_capture_on_commit_callbacks,
        channel=Channel.EMAIL,
        recipient="olena@example.com",
        language="uk",
    )
    assert message.status == Status.QUEUED
    assert message.last_error == "SMTP SMTPServerDisconnected (retryable)"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (
            smtplib.SMTPRecipientsRefused({"olena@example.com": (550, b"No such user")}),
            Status.FAILED,
        ),
        (smtplib.SMTPRecipientsRefused({"olena@example.com": (451, b"Try later")}), Status.QUEUED),
        (smtplib.SMTPDataError(421, b"Busy"), Status.QUEUED),
        (ConnectionRefusedError(111, "Connection refused"), Status.QUEUED),
    ],
)
def test_smtp_errors_map(
    error: Exception,
    status: str,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    testing.make_utility()
    settings.EMAIL_BACKEND = f"{__name__}.DownBackend"
    monkeypatch.setattr(DownBackend, "error", error)
    message = password_changed(
        django_capture_on_commit_callbacks,
        channel=Channel.EMAIL,
        recipient="olena@example.com",
        language="uk",
    )
    assert message.status == status
    assert "olena" not in message.last_error
    assert OutboxMessage.objects.count() == 1
