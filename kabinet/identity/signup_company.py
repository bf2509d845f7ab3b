"""KrasKom: a company signs up with address, INN, phone, login, e-mail and password, accepts the
user agreement, solves a captcha, and activates the account with a link e-mailed to it.

Only a customer the utility has a contract with can register: the INN must be an imported
company or sole proprietor. An INN is public, though, so it alone never opens the contracts:
the account acts for the customer only when the activated e-mail is the customer's e-mail in
billing; otherwise it is active but sees nothing until the utility confirms the person.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import phonenumbers
from captcha.fields import CaptchaField, CaptchaTextInput
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from kabinet.core.audit import audit, client_ip
from kabinet.core.identifiers import normalize
from kabinet.core.models import UtilityProfile
from kabinet.core.ratelimit import Throttle
from kabinet.customers.models import Account, AccountLink, Customer, CustomerKind
from kabinet.notify.models import Channel
from kabinet.notify.services import message_render_and_queue

from .forms import KabinetForm, NewPasswordMixin
from .models import User
from .phones import default_region
from .recovery_email import LinkTokens, user_from_uidb64, user_link
from .texts import wait_text as _wait_text

FLOW = "company"
BUSINESS_KINDS = [CustomerKind.COMPANY, CustomerKind.ENTREPRENEUR]
ACTIVATION_SECONDS = 24 * 3600
# The captcha stops scripts; these stop a person from mail-bombing an address by hand.
SIGNUPS_PER_IP = Throttle("signup-company-ip", limit=10, window=3600)
SIGNUPS_PER_EMAIL = Throttle("signup-company-email", limit=3, window=3600)
USERNAME = re.compile(r"^[\w .\-]+$")


class ActivationTokens(LinkTokens):
    """Single use: the signature covers is_active, which the activation turns on."""

    key_salt = "kabinet.identity.signup_company"
    timeout = ACTIVATION_SECONDS

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        return f"{user.pk}{user.password}{user.is_active}{user.email}{timestamp}"


activation_tokens = ActivationTokens()


class NoContract(Exception):
    """No imported company or sole proprietor has this INN."""


class UsernameTaken(Exception):
    pass


class SignupThrottled(Exception):
    pass


class EmailTaken(Exception):
    """At activation: another account with this e-mail became active meanwhile."""


# --- Form --------------------------------------------------------------------------------------


class CaptchaInput(CaptchaTextInput):
    """The captcha's widget with a translated description and its picture drawn twice as
    large (the small one is hard to read on a phone)."""

    template_name = "identity/signup_company_captcha.html"

    def image_url(self) -> str:
        return reverse("captcha-image-2x", kwargs={"key": self._key})


class CompanySignupForm(NewPasswordMixin, KabinetForm):
    address = forms.CharField(
        label=gettext_lazy("Address"),
        max_length=300,
        help_text=gettext_lazy("Your organisation's address as in the contract."),
    )
    inn = forms.CharField(
        label=gettext_lazy("INN"),
        max_length=14,
        help_text=gettext_lazy("10 digits for a company, 12 for a sole proprietor."),
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=32,
        help_text=gettext_lazy(
            "A contact phone with its area code, e.g. +7 391 212-12-12: our staff may call you."
        ),
    )
    username = forms.CharField(
        label=gettext_lazy("Login"),
        min_length=3,
        max_length=150,
        help_text=gettext_lazy(
            "You will log in with it. Letters, digits, spaces and . _ -, with at least one letter."
        ),
    )
    email = forms.EmailField(
        label=gettext_lazy("E-mail"),
        help_text=gettext_lazy(
            "We will send the activation link to it; password recovery uses it too."
        ),
    )
    agreement = forms.BooleanField(
        label=gettext_lazy("I accept the user agreement"),
        error_messages={"required": gettext_lazy("Accept the user agreement to register.")},
    )
    captcha = CaptchaField(
        label=gettext_lazy("Solve the example in the picture"),
        help_text=gettext_lazy("Type the result in digits."),
        widget=CaptchaInput(
            generator="captcha.helpers.math_challenge", attrs={"inputmode": "numeric"}
        ),
        error_messages={
            "invalid": gettext_lazy("The answer is not right. Solve the new example."),
            "required": gettext_lazy("Solve the example in the picture."),
        },
    )
    field_order = [
        "address",
        "inn",
        "phone",
        "username",
        "email",
        "password1",
        "password2",
        "agreement",
        "captcha",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agreement"].help_text = format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("identity:signup_company_agreement"),
            _("Read the user agreement"),
        )
        self.fields["inn"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        self.fields["phone"].widget.input_type = "tel"
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel"})
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        )
        self.fields["email"].widget.attrs.update({"autocomplete": "email"})

    def clean_inn(self) -> str:
        return normalize("inn", self.cleaned_data["inn"])

    def clean_phone(self) -> str:
        text = self.cleaned_data["phone"]
        try:
            number = phonenumbers.parse(text, default_region())
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise forms.ValidationError(
                _("Enter the phone with its area code, e.g. +7 391 212-12-12."), code="invalid"
            )
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def clean_username(self) -> str:
        username = " ".join(self.cleaned_data["username"].split())
        if not USERNAME.match(username) or not any(ch.isalpha() for ch in username):
            raise forms.ValidationError(
                _("Use letters, digits, spaces and . _ - only, with at least one letter."),
                code="invalid",
            )
        return username

    def password_user(self) -> User:
        user = User(username=self.data.get("username", ""), email=self.data.get("email", ""))
        user.password_context = [self.data.get("inn", ""), self.data.get("phone", "")]  # type: ignore[attr-defined]
        return user


# --- Services ----------------------------------------------------------------------------------


def _same_login(username: str) -> Q:
    """Logins differing only in case are one login (SQLite folds only latin letters itself)."""
    variants = {username, username.lower(), username.upper(), username.capitalize()}
    variants.add(username.title())
    return Q(username__iexact=username) | Q(username__in=variants)


def _reusable(holder: User, email: str) -> bool:
    """A sign-up of this flow that was never activated gives its login back to a new try by the
    same e-mail at once, and to anybody once its link has expired."""
    if holder.is_active or holder.last_login is not None or holder.phone:
        return False
    if holder.kind not in BUSINESS_KINDS:
        return False
    expired = holder.date_joined < timezone.now() - timedelta(seconds=ACTIVATION_SECONDS)
    return expired or holder.email.lower() == email.lower()


def signup_company_start(
    *,
    address: str,
    inn: str,
    phone: str,
    username: str,
    email: str,
    password: str,
    request: HttpRequest,
) -> None:
    """Create (or renew) an inactive user and e-mail the activation link.

    Raises SignupThrottled, NoContract or UsernameTaken. An e-mail that already belongs to an
    active account gets a notice instead, and the visitor the same "wait for an e-mail" page.
    """
    ip = client_ip(request) or "-"
    if not (SIGNUPS_PER_IP.allowed(ip) and SIGNUPS_PER_EMAIL.allowed(email.lower())):
        raise SignupThrottled
    if not Customer.objects.filter(inn=inn, kind__in=BUSINESS_KINDS).exists():
        audit("signup.refused", request=request, flow=FLOW, reason="no_contract")
        raise NoContract
    language = getattr(request, "LANGUAGE_CODE", None)
    with transaction.atomic():
        holder = User.objects.select_for_update().filter(_same_login(username)).first()
        if holder is not None and not _reusable(holder, email):
            raise UsernameTaken
        SIGNUPS_PER_IP.hit(ip)
        SIGNUPS_PER_EMAIL.hit(email.lower())
        owner = User.objects.filter(is_active=True, email__iexact=email).first()
        if owner is not None:
            make_password(password)  # the same work as a real sign-up
            message_render_and_queue(
                channel=Channel.EMAIL,
                recipient=owner.email,
                purpose="signup_company_email_taken",
                context={
                    "login_url": settings.SITE_URL + reverse("identity:login"),
                    "recovery_url": settings.SITE_URL + reverse("identity:recovery"),
                },
                language=owner.language or language,
            )
            audit("signup.email_taken", request=request, obj=owner, flow=FLOW)
            return
        user = holder or User(is_active=False)
        user.username = username
        user.email = email
        user.password = make_password(password)
        user.kind = CustomerKind.COMPANY if len(inn) == 10 else CustomerKind.ENTREPRENEUR
        user.tax_id = inn
        user.customer = None
        user.language = language or ""
        user.date_joined = timezone.now()
        user.save()
        # What the person submitted and no field of User holds, kept with the event.
        audit(
            "signup.started",
            request=request,
            actor=user,
            obj=user,
            flow=FLOW,
            address=address,
            phone=phone,
        )
        message_render_and_queue(
            channel=Channel.EMAIL,
            recipient=email,
            purpose="signup_company_activation",
            context={
                "link": user_link(
                    name="identity:signup_company_activate",
                    user=user,
                    token=activation_tokens.make_token(user),
                ),
                "hours": ACTIVATION_SECONDS // 3600,
                "username": username,
            },
            language=language,
            sensitive=True,
        )


def signup_company_activate(*, user: User, request: HttpRequest) -> bool:
    """Activate the account; link it to the customer when the e-mail is the one billing has.
    Returns whether it was linked. Raises EmailTaken if the e-mail's account is active already.
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if (
            User.objects.filter(is_active=True, email__iexact=user.email)
            .exclude(pk=user.pk)
            .exists()
        ):
            audit("signup.refused", request=request, obj=user, flow=FLOW, reason="email_taken")
            raise EmailTaken
        customers = [
            customer
            for customer in Customer.objects.filter(inn=user.tax_id, kind__in=BUSINESS_KINDS)
            if customer.email and customer.email.lower() == user.email.lower()
        ]
        user.is_active = True
        user.customer = customers[0] if customers else None
        user.save(update_fields=["is_active", "customer"])
        accounts = list(Account.objects.filter(customer__in=customers))
        AccountLink.objects.bulk_create(
            [AccountLink(user=user, account=account) for account in accounts],
            ignore_conflicts=True,
        )
        audit(
            "signup.completed",
            request=request,
            actor=user,
            obj=user,
            customer_id=user.customer_id,
            flow=FLOW,
            linked=bool(customers),
            accounts=len(accounts),
        )
    return bool(customers)


