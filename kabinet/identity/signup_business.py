"""DTEK: a business signs up with a mobile phone, a personal account and its EDRPOU, and confirms
with an SMS code. The account must come from billing and belong to that EDRPOU; one phone per
EDRPOU (or RNOKPP of a sole proprietor); afterwards the user sees every account of the EDRPOU and
logs in with any of their account numbers and the password.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from kabinet.core.audit import audit, client_ip
from kabinet.core.identifiers import normalize
from kabinet.core.models import UtilityProfile
from kabinet.core.ratelimit import Throttle
from kabinet.customers.models import Account, AccountLink, Customer, CustomerKind
from kabinet.notify.masking import mask_phone

from . import services
from .codes import CodeThrottled, code_verify
from .forms import CodeForm, KabinetForm, NewPasswordMixin, PhoneField
from .models import OneTimeCode, User
from .texts import wait_text as _wait_text

FLOW = "business"
SESSION_KEY = "identity_signup_business"  # {"phone": ...} between the form and the code page
BUSINESS_KINDS = [CustomerKind.COMPANY, CustomerKind.ENTREPRENEUR]
# Wrong account/EDRPOU pairs: per address and per EDRPOU, so nobody can walk the account
# numbers of a company (or the companies of an account) by trial.
PAIR_REFUSALS_PER_IP = Throttle("signup-business-ip", limit=10, window=3600)
PAIR_REFUSALS_PER_TAX_ID = Throttle("signup-business-tax-id", limit=20, window=3600)

PAIR_MESSAGE = gettext_lazy(
    "No personal account with this number belongs to this EDRPOU. "
    "Check the bill or the contract annex."
)


class PairRefused(Exception):
    """The account does not exist or belongs to another EDRPOU (one answer for both)."""


class PairTaken(Exception):
    """Another phone has already registered this EDRPOU."""


class PairThrottled(Exception):
    """Too many wrong pairs from this address or for this EDRPOU."""


def taken_message(profile: UtilityProfile) -> str:
    """The guide's words for an EDRPOU someone else has registered, with the contact centre."""
    phones = ", ".join(number for _label, number in profile.phone_lines())
    text = _(
        "This account and code pair is already registered. Ask whether someone responsible in "
        "your organisation has registered; if nobody has, call the contact centre"
    )
    return f"{text}: {phones}." if phones else f"{text}."


# --- Form --------------------------------------------------------------------------------------


