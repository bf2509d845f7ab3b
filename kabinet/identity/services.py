"""Write-side logic of identity: keyword-only functions, each in one transaction with its audit.

None of them tells a caller whether a phone or login is known: the answers and the work done
are the same either way (SECURITY.md 6).
"""

from __future__ import annotations

import logging
import secrets
import time

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.module_loading import import_string

from kabinet.core.audit import audit, client_ip
from kabinet.core.ratelimit import Backoff, Throttle
from kabinet.notify.models import Channel
from kabinet.notify.services import message_render_and_queue

from .codes import code_issue, code_verify
from .models import OneTimeCode, User, UserSession

logger = logging.getLogger("kabinet.identity")

LOGIN_BACKOFF = Backoff("login")
LOGIN_PER_IP = Throttle("login-ip", limit=100, window=900)
SESSION_STARTED = "kabinet_started"
SESSION_SEEN = "kabinet_seen"  # when the idle timeout was last moved forward


class LoginDelayed(Exception):
    def __init__(self, seconds: int) -> None:
        super().__init__(seconds)
        self.seconds = seconds


# --- Sessions --------------------------------------------------------------------------------


def session_start(*, request: HttpRequest, user: User, how: str) -> None:
    """Log in: a new session key, the start time for the absolute timeout, a session record."""
    login(request, user, backend="kabinet.identity.backends.IdentifierBackend")
    request.session[SESSION_STARTED] = request.session[SESSION_SEEN] = int(time.time())
    request.session.save()
    UserSession.objects.create(
        user=user,
        session_key=request.session.session_key or "",
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
    )
    audit("login.success", request=request, actor=user, obj=user, how=how)


def sessions_end_others(*, user: User, keep: str | None) -> int:
    """End every session of the user on the server, but the one with key `keep`."""
    engine = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    ended = 0
    for record in UserSession.objects.filter(user=user).exclude(session_key=keep or ""):
        store: SessionBase = engine(session_key=record.session_key)
        store.delete()
        record.delete()
        ended += 1
    return ended


def sessions_end_current(*, request: HttpRequest) -> None:
    key = request.session.session_key
    if key:
        UserSession.objects.filter(session_key=key).delete()
    if request.user.is_authenticated:
        audit("logout", request=request, obj=request.user)


# --- Login -------------------------------------------------------------------------------------


def _login_subjects(users: list[User], identifier: str) -> list[str]:
    # One counter per account, whichever identifier named it; an unknown identifier gets a
    # counter of its own, so the delays look the same for known and unknown logins.
    return [f"user:{u.pk}" for u in users] or [f"id:{identifier.strip().lower()}"]


def login_check_delay(*, request: HttpRequest, users: list[User], identifier: str) -> None:
    """Raise LoginDelayed if this account or this address must wait before another try."""
    wait = max(LOGIN_BACKOFF.wait_seconds(s) for s in _login_subjects(users, identifier))
    if not LOGIN_PER_IP.allowed(client_ip(request) or "-"):
        wait = max(wait, LOGIN_PER_IP.window)
    if wait:
        raise LoginDelayed(wait)


def login_failed(*, request: HttpRequest, users: list[User], identifier: str) -> None:
    for subject in _login_subjects(users, identifier):
        LOGIN_BACKOFF.fail(subject)
    LOGIN_PER_IP.hit(client_ip(request) or "-")
    audit("login.failed", request=request, candidates=len(users))


def login_succeeded(*, user: User) -> None:
    LOGIN_BACKOFF.succeed(f"user:{user.pk}")


# --- Household sign-up by phone (Kremenchukgaz) -----------------------------------------------


def pending_signup_by_phone(
    *, phone: str, password: str, request: HttpRequest, flow: str, payload: dict[str, object]
) -> None:
    """Create (or refresh) an inactive user with this phone as login and text the activation
    code; `payload` travels with the code to the confirmation.

    If the phone already belongs to an active user, that person gets an SMS saying so instead
    of a code; the visitor sees the same "code sent" page either way.
    """
    language = getattr(request, "LANGUAGE_CODE", None)
    with transaction.atomic():
        existing = User.objects.select_for_update().filter(phone=phone).first()
        if existing is not None and existing.is_active:
            message_render_and_queue(
                channel=Channel.SMS,
                recipient=phone,
                purpose="already_registered",
                context={},
                language=language,
            )
            audit("signup.phone_taken", request=request, obj=existing, flow=flow)
            return
        user = existing or User(username=phone, phone=phone, is_active=False)
        if User.objects.filter(username=user.username).exclude(pk=user.pk).exists():
            user.username = f"{phone}-{secrets.token_hex(3)}"  # a phone once changed away
        user.password = make_password(password)
        user.language = language or ""
        user.save()
        audit("signup.started", request=request, actor=user, obj=user, flow=flow)
    code_issue(
        purpose=OneTimeCode.Purpose.SIGNUP,
        channel=Channel.SMS,
        recipient=phone,
        user=user,
        operation=f"user:{user.pk}",
        payload=payload,
        request=request,
        language=language,
    )


