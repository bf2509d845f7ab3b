"""Login, household sign-up by phone, SMS recovery, the forced first-login password, logout."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from kabinet.core.models import Announcement, UtilityProfile
from kabinet.notify.masking import mask_phone

from . import services
from .backends import AmbiguousIdentifier, users_for_identifier
from .codes import CodeThrottled
from .forms import (
    ChangePasswordForm,
    CodeForm,
    LoginForm,
    PhoneSignupForm,
    SetPasswordForm,
    SmsRecoveryForm,
)
from .models import User
from .office import issued_password_expired
from .texts import wait_text as _wait_text

PENDING = "identity_pending"  # session key: {"purpose": ..., "phone": ...}


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=False):
        return target
    return reverse("customers:cabinet")


@never_cache
@sensitive_post_parameters("password")
def login_view(request: HttpRequest) -> HttpResponse:
    profile = UtilityProfile.get()
    form = LoginForm(request.POST or None, profile=profile)
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["identifier"]
        status = form.cleaned_data.get("status", "")
        users = users_for_identifier(identifier, status=status)
        try:
            services.login_check_delay(request=request, users=users, identifier=identifier)
            user = authenticate(
                request,
                identifier=identifier,
                password=form.cleaned_data["password"],
                status=status,
            )
        except services.LoginDelayed as delayed:
            form.add_error(None, _wait_text(delayed.seconds))
        except AmbiguousIdentifier:
            form.add_error(
                "identifier",
                _(
                    "Several users share this login. Please log in with your phone, e-mail "
                    "or username instead."
                ),
            )
        else:
            if user is None:
                services.login_failed(request=request, users=users, identifier=identifier)
                form.add_error(None, _("The login or password is not right."))
            else:
                assert isinstance(user, User)
                if issued_password_expired(user):
                    form.add_error(
                        None,
                        _(
                            "This one-time password has expired. Ask the service centre for "
                            "a new one."
                        ),
                    )
                else:
                    services.login_succeeded(user=user)
                    services.session_start(request=request, user=user, how="password")
                    if user.must_change_password:
                        return redirect("identity:first_password")
                    return redirect(_next_url(request))
    announcements = Announcement.shown(on="login", limit=3)
    return render(
        request,
        "identity/login.html",
        {"form": form, "next": _next_url(request), "announcements": announcements},
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.sessions_end_current(request=request)
    logout(request)
    messages.info(request, _("You have logged out."))
    return redirect("core:home")


def signup_choice(request: HttpRequest) -> HttpResponse:
    return render(request, "identity/signup_choice.html", {"profile": UtilityProfile.get()})


@never_cache
@sensitive_post_parameters("password1", "password2")
def signup_phone(request: HttpRequest) -> HttpResponse:
    if not UtilityProfile.get().signup_household_phone:
        return redirect("identity:signup")
    form = PhoneSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        try:
            services.signup_by_phone(
                phone=phone, password=form.cleaned_data["password1"], request=request
            )
        except CodeThrottled:
            form.add_error(None, _wait_text(600))
        else:
            request.session[PENDING] = {"purpose": "signup", "phone": phone}
            return redirect("identity:signup_confirm")
    return render(request, "identity/signup_phone.html", {"form": form})


def _code_page(
    request: HttpRequest, *, purpose: str, template: str, confirm: object, done: str
) -> HttpResponse:
    pending = request.session.get(PENDING) or {}
    if pending.get("purpose") != purpose:
        return redirect("identity:signup" if purpose == "signup" else "identity:recovery_sms")
    phone = pending["phone"]
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = confirm(phone=phone, code=form.cleaned_data["code"], request=request)  # type: ignore[operator]
        if user is None:
            form.add_error(
                "code",
                _("The code is not right or has expired. Check the SMS, or ask for a new code."),
            )
        else:
            del request.session[PENDING]
            messages.success(request, done)
            return redirect("identity:login")
    return render(request, template, {"form": form, "masked_phone": mask_phone(phone)})


@require_POST
def code_resend(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING) or {}
    if not pending:
        return redirect("identity:login")
    try:
        services.code_resend(purpose=pending["purpose"], phone=pending["phone"], request=request)
    except CodeThrottled:
        messages.error(request, _("A new code can be sent a minute after the previous one."))
    else:
        messages.success(request, _("A new code has been sent. The previous one no longer works."))
    if pending["purpose"] == "signup":
        return redirect("identity:signup_confirm")
    return redirect("identity:recovery_sms_confirm")


@never_cache
def signup_confirm(request: HttpRequest) -> HttpResponse:
    return _code_page(
        request,
        purpose="signup",
        template="identity/signup_confirm.html",
        confirm=services.signup_confirm,
        done=_("Your account is active. Log in with your phone and password."),
    )


@never_cache
@sensitive_post_parameters("password1", "password2")
def recovery_sms(request: HttpRequest) -> HttpResponse:
    if not UtilityProfile.get().recovery_by_sms:
        return redirect("identity:recovery")
    form = SmsRecoveryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        try:
            services.recovery_by_sms_start(
                phone=phone, password=form.cleaned_data["password1"], request=request
            )
        except CodeThrottled:
            form.add_error(None, _wait_text(600))
        else:
            request.session[PENDING] = {"purpose": "reset", "phone": phone}
            return redirect("identity:recovery_sms_confirm")
    return render(request, "identity/recovery_sms.html", {"form": form})


@never_cache
def recovery_sms_confirm(request: HttpRequest) -> HttpResponse:
    return _code_page(
        request,
        purpose="reset",
        template="identity/recovery_sms_confirm.html",
        confirm=services.recovery_by_sms_confirm,
        done=_("Your new password is set. Log in with it."),
    )


def recovery_choice(request: HttpRequest) -> HttpResponse:
    return render(request, "identity/recovery_choice.html", {"profile": UtilityProfile.get()})


@login_required
@never_cache
@sensitive_post_parameters("password1", "password2")
def first_password(request: HttpRequest) -> HttpResponse:
    """The first login with a password issued at the office: choose your own (SECURITY.md 8)."""
    user = request.user
    assert isinstance(user, User)
    if not user.must_change_password:
        return redirect("customers:cabinet")
    form = SetPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        services.password_change(
            user=user, password=form.cleaned_data["password1"], request=request
        )
        messages.success(request, _("Your password is set."))
        return redirect("customers:cabinet")
    return render(request, "identity/first_password.html", {"form": form})


@login_required
@never_cache
@sensitive_post_parameters("current", "password1", "password2")
def password_change(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = ChangePasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        services.password_change(
            user=user, password=form.cleaned_data["password1"], request=request
        )
        messages.success(
            request, _("Your password is changed. Your other sessions have been ended.")
        )
        return redirect("identity:settings")
    return render(request, "identity/password_change.html", {"form": form})
