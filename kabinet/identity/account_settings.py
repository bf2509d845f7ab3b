"""Settings → Account (the DTEK guide's "Настройки → Аккаунт").

Login and contacts; a change of phone or e-mail after the current password (SECURITY.md 13),
applied only once a code sent to the new contact comes back, with a notice to the old one;
the sessions where the person is logged in, each of which they can end; the consent given
and its withdrawal, with a request for erasure; and a download of their data (JSON).
Password change and logout live in views.py.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.decorators import login_required
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST, require_safe

from kabinet.core.audit import audit
from kabinet.core.models import AuditEvent
from kabinet.customers.models import AccountLink
from kabinet.notify.masking import mask_phone, mask_recipient
from kabinet.notify.models import Channel
from kabinet.notify.services import message_render_and_queue

from . import services
from .codes import CodeThrottled, code_issue, code_verify
from .forms import KabinetForm, PhoneField
from .models import ConsentGrant, OneTimeCode, User, UserSession
from .office import account_address
from .texts import wait_text as _wait_text

PENDING = "identity_contact"  # session key: {"kind": "phone"|"email", "value": ..., "at": ...}
PENDING_SECONDS = 30 * 60
ERASURE_REQUESTED = "privacy.erasure_requested"
CHANNELS = {"phone": Channel.SMS, "email": Channel.EMAIL}


class ContactTaken(Exception):
    """The new phone belongs to another account (said only after its code came back)."""


# --- Services ----------------------------------------------------------------------------------


def _operation(user: User, kind: str) -> str:
    return f"contact:{user.pk}:{kind}"  # with the recipient (the new value): user + new value


def contact_change_start(*, user: User, kind: str, value: str, request: HttpRequest) -> None:
    """Send a code to the new phone (SMS) or e-mail; raises CodeThrottled."""
    code_issue(
        purpose=OneTimeCode.Purpose.CONTACT,
        channel=CHANNELS[kind],
        recipient=value,
        user=user,
        operation=_operation(user, kind),
        payload={"kind": kind},
        request=request,
        language=user.language or getattr(request, "LANGUAGE_CODE", None),
    )


def contact_change_confirm(
    *, user: User, kind: str, value: str, code: str, request: HttpRequest
) -> bool:
    """Apply the change if the code fits; tell the old contact. Raises ContactTaken."""
    otc = code_verify(
        purpose=OneTimeCode.Purpose.CONTACT,
        recipient=value,
        code=code,
        operation=_operation(user, kind),
        request=request,
    )
    if otc is None or otc.user_id != user.pk:
        return False
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        old_phone, old_email = locked.phone or "", locked.email
        if kind == "phone":
            if User.objects.filter(phone=value).exclude(pk=locked.pk).exists():
                audit("contact.taken", request=request, obj=locked, kind=kind)
                raise ContactTaken
            # A phone that was also the username moves with it, or the old number could
            # never sign up again (usernames are unique).
            if locked.username == old_phone and not User.objects.filter(username=value).exists():
                locked.username = value
            locked.phone = value
        else:
            locked.email = value
        locked.save(update_fields=["username", "phone", "email"])
        # The notice goes to the contact that was replaced, else to the other one.
        old = (old_phone, Channel.SMS) if kind == "phone" else (old_email, Channel.EMAIL)
        other = (old_email, Channel.EMAIL) if kind == "phone" else (old_phone, Channel.SMS)
        recipient, channel = old if old[0] else other
        if recipient:
            message_render_and_queue(
                channel=channel,
                recipient=recipient,
                purpose="contact_changed",
                context={"kind": kind, "new": mask_recipient(CHANNELS[kind], value)},
                language=locked.language or None,
            )
        audit(
            "contact.changed",
            request=request,
            obj=locked,
            kind=kind,
            new=mask_recipient(CHANNELS[kind], value),
        )
    user.refresh_from_db()
    return True


def _session_store() -> type[SessionBase]:
    return import_string(f"{settings.SESSION_ENGINE}.SessionStore")


def sessions_live(*, user: User) -> list[UserSession]:
    """The user's sessions that still exist in the session store, newest first."""
    store = _session_store()()
    return [r for r in user.session_records.all()[:50] if store.exists(r.session_key)][:20]


def session_end(*, user: User, pk: int, request: HttpRequest) -> bool:
    """End one of the user's other sessions, in the session store too."""
    with transaction.atomic():
        record = UserSession.objects.filter(user=user, pk=pk).first()
        if record is None or record.session_key == request.session.session_key:
            return False
        _session_store()(session_key=record.session_key).delete()
        record.delete()
        audit("session.ended", request=request, obj=user, ip=record.ip)
    return True


def consent_withdraw(*, user: User, pk: int, request: HttpRequest) -> ConsentGrant:
    with transaction.atomic():
        grant = get_object_or_404(ConsentGrant.objects.select_for_update(), user=user, pk=pk)
        if grant.withdrawn_at is None:
            grant.withdrawn_at = timezone.now()
            grant.save(update_fields=["withdrawn_at"])
            audit("consent.withdrawn", request=request, obj=grant, version=grant.text.version)
    return grant