def signup_by_phone(*, phone: str, password: str, request: HttpRequest) -> None:
    """Kremenchukgaz: the household's phone is the login."""
    pending_signup_by_phone(
        phone=phone, password=password, request=request, flow="phone", payload={}
    )


def signup_confirm(*, phone: str, code: str, request: HttpRequest) -> User | None:
    """Activate the account the code was sent for; None if the code does not fit."""
    pending = User.objects.filter(phone=phone, is_active=False).first()
    operation = f"user:{pending.pk}" if pending else ""
    otc = code_verify(
        purpose=OneTimeCode.Purpose.SIGNUP,
        recipient=phone,
        code=code,
        operation=operation,
        request=request,
    )
    if otc is None or pending is None:
        return None
    with transaction.atomic():
        pending.is_active = True
        pending.save(update_fields=["is_active"])
        audit("signup.completed", request=request, actor=pending, obj=pending, flow="phone")
    return pending


def code_resend(*, purpose: str, phone: str, request: HttpRequest) -> None:
    """Send a fresh code for the pending operation (the old one stops working). Raises
    CodeThrottled during the cool-down. Nothing is sent when nothing is pending."""
    latest = (
        OneTimeCode.objects.filter(purpose=purpose, recipient=phone, used_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if latest is None:
        return
    code_issue(
        purpose=purpose,
        channel=Channel.SMS,
        recipient=phone,
        user=latest.user,
        operation=latest.operation,
        payload=latest.payload,
        request=request,
        language=getattr(request, "LANGUAGE_CODE", None),
    )


# --- Recovery by SMS (Kremenchukgaz, DTEK) ------------------------------------------------------


def recovery_by_sms_start(*, phone: str, password: str, request: HttpRequest) -> None:
    """Text a code that will set this new password. Unknown phones get no SMS, the same page."""
    user = User.objects.filter(phone=phone).first()
    if user is None:
        make_password(password)  # the same work either way
        audit("recovery.unknown", request=request)
        return
    code_issue(
        purpose=OneTimeCode.Purpose.RESET,
        channel=Channel.SMS,
        recipient=phone,
        user=user,
        operation=f"user:{user.pk}",
        payload={"password": make_password(password)},
        request=request,
        language=user.language or getattr(request, "LANGUAGE_CODE", None),
    )


def recovery_by_sms_confirm(*, phone: str, code: str, request: HttpRequest) -> User | None:
    """Set the password chosen at the start; the phone is proven, so a pending sign-up is
    activated too (the guide's "no SMS? use recovery"). No automatic login (SECURITY.md 14)."""
    user = User.objects.filter(phone=phone).first()
    otc = code_verify(
        purpose=OneTimeCode.Purpose.RESET,
        recipient=phone,
        code=code,
        operation=f"user:{user.pk}" if user else "",
        request=request,
    )
    if otc is None or user is None:
        return None
    with transaction.atomic():
        user.password = otc.payload["password"]
        user.is_active = True
        user.must_change_password = False
        user.save(update_fields=["password", "is_active", "must_change_password"])
        sessions_end_others(user=user, keep=None)
        audit("recovery.completed", request=request, actor=user, obj=user, channel="sms")
    return user


# --- Password change --------------------------------------------------------------------------


def notice_send(*, user: User, purpose: str) -> None:
    """Tell the person something happened to their account: by e-mail when we have one (it is
    free), else by SMS; nothing when neither is known."""
    channel, recipient = (
        (Channel.EMAIL, user.email) if user.email else (Channel.SMS, user.phone or "")
    )
    if recipient:
        message_render_and_queue(
            channel=channel,
            recipient=recipient,
            purpose=purpose,
            context={"time": timezone.now()},
            language=user.language or None,
        )


def password_change(*, user: User, password: str, request: HttpRequest) -> None:
    """Set a new password, end the user's other sessions and tell them (SECURITY.md 4)."""
    from django.contrib.auth import update_session_auth_hash

    with transaction.atomic():
        user.set_password(password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        update_session_auth_hash(request, user)
        sessions_end_others(user=user, keep=request.session.session_key)
        notice_send(user=user, purpose="password_changed")
        audit("password.changed", request=request, actor=user, obj=user)