class BusinessSignupForm(NewPasswordMixin, KabinetForm):
    phone = PhoneField(
        help_text=gettext_lazy(
            "One phone per EDRPOU or RNOKPP. We will send the confirmation code to it."
        )
    )
    account = forms.CharField(
        label=gettext_lazy("Personal account"),
        max_length=32,
        help_text=gettext_lazy(
            "From your electricity bill or the annex to the distribution contract; the number "
            "you used in the previous cabinet works too."
        ),
    )
    edrpou = forms.CharField(
        label=gettext_lazy("EDRPOU code"),
        max_length=14,
        help_text=gettext_lazy("8 digits; a sole proprietor enters the 10-digit RNOKPP."),
    )
    field_order = ["phone", "account", "edrpou", "password1", "password2"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        self.fields["edrpou"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def clean_account(self) -> str:
        return "".join(self.cleaned_data["account"].split())

    def clean_edrpou(self) -> str:
        value = "".join(self.cleaned_data["edrpou"].split())
        return normalize("rnokpp" if len(value) == 10 else "edrpou", value)

    def password_user(self) -> User:
        phone = self.data.get("phone", "")
        user = User(username=phone, phone=phone)
        user.password_context = [self.data.get("account", ""), self.data.get("edrpou", "")]  # type: ignore[attr-defined]
        return user


# --- Services ----------------------------------------------------------------------------------


def _tax_id_query(tax_id: str) -> Q:
    return Q(customer__edrpou=tax_id) if len(tax_id) == 8 else Q(customer__rnokpp=tax_id)


def _registered_by_another_phone(*, tax_id: str, phone: str) -> bool:
    """Whether an active user has signed up for this EDRPOU with a different phone."""
    return (
        User.objects.filter(is_active=True, tax_id=tax_id, kind__in=BUSINESS_KINDS)
        .exclude(phone=phone)
        .exists()
    )


def signup_business_start(
    *, phone: str, account_number: str, tax_id: str, password: str, request: HttpRequest
) -> None:
    """Check the account/EDRPOU pair, then create (or refresh) an inactive user and text a code.

    Raises PairThrottled, PairRefused, PairTaken or CodeThrottled. A phone that already has an
    active account gets an SMS saying so instead of a code, and the visitor the same page.
    """
    ip = client_ip(request) or "-"
    if not (PAIR_REFUSALS_PER_IP.allowed(ip) and PAIR_REFUSALS_PER_TAX_ID.allowed(tax_id)):
        raise PairThrottled
    account = (
        Account.objects.select_related("customer")
        .filter(_tax_id_query(tax_id), number=account_number, customer__kind__in=BUSINESS_KINDS)
        .first()
    )
    if account is None:
        PAIR_REFUSALS_PER_IP.hit(ip)
        PAIR_REFUSALS_PER_TAX_ID.hit(tax_id)
        audit("signup.refused", request=request, flow=FLOW, reason="pair")
        raise PairRefused
    customer = account.customer
    if _registered_by_another_phone(tax_id=tax_id, phone=phone):
        audit("signup.refused", request=request, flow=FLOW, reason="taken", customer_id=customer.pk)
        raise PairTaken
    services.pending_signup_by_phone(
        phone=phone,
        password=password,
        request=request,
        flow=FLOW,
        payload={"flow": FLOW, "customer": customer.pk, "tax_id": tax_id},
    )


def signup_business_confirm(*, phone: str, code: str, request: HttpRequest) -> User | None:
    """Activate the user, make them act for the customer and see every account of the EDRPOU.

    None if the code does not fit; PairTaken if another phone registered the EDRPOU meanwhile.
    """
    pending = User.objects.filter(phone=phone, is_active=False).first()
    otc = code_verify(
        purpose=OneTimeCode.Purpose.SIGNUP,
        recipient=phone,
        code=code,
        operation=f"user:{pending.pk}" if pending else "",
        request=request,
    )
    if otc is None or pending is None or otc.payload.get("flow") != FLOW:
        return None
    tax_id = otc.payload["tax_id"]
    with transaction.atomic():
        # The customer's row serialises two confirmations of one EDRPOU: one phone wins.
        customer = Customer.objects.select_for_update().get(pk=otc.payload["customer"])
        if _registered_by_another_phone(tax_id=tax_id, phone=phone):
            audit("signup.refused", request=request, flow=FLOW, reason="taken")
            raise PairTaken
        pending.is_active = True
        pending.customer = customer
        pending.kind = customer.kind
        pending.tax_id = tax_id
        pending.save(update_fields=["is_active", "customer", "kind", "tax_id"])
        accounts = list(Account.objects.filter(_tax_id_query(tax_id)))
        AccountLink.objects.bulk_create(
            [AccountLink(user=pending, account=account) for account in accounts],
            ignore_conflicts=True,
        )
        audit(
            "signup.completed",
            request=request,
            actor=pending,
            obj=pending,
            customer_id=customer.pk,
            flow=FLOW,
            accounts=len(accounts),
        )
    return pending


# --- Views -------------------------------------------------------------------------------------


@never_cache
@sensitive_post_parameters("password1", "password2")
def signup_business(request: HttpRequest) -> HttpResponse:
    profile = UtilityProfile.get()
    if not profile.signup_business_phone:
        return redirect("identity:signup")
    form = BusinessSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            signup_business_start(
                phone=data["phone"],
                account_number=data["account"],
                tax_id=data["edrpou"],
                password=data["password1"],
                request=request,
            )
        except PairRefused:
            form.add_error("account", str(PAIR_MESSAGE))
        except PairTaken:
            form.add_error(None, taken_message(profile))
        except (PairThrottled, CodeThrottled):
            form.add_error(None, _wait_text(3600))
        else:
            request.session[SESSION_KEY] = {"phone": data["phone"]}
            return redirect("identity:signup_business_confirm")
    return render(request, "identity/signup_business.html", {"form": form})


@never_cache
def signup_business_confirm_view(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(SESSION_KEY) or {}
    if not pending.get("phone"):
        return redirect("identity:signup_business")
    phone = pending["phone"]
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = signup_business_confirm(
                phone=phone, code=form.cleaned_data["code"], request=request
            )
        except PairTaken:
            form.add_error(None, taken_message(UtilityProfile.get()))
        else:
            if user is None:
                form.add_error(
                    "code",
                    _(
                        "The code is not right or has expired. Check the SMS, or ask for a "
                        "new code."
                    ),
                )
            else:
                del request.session[SESSION_KEY]
                messages.success(
                    request,
                    _(
                        "Your account is active. Log in with a personal account number and "
                        "password."
                    ),
                )
                return redirect("identity:login")
    return render(
        request,
        "identity/signup_business_confirm.html",
        {"form": form, "masked_phone": mask_phone(phone)},
    )


@require_POST
def signup_business_resend(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(SESSION_KEY) or {}
    if not pending.get("phone"):
        return redirect("identity:signup_business")
    try:
        services.code_resend(
            purpose=OneTimeCode.Purpose.SIGNUP, phone=pending["phone"], request=request
        )
    except CodeThrottled:
        messages.error(request, _("A new code can be sent a minute after the previous one."))
    else:
        messages.success(request, _("A new code has been sent. The previous one no longer works."))
    return redirect("identity:signup_business_confirm")


urlpatterns: list[URLPattern] = [
    path("signup/business/", signup_business, name="signup_business"),
    path(
        "signup/business/confirm/",
        signup_business_confirm_view,
        name="signup_business_confirm",
    ),
    path("signup/business/resend/", signup_business_resend, name="signup_business_resend"),
]