def _erasure_requested_since(user: User, since: datetime) -> bool:
    return AuditEvent.objects.filter(
        action=ERASURE_REQUESTED, object_type="identity.user", object_id=str(user.pk), at__gte=since
    ).exists()


def erasure_request(*, user: User, request: HttpRequest) -> None:
    """Record the request for staff (once a day is enough); the law decides what is kept."""
    with transaction.atomic():
        if not _erasure_requested_since(user, timezone.now() - timedelta(days=1)):
            audit(ERASURE_REQUESTED, request=request, obj=user, customer_id=user.customer_id)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _pick(obj: Any, names: str) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in names.split()}


USER_FIELDS = "first_name last_name email phone kind tax_id snils language date_joined last_login"
CUSTOMER_FIELDS = "code kind name edrpou rnokpp inn ogrn snils email phone postal_address"


def my_data(*, user: User, current_key: str | None) -> dict[str, Any]:
    """Everything Kabinet keeps about the person; never password hashes, codes or keys."""
    links = AccountLink.objects.filter(user=user).select_related(
        "account__building__street__settlement", "account__apartment"
    )
    events = AuditEvent.objects.filter(
        Q(actor_id=user.pk) | Q(object_type="identity.user", object_id=str(user.pk))
    )[:1000]
    return {
        "generated_at": _plain(timezone.now()),
        "user": {"login": user.get_username(), **_pick(user, USER_FIELDS)},
        "customer": _pick(user.customer, CUSTOMER_FIELDS) if user.customer else None,
        "accounts": [
            {
                **_pick(link.account, "number service status"),
                "address": account_address(link.account),
                "name": link.nickname,
                "added": _plain(link.created_at),
            }
            for link in links
        ],
        "consents": [
            {"version": grant.text.version, **_pick(grant, "granted_at withdrawn_at ip")}
            for grant in user.consents.select_related("text")
        ],
        "sessions": [
            {
                **_pick(record, "created_at ip user_agent"),
                "this_session": record.session_key == current_key,
            }
            for record in user.session_records.all()
        ],
        "events": [
            {
                **_pick(event, "at action ip data"),
                "by": "you" if event.actor_id == user.pk else ("staff" if event.actor_id else ""),
            }
            for event in events
        ],
    }


# --- Forms -------------------------------------------------------------------------------------


class ReauthForm(KabinetForm):
    current = forms.CharField(
        label=gettext_lazy("Current password"),
        strip=False,
        help_text=gettext_lazy("We ask for it again before your contacts change."),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: User, request: HttpRequest, **kwargs: Any) -> None:
        self.user, self.request = user, request
        super().__init__(*args, **kwargs)

    def clean_current(self) -> str:
        current: str = self.cleaned_data["current"]
        login = self.user.get_username()
        try:  # the account's login delays apply here too: a stolen session cannot guess
            services.login_check_delay(request=self.request, users=[self.user], identifier=login)
        except services.LoginDelayed as delayed:
            raise forms.ValidationError(_wait_text(delayed.seconds), code="delayed") from None
        if not self.user.check_password(current):
            services.login_failed(request=self.request, users=[self.user], identifier=login)
            raise forms.ValidationError(_("The current password is not right."), code="wrong")
        return current


class PhoneChangeForm(ReauthForm):
    phone = PhoneField(
        label=gettext_lazy("New mobile phone"),
        help_text=gettext_lazy("We will send a code to it by SMS. For example +380 50 123 45 67."),
    )

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data["phone"]
        if phone == self.user.phone:
            raise forms.ValidationError(_("This is your phone already."), code="same")
        return phone


class EmailChangeForm(ReauthForm):
    email = forms.EmailField(
        label=gettext_lazy("New e-mail"),
        max_length=254,
        help_text=gettext_lazy("We will send a code to it. A real address: it serves recovery."),
    )

    def clean_email(self) -> str:
        email = BaseUserManager.normalize_email(self.cleaned_data["email"])
        if email.lower() == (self.user.email or "").lower():
            raise forms.ValidationError(_("This is your e-mail already."), code="same")
        return email


