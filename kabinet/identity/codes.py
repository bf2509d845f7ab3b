"""One-time codes: issue (with send throttling) and verify (with a try limit).

SECURITY.md 9-12: six digits from `secrets`, valid ten minutes, single use, bound to purpose,
recipient and the pending operation, only a keyed hash stored, at most five wrong tries, a
resend invalidates the previous code, sending throttled per phone, per IP and globally, and
neither codes nor full phone numbers in logs.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from kabinet.core.audit import audit, client_ip
from kabinet.core.ratelimit import Throttle
from kabinet.notify.masking import mask_recipient
from kabinet.notify.models import Channel
from kabinet.notify.services import message_render_and_queue

from .models import OneTimeCode, User

logger = logging.getLogger("kabinet.identity")

SMS_CODE_TTL = timedelta(minutes=10)
EMAIL_CODE_TTL = timedelta(days=7)
MAX_WRONG_TRIES = 5
RESEND_COOL_DOWN = 60  # seconds before the same recipient can ask again

PER_RECIPIENT = Throttle("code-recipient", limit=5, window=3600)
PER_IP = Throttle("code-ip", limit=20, window=3600)
GLOBAL = Throttle(
    "code-global", limit=int(getattr(settings, "SMS_GLOBAL_PER_HOUR", 2000)), window=3600
)
COOL_DOWN = Throttle("code-cooldown", limit=1, window=RESEND_COOL_DOWN)


class CodeThrottled(Exception):
    """Too many codes asked for; the person should try again later."""


def _hash(*, purpose: str, recipient: str, operation: str, code: str) -> str:
    message = f"{purpose}\x1f{recipient}\x1f{operation}\x1f{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _new_code(channel: str) -> str:
    if channel == Channel.SMS:
        return f"{secrets.randbelow(10**6):06d}"
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
    return "".join(secrets.choice(alphabet) for _ in range(10))


def code_issue(
    *,
    purpose: str,
    channel: str,
    recipient: str,
    request: HttpRequest | None,
    user: User | None = None,
    operation: str = "",
    payload: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    language: str | None = None,
) -> OneTimeCode:
    """Create a code and queue its message in one transaction; raises CodeThrottled."""
    ip = (client_ip(request) if request else None) or "-"
    if not COOL_DOWN.allowed(f"{purpose}:{recipient}"):
        raise CodeThrottled
    if not (PER_RECIPIENT.hit(recipient) and PER_IP.hit(ip) and GLOBAL.hit("all")):
        logger.warning("code throttled for %s", mask_recipient(channel, recipient))
        raise CodeThrottled
    COOL_DOWN.hit(f"{purpose}:{recipient}")
    code = _new_code(channel)
    ttl = SMS_CODE_TTL if channel == Channel.SMS else EMAIL_CODE_TTL
    with transaction.atomic():
        OneTimeCode.objects.filter(
            purpose=purpose, recipient=recipient, used_at__isnull=True, revoked=False
        ).update(revoked=True)
        otc = OneTimeCode.objects.create(
            purpose=purpose,
            recipient=recipient,
            user=user,
            operation=operation,
            payload=payload or {},
            code_hash=_hash(purpose=purpose, recipient=recipient, operation=operation, code=code),
            expires_at=timezone.now() + ttl,
        )
        message_render_and_queue(
            channel=channel,
            recipient=recipient,
            purpose=f"code_{purpose}",
            context={**(context or {}), "code": code, "minutes": int(ttl.total_seconds() // 60)},
            language=language,
            sensitive=True,
        )
        audit("code.issued", request=request, actor=user, obj=otc, purpose=purpose)
    return otc


def code_verify(
    *, purpose: str, recipient: str, code: str, operation: str = "", request: HttpRequest | None
) -> OneTimeCode | None:
    """The matching live code, now used up; None if wrong, expired, used or out of tries.

    Runs in its own transaction with the row locked, so two concurrent tries cannot both use
    one code nor both escape the try counter.
    """
    code = "".join(code.split()).upper()
    with transaction.atomic():
        otc = (
            OneTimeCode.objects.select_for_update()
            .filter(purpose=purpose, recipient=recipient, used_at__isnull=True, revoked=False)
            .order_by("-created_at")
            .first()
        )
        if otc is None or otc.expires_at <= timezone.now() or otc.attempts >= MAX_WRONG_TRIES:
            audit("code.refused", request=request, purpose=purpose)
            return None
        expected = _hash(purpose=purpose, recipient=recipient, operation=operation, code=code)
        if not hmac.compare_digest(expected, otc.code_hash):
            otc.attempts += 1
            otc.save(update_fields=["attempts"])
            audit("code.wrong", request=request, obj=otc, purpose=purpose, tries=otc.attempts)
            return None
        otc.used_at = timezone.now()
        otc.save(update_fields=["used_at"])
        audit("code.used", request=request, actor=otc.user, obj=otc, purpose=purpose)
    return otc
