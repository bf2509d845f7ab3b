"""DRSK, KrasKom: password recovery by a link e-mailed to the address the person gave us.

SECURITY.md 14: the link is built from settings.SITE_URL (never the Host header), works once
(its signature covers the password hash and the last login, both of which change) and for at
most an hour, the page it opens sends no Referer, and setting the password does not log in.
SECURITY.md 6: a known and an unknown login get the same page, and nobody learns whether an
e-mail went out.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from kabinet.core.audit import audit, client_ip
from kabinet.core.models import UtilityProfile
from kabinet.core.ratelimit import Throttle
from kabinet.customers.models import CustomerKind
from kabinet.notify.models import Channel
from kabinet.notify.services import message_render_and_queue

from .backends import users_for_identifier
from .forms import EmailRecoveryForm, SetPasswordForm
from .models import User
from .services import sessions_end_others

RESET_SECONDS = 3600  # SECURITY.md 14: at most an hour, whatever PASSWORD_RESET_TIMEOUT says
LINKS_PER_USER = Throttle("recovery-email-user", limit=3, window=3600)
REQUESTS_PER_IP = Throttle("recovery-email-ip", limit=20, window=3600)
SESSION_KEY = "identity_recovery_email"  # the token, once moved out of the address bar
URL_TOKEN = "set-password"  # noqa: S105 - stands for the token in the address after the redirect


class LinkTokens(PasswordResetTokenGenerator):
    """Django's signed, stateless link tokens, with a lifetime (seconds) of their own instead
    of the site-wide PASSWORD_RESET_TIMEOUT."""

    timeout = RESET_SECONDS

    def lifetime(self) -> int:
        return self.timeout

    def check_token(self, user: Any, token: str | None) -> bool:
        if not (user and token):
            return False
        try:
            ts_b36, _signature = token.split("-")
            timestamp = base36_to_int(ts_b36)
        except ValueError:
            return False
        signed = any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )
        age = self._num_seconds(self._now()) - timestamp
        return signed and 0 <= age <= self.lifetime()


class ResetTokens(LinkTokens):
    key_salt = "kabinet.identity.recovery_email"

    def lifetime(self) -> int:
        return min(RESET_SECONDS, int(settings.PASSWORD_RESET_TIMEOUT))


reset_tokens = ResetTokens()


def user_link(*, name: str, user: User, token: str) -> str:
    """An absolute link from the configured site address, never from the request's Host."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return settings.SITE_URL + reverse(name, kwargs={"uidb64": uidb64, "token": token})


def user_from_uidb64(uidb64: str) -> User | None:
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    return User.objects.filter(pk=pk).first()


# --- Form --------------------------------------------------------------------------------------


class RecoveryEmailForm(EmailRecoveryForm):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[
            (CustomerKind.INDIVIDUAL, gettext_lazy("Individual")),
            (CustomerKind.COMPANY, gettext_lazy("Legal entity or sole proprietor")),
        ],
    )
    field_order = ["status", "identifier"]

    def __init__(self, *args: Any, profile: UtilityProfile, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not profile.login_status_select:
            del self.fields["status"]
        self.fields["identifier"].widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        )


# --- Services ----------------------------------------------------------------------------------


def recovery_by_email_start(*, identifier: str, status: str, request: HttpRequest) -> None:
    """E-mail a reset link if the login names exactly one active user with an e-mail.

    Nothing tells the caller which way it went; the limits only drop links silently.
    """
    candidates = [
        user for user in users_for_identifier(identifier, status=status) if user.is_active
    ]
    user = candidates[0] if len(candidates) == 1 and candidates[0].email else None
    if not REQUESTS_PER_IP.hit(client_ip(request) or "-"):
        audit("recovery.throttled", request=request, channel="email")
        return
    if user is None:
        audit("recovery.unknown", request=request, channel="email", candidates=len(candidates))
        return
    if not LINKS_PER_USER.hit(str(user.pk)):
        audit("recovery.throttled", request=request, obj=user, channel="email")
        return
    with transaction.atomic():
        message_render_and_queue(
            channel=Channel.EMAIL,
            recipient=user.email,
            purpose="recovery_email_link",
            context={
                "link": user_link(
                    name="identity:recovery_email_link",
                    user=user,
                    token=reset_tokens.make_token(user),
                ),
                "minutes": reset_tokens.lifetime() // 60,
                "username": user.get_username(),
            },
            language=user.language or getattr(request, "LANGUAGE_CODE", None),
            sensitive=True,
        )
        audit("recovery.link_sent", request=request, actor=user, obj=user, channel="email")


def recovery_by_email_complete(*, user: User, password: str, request: HttpRequest) -> None:
    """Set the new password, end every session of the user and tell them (no login here)."""
    with transaction.atomic():
        user.set_password(password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        sessions_end_others(user=user, keep=None)
        message_render_and_queue(
            channel=Channel.EMAIL,
            recipient=user.email,
            purpose="password_changed",
            context={"time": timezone.now()},
            language=user.language or getattr(request, "LANGUAGE_CODE", None),
        )
        audit("recovery.completed", request=request, actor=user, obj=user, channel="email")


# --- Views -------------------------------------------------------------------------------------


@never_cache
def recovery_email(request: HttpRequest) -> HttpResponse:
    profile = UtilityProfile.get()
    if not profile.recovery_by_email:
        return redirect("identity:recovery")
    form = RecoveryEmailForm(request.POST or None, profile=profile)
    if request.method == "POST" and form.is_valid():
        recovery_by_email_start(
            identifier=form.cleaned_data["identifier"],
            status=form.cleaned_data.get("status", ""),
            request=request,
        )
        return redirect("identity:recovery_email_sent")
    return render(request, "identity/recovery_email.html", {"form": form})


def recovery_email_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "identity/recovery_email_sent.html", {"profile": UtilityProfile.get()})


@never_cache
@sensitive_post_parameters("password1", "password2")
def recovery_email_link(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Open the e-mailed link: the token moves into the session and out of the address bar
    (as Django's own reset view does), then the new password is set on the clean address.

    The address with the token sends no Referer anywhere. The clean page keeps the site's
    same-origin policy: under no-referrer browsers send `Origin: null` with the form, which
    CSRF protection rightly refuses, and there is no secret in that address to leak.
    """
    if token != URL_TOKEN:
        request.session[SESSION_KEY] = token
        response = redirect("identity:recovery_email_link", uidb64=uidb64, token=URL_TOKEN)
        response["Referrer-Policy"] = "no-referrer"
        return response
    user = user_from_uidb64(uidb64)
    token = request.session.get(SESSION_KEY, "")
    if user is None or not user.is_active or not reset_tokens.check_token(user, token):
        invalid = render(request, "identity/recovery_email_invalid.html")
        invalid["Referrer-Policy"] = "no-referrer"
        return invalid
    form = SetPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        recovery_by_email_complete(
            user=user, password=form.cleaned_data["password1"], request=request
        )
        del request.session[SESSION_KEY]
        messages.success(request, _("Your new password is set. Log in with it."))
        return redirect("identity:login")
    return render(request, "identity/recovery_email_set.html", {"form": form})


urlpatterns: list[URLPattern] = [
    path("recovery/email/", recovery_email, name="recovery_email"),
    path("recovery/email/sent/", recovery_email_sent, name="recovery_email_sent"),
    path(
        "recovery/email/<uidb64>/<str:token>/",
        recovery_email_link,
        name="recovery_email_link",
    ),
]
