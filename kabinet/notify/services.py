"""Queue messages: call these inside the transaction of the action that causes the message.

    message_render_and_queue(channel="sms", recipient=user.phone, purpose="password_changed",
                             context={"time": timezone.now()}, language=user.language)

The message row is saved in the caller's transaction; delivery is enqueued after the commit, so
a rolled-back action sends nothing and a committed one is never lost (the sweep re-enqueues
what the queue drops).
"""

from __future__ import annotations

import logging
import re
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation

from kabinet.core.audit import audit
from kabinet.core.models import UtilityProfile

from .masking import mask_recipient
from .models import Channel, OutboxMessage, Status
from .tasks import enqueue_after_commit

logger = logging.getLogger("kabinet.notify")

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def _check_recipient(channel: str, recipient: str) -> None:
    if channel == Channel.SMS:
        if not E164.match(recipient):
            raise ValueError("an SMS recipient must be a phone number in E.164 (+380…)")
    elif channel == Channel.EMAIL:
        try:
            validate_email(recipient)
        except ValidationError:
            raise ValueError("an e-mail recipient must be an e-mail address") from None
    else:
        raise ValueError(f"unknown channel {channel!r}")


def message_queue(
    *,
    channel: str,
    recipient: str,
    purpose: str,
    subject: str = "",
    text: str,
    html: str = "",
    sensitive: bool = False,
    language: str | None = None,
) -> OutboxMessage:
    """Save one message in the current transaction; deliver it once that commits."""
    recipient = recipient.strip()
    _check_recipient(channel, recipient)
    if not text.strip():
        raise ValueError("a message needs a text")
    now = timezone.now()
    message = OutboxMessage.objects.create(
        channel=channel,
        recipient=recipient,
        purpose=purpose,
        subject=" ".join(subject.split())[:200],
        text=text,
        html=html,
        sensitive=sensitive,
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
        status=Status.QUEUED,
        next_attempt_at=now,
        enqueued_at=now,
    )
    enqueue_after_commit(message.pk)
    logger.info(
        "message %s queued: %s %s to %s",
        message.pk,
        channel,
        purpose,
        mask_recipient(channel, recipient),
    )
    return message


def _render_text(name: str, context: dict[str, Any]) -> str:
    """A plain-text template, rendered without HTML escaping (an SMS shows `&`, not `&amp;`)."""
    template = cast(Any, get_template(name)).template
    return str(template.render(Context(context, autoescape=False))).strip()


def _default_context(context: dict[str, Any]) -> dict[str, Any]:
    """Every template may use `utility` (the profile), `contact_phone` (its first number) and
    `now`."""
    values = dict(context)
    values.setdefault("now", timezone.now())
    utility = values.setdefault("utility", UtilityProfile.get())
    if "contact_phone" not in values:
        lines = utility.phone_lines() if isinstance(utility, UtilityProfile) else []
        values["contact_phone"] = lines[0][1] if lines else ""
    return values


def message_render_and_queue(
    *,
    channel: str,
    recipient: str,
    purpose: str,
    context: dict[str, Any],
    language: str | None,
    sensitive: bool = False,
) -> OutboxMessage:
    """Render `notify/<purpose>.sms.txt` (SMS) or `notify/<purpose>.subject.txt`,
    `notify/<purpose>.txt` and, when it exists, `notify/<purpose>.html` (e-mail) in the
    recipient's language, then queue the message."""
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        values = _default_context(context)
        if channel == Channel.SMS:
            subject, html = "", ""
            text = _render_text(f"notify/{purpose}.sms.txt", values)
        else:
            subject = _render_text(f"notify/{purpose}.subject.txt", values)
            text = _render_text(f"notify/{purpose}.txt", values)
            try:
                html = render_to_string(f"notify/{purpose}.html", values)
            except TemplateDoesNotExist:
                html = ""
    return message_queue(
        channel=channel,
        recipient=recipient,
        purpose=purpose,
        subject=subject,
        text=text,
        html=html,
        sensitive=sensitive,
        language=language,
    )


def message_retry(*, message: OutboxMessage, request: HttpRequest | None = None) -> bool:
    """Give a failed message a fresh set of attempts, now, and audit who asked for it.
    False if the message was not failed."""
    with transaction.atomic():
        locked = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        if locked.status != Status.FAILED:
            return False
        now = timezone.now()
        locked.status = Status.QUEUED
        locked.attempts = 0
        locked.next_attempt_at = now
        locked.enqueued_at = now
        locked.save(
            update_fields=["status", "attempts", "next_attempt_at", "enqueued_at", "updated_at"]
        )
        audit("notify.message_retried", request=request, obj=locked, purpose=locked.purpose)
        enqueue_after_commit(locked.pk)
    logger.info("message %s queued again by staff", locked.pk)
    return True