# --- Views -------------------------------------------------------------------------------------


@never_cache
@sensitive_post_parameters("password1", "password2")
def signup_company(request: HttpRequest) -> HttpResponse:
    if not UtilityProfile.get().signup_company_email:
        return redirect("identity:signup")
    form = CompanySignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            signup_company_start(
                address=data["address"],
                inn=data["inn"],
                phone=data["phone"],
                username=data["username"],
                email=data["email"],
                password=data["password1"],
                request=request,
            )
        except NoContract:
            form.add_error(
                "inn",
                _(
                    "We have no contract with this INN. Contact the utility to conclude a "
                    "contract first."
                ),
            )
        except UsernameTaken:
            form.add_error("username", _("This login is already taken. Choose another one."))
        except SignupThrottled:
            form.add_error(None, _wait_text(3600))
        else:
            return redirect("identity:signup_company_sent")
    return render(request, "identity/signup_company.html", {"form": form})


def signup_company_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "identity/signup_company_sent.html")


def signup_company_agreement(request: HttpRequest) -> HttpResponse:
    return render(request, "identity/signup_company_agreement.html")


@never_cache
def signup_company_activate_view(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = user_from_uidb64(uidb64)
    response: HttpResponse
    if user is None or user.is_active or not activation_tokens.check_token(user, token):
        response = render(request, "identity/signup_company_invalid.html")
    else:
        try:
            linked = signup_company_activate(user=user, request=request)
        except EmailTaken:
            response = render(
                request, "identity/signup_company_invalid.html", {"email_taken": True}
            )
        else:
            if linked:
                messages.success(request, _("Your account is active. Log in with your login."))
            else:
                messages.success(
                    request,
                    _(
                        "Your account is active. Log in with your login. Your contracts will "
                        "appear once the utility confirms that you act for the organisation; "
                        "to speed it up, call the contact centre."
                    ),
                )
            response = redirect("identity:login")
    response["Referrer-Policy"] = "no-referrer"
    return response


urlpatterns: list[URLPattern] = [
    path("signup/company/", signup_company, name="signup_company"),
    path("signup/company/sent/", signup_company_sent, name="signup_company_sent"),
    path("signup/company/agreement/", signup_company_agreement, name="signup_company_agreement"),
    path(
        "signup/company/activate/<uidb64>/<str:token>/",
        signup_company_activate_view,
        name="signup_company_activate",
    ),
]
