"""TOTP for staff (SECURITY.md 7): the back office asks for a code from an authenticator app.

- The admin site is django-otp's OTPAdminSite (kabinet/urls.py swaps its class for
  `StaffOTPAdminSite`): username, password and the six-digit code on one form.
- The first device comes from the command line (`manage.py staff_totp <username>`, which
  prints an otpauth:// URI and a QR code); nobody can add a device with a password alone.
- A verified member of staff replaces their device on /office/authenticator/.
- `back_office()` guards the purpose-built staff pages the same way the admin is guarded.
"""

from __future__ import annotations

from base64 import b32encode
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import quote, urlencode

import django_otp
import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django_otp import devices_for_user, user_has_device
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from kabinet.core.audit import audit
from kabinet.core.models import UtilityProfile

from . import services
from .forms import KabinetForm
from .models import User
from .texts import wait_text as _wait_text

DEVICE_NAME = "Authenticator app"

View = Callable[..., HttpResponse]


# --- Devices -------------------------------------------------------------------------------------


def totp_device_for(user: User, *, key_hex: str | None = None) -> TOTPDevice:
    """Give `user` one confirmed TOTP device, replacing any they had; `key_hex` (40 hex digits)
    fixes the key, as the demo does so that its instructions can name a way in."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice(user=user, name=DEVICE_NAME, confirmed=True)
        if key_hex is not None:
            device.key = key_hex
        device.full_clean(exclude=["user"])
        device.save()
    return device


def totp_code(device: TOTPDevice) -> str:
    """The code the authenticator app shows now (the demo's and the tests' way in)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def totp_secret(device: TOTPDevice) -> str:
    """The key in base32, as a person types it into an app that cannot read QR codes."""
    return b32encode(device.bin_key).decode().rstrip("=")


def otpauth_uri(device: TOTPDevice) -> str:
    """The otpauth:// URI an authenticator app reads; the issuer is the utility's name."""
    issuer = f"{UtilityProfile.get().short_name or 'Kabinet'}".replace(":", "")
    label = f"{issuer}:{device.user.get_username()}"
    params = urlencode(
        {
            "secret": totp_secret(device),
            "algorithm": "SHA1",
            "digits": device.digits,
            "period": device.step,
        }
    )
    return f"otpauth://totp/{quote(label)}?{params}&issuer={quote(issuer)}"


def qr_data_uri(uri: str) -> str:
    """The QR code of `uri` as an SVG data: URI (the CSP allows data: images)."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=2))


# --- The admin login ------------------------------------------------------------------------------


class StaffOTPAuthenticationForm(OTPAdminAuthenticationForm):
    """django-otp's admin form, friendlier and stricter:

    - with one device (the usual case) the code is checked against it on the first submit,
      instead of asking to pick the device first;
    - the password is never sent back into the page after a wrong code;
    - wrong passwords count against the account's login delays (SECURITY.md 5), shared with
      the customer login form.
    """

    otp_token = forms.CharField(
        required=False,
        label=gettext_lazy("Code from the authenticator app"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean(self) -> dict[str, Any]:
        username = str(self.data.get("username", "")).strip()
        users = list(User.objects.filter(username=username)) if username else []
        try:
            services.login_check_delay(request=self.request, users=users, identifier=username)
        except services.LoginDelayed as delayed:
            raise ValidationError(_wait_text(delayed.seconds), code="delayed") from None
        try:
            data = super().clean()
        except ValidationError:
            if self.user_cache is None and username:
                services.login_failed(request=self.request, users=users, identifier=username)
            raise
        user = self.get_user()
        if isinstance(user, User):
            services.login_succeeded(user=user)
        return data

    def _chosen_device(self, user: Any) -> Any:
        device = super()._chosen_device(user)
        if device is None:
            devices = list(devices_for_user(user, for_verify=True))
            if len(devices) == 1:
                device = devices[0]
        return device

    def _verify_token(self, user: Any, token: Any, device: Any = None) -> Any:
        if device is None and not user_has_device(user):
            raise ValidationError(
                _(
                    "You have no authenticator app for the back office yet. Ask an "
                    "administrator to run “manage.py staff_totp %(login)s”."
                )
                % {"login": user.get_username()},
                code="no_device",
            )
        return super()._verify_token(user, token, device)

    def _update_form(self, user: Any) -> None:
        super()._update_form(user)
        self.fields["password"].widget.render_value = False


class StaffOTPAdminSite(OTPAdminSite):
    """The back office: staff with a password and a code from their authenticator app."""

    login_form = StaffOTPAuthenticationForm
    login_template = "identity/otp_admin_login.html"


def back_office(perm: str | None = None) -> Callable[[View], View]:
    """Staff pages outside the admin: the admin's rule (active staff verified by a TOTP
    device, else the back-office login) plus `perm`, else 403. Never cached."""

    def decorator(view: View) -> View:
        @wraps(view)
        @never_cache
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            verified = getattr(user, "is_verified", lambda: False)()
            if not (user.is_active and user.is_staff and verified):
                return redirect_to_login(request.get_full_path(), reverse("admin:login"))
            if perm and not user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --- Replacing one's own device ----------------------------------------------------------------


class TokenForm(KabinetForm):
    token = forms.CharField(
        label=gettext_lazy("Code from the authenticator app"),
        max_length=8,
        help_text=gettext_lazy("Six digits; the app shows a new one every 30 seconds."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def device_replace_start(*, user: User, request: HttpRequest) -> TOTPDevice:
    """A new, unconfirmed device: it counts only once a code from it has been typed."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
        audit("otp.device_started", request=request, obj=user)
    return device


def device_replace_confirm(*, user: User, token: str, request: HttpRequest) -> TOTPDevice | None:
    """Confirm the pending device with a code from it; the old devices stop working."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
        if device is None or not device.verify_token("".join(token.split())):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        audit("otp.device_replaced", request=request, obj=user)
    django_otp.login(request, device)  # this session stays verified, by the new device
    return device


@back_office()
def authenticator(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = TokenForm(request.POST if request.POST.get("action") == "confirm" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "start":
            device_replace_start(user=user, request=request)
            return redirect("identity:otp_authenticator")
        if action == "cancel":
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            return redirect("identity:otp_authenticator")
        if action == "confirm" and form.is_valid():
            if device_replace_confirm(user=user, token=form.cleaned_data["token"], request=request):
                messages.success(
                    request, _("Your new authenticator app is set; the old one no longer works.")
                )
                return redirect("identity:otp_authenticator")
            form.add_error("token", _("The code is not right. Type the code the app shows now."))
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    context: dict[str, Any] = {
        "form": form,
        "devices": TOTPDevice.objects.filter(user=user, confirmed=True),
        "pending": pending,
    }
    if pending is not None:
        uri = otpauth_uri(pending)
        context.update(uri=uri, qr=qr_data_uri(uri), secret=totp_secret(pending))
    return render(request, "identity/otp_authenticator.html", context)


urlpatterns: list[URLPattern] = [
    path("office/authenticator/", authenticator, name="otp_authenticator"),
]