class ContactCodeForm(KabinetForm):
    code = forms.CharField(
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none"}),
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        field.label = _("Code from the SMS") if kind == "phone" else _("Code from the e-mail")
        if kind == "phone":
            field.widget.attrs["inputmode"] = "numeric"


# --- Views -------------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@never_cache
def account_settings(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "identity/settings.html",
        {
            "masked_phone": mask_phone(user.phone) if user.phone else "",
            "sessions": sessions_live(user=user),
            "current_key": request.session.session_key,
            "consents": user.consents.select_related("text"),
            "erasure_requested": _erasure_requested_since(
                user, timezone.now() - timedelta(days=30)
            ),
        },
    )


@login_required
@never_cache
@sensitive_post_parameters("current")
def contact_change(request: HttpRequest, kind: str) -> HttpResponse:
    user = _user(request)
    form_class = PhoneChangeForm if kind == "phone" else EmailChangeForm
    form = form_class(request.POST or None, user=user, request=request)
    if request.method == "POST" and form.is_valid():
        value = form.cleaned_data[kind]
        try:
            contact_change_start(user=user, kind=kind, value=value, request=request)
        except CodeThrottled:
            form.add_error(None, _wait_text(600))
        else:
            request.session[PENDING] = {"kind": kind, "value": value, "at": int(time.time())}
            return redirect("identity:settings_contact_confirm")
    return render(request, "identity/settings_contact.html", {"form": form, "kind": kind})


def _pending(request: HttpRequest) -> dict[str, Any] | None:
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    return dict(pending)


@login_required
@never_cache
def contact_confirm(request: HttpRequest) -> HttpResponse:
    user, pending = _user(request), _pending(request)
    if pending is None:
        messages.info(request, _("Start the change again: it was not finished in time."))
        return redirect("identity:settings")
    kind, value = pending["kind"], pending["value"]
    form = ContactCodeForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            done = contact_change_confirm(
                user=user, kind=kind, value=value, code=code, request=request
            )
        except ContactTaken:
            del request.session[PENDING]
            messages.error(
                request,
                _(
                    "This phone belongs to another account. Log in to that account, or call "
                    "us to sort it out."
                ),
            )
            return redirect("identity:settings")
        if done:
            del request.session[PENDING]
            messages.success(
                request,
                _("Your phone is changed.") if kind == "phone" else _("Your e-mail is changed."),
            )
            return redirect("identity:settings")
        form.add_error(
            "code",
            _("The code is not right or has expired. Check the message, or ask for a new code."),
        )
    masked = mask_recipient(CHANNELS[kind], value)
    return render(
        request,
        "identity/settings_contact_confirm.html",
        {"form": form, "kind": kind, "masked": masked},
    )


@login_required
@require_POST
def contact_resend(request: HttpRequest) -> HttpResponse:
    pending = _pending(request)
    if pending is None:
        return redirect("identity:settings")
    try:
        contact_change_start(
            user=_user(request), kind=pending["kind"], value=pending["value"], request=request
        )
    except CodeThrottled:
        messages.error(request, _("A new code can be sent a minute after the previous one."))
    else:
        messages.success(request, _("A new code has been sent. The previous one no longer works."))
    return redirect("identity:settings_contact_confirm")


@login_required
@require_POST
def session_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    if session_end(user=_user(request), pk=pk, request=request):
        messages.success(request, _("That session has ended."))
    return redirect("identity:settings")


@login_required
@require_POST
def sessions_end_others_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    with transaction.atomic():
        ended = services.sessions_end_others(user=user, keep=request.session.session_key)
        audit("session.ended_others", request=request, obj=user, count=ended)
    messages.success(request, _("All your other sessions have ended."))
    return redirect("identity:settings")


@login_required
@require_POST
def consent_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    consent_withdraw(user=_user(request), pk=pk, request=request)
    messages.success(
        request,
        _(
            "Your consent is withdrawn. We keep only what the law requires (contracts, charges "
            "and payments). You can ask us to erase the rest."
        ),
    )
    return redirect("identity:settings")


@login_required
@require_POST
def erasure_request_view(request: HttpRequest) -> HttpResponse:
    erasure_request(user=_user(request), request=request)
    messages.success(
        request,
        _("Your request is recorded. Our staff will contact you about the erasure of your data."),
    )
    return redirect("identity:settings")


@login_required
@require_safe
def my_data_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    data = my_data(user=user, current_key=request.session.session_key)
    with transaction.atomic():
        audit("privacy.data_downloaded", request=request, obj=user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="kabinet-my-data.json"'
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, private, max-age=0"
    return response


urlpatterns: list[URLPattern] = [
    path("settings/", account_settings, name="settings"),
    path("settings/phone/", contact_change, {"kind": "phone"}, name="settings_phone"),
    path("settings/email/", contact_change, {"kind": "email"}, name="settings_email"),
    path("settings/contact/confirm/", contact_confirm, name="settings_contact_confirm"),
    path("settings/contact/resend/", contact_resend, name="settings_contact_resend"),
    path("settings/sessions/<int:pk>/end/", session_end_view, name="settings_session_end"),
    path(
        "settings/sessions/end-others/",
        sessions_end_others_view,
        name="settings_sessions_end_others",
    ),
    path(
        "settings/consents/<int:pk>/withdraw/",
        consent_withdraw_view,
        name="settings_consent_withdraw",
    ),
    path("settings/erasure/", erasure_request_view, name="settings_erasure"),
    path("settings/my-data/", my_data_view, name="settings_my_data"),
]
