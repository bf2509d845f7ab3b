"""DRSK: sign-up with consent first, then the status, then the fields of that status.

Step 1 shows the current consent text; nothing personal is asked for or stored before the
visitor consents, and the grant (text version, time, IP, browser) is recorded on its own.
Step 2 picks the status: individual, legal entity or entrepreneur. Step 3 asks that status's
fields; the SNILS (individuals) or the INN (companies) becomes the login, used with the status
on the one login form.

A SNILS or INN that already has an account gets the same "registration finished, log in" answer
as a new one and costs the same password hash; the account's owner is told by e-mail instead, so
the page never confirms to a stranger that a number is registered (SECURITY.md 6).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from kabinet.core.audit import audit, client_ip
from kabinet.core.identifiers import normalize
from kabinet.core.models import UtilityProfile
from kabinet.core.ratelimit import Throttle
from kabinet.customers.models import CustomerKind
from kabinet.notify.models import Channel
from kabinet.notify.services import message_render_and_queue

from .forms import KabinetForm, NewPasswordMixin, PhoneField
from .models import ConsentGrant, ConsentText, User

SESSION_KEY = "identity_status_signup"  # {"grant": ConsentGrant pk, "status": CustomerKind}
CONSENTS_PER_IP = Throttle("consent-ip", limit=30, window=3600)
SIGNUPS_PER_IP = Throttle("status-signup-ip", limit=10, window=3600)
NOTICES_PER_OWNER = Throttle("status-signup-notice", limit=3, window=3600)
BUSINESS = (CustomerKind.COMPANY, CustomerKind.ENTREPRENEUR)


class ConsentMissing(Exception):
    """No live consent grant for this sign-up: start again from the consent."""


def consent_text_localized(consent: ConsentText, language: str | None = None) -> str:
    """The text in the visitor's language, falling back to the main (Ukrainian) text."""
    language = (language or translation.get_language() or "").split("-")[0]
    localized = {"ru": consent.text_ru, "en": consent.text_en}.get(language, "")
    return localized or consent.text


# --- Forms -----------------------------------------------------------------------------------


class StatusForm(KabinetForm):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=CustomerKind.choices,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Individuals log in with their SNILS, legal entities and entrepreneurs with the INN."
        ),
    )


EMAIL_HINT = gettext_lazy(
    "Give a real address: a link to restore access is sent to it if you forget the password."
)
PHONE_HINT = gettext_lazy(
    "Our staff will call this number to speed up the handling of your applications."
)


class _SignupForm(NewPasswordMixin, KabinetForm):
    email = forms.EmailField(label=gettext_lazy("E-mail"), help_text=EMAIL_HINT)
    phone = PhoneField(label=gettext_lazy("Contact phone"), help_text=PHONE_HINT)

    def login(self) -> str:
        raise NotImplementedError

    def password_user(self) -> User:
        user = User(
            username=self.data.get("snils") or self.data.get("inn") or "",
            email=self.data.get("email", ""),
            first_name=self.data.get("first_name", ""),
            last_name=self.data.get("last_name") or self.data.get("contact_person") or "",
        )
        user.password_context = [  # type: ignore[attr-defined]
            self.data.get(name, "") for name in ("snils", "inn", "ogrn", "phone")
        ]
        return user


class IndividualForm(_SignupForm):
    last_name = forms.CharField(label=gettext_lazy("Surname"), max_length=150)
    first_name = forms.CharField(label=gettext_lazy("Name"), max_length=75)
    patronymic = forms.CharField(
        label=gettext_lazy("Patronymic"),
        max_length=75,
        required=False,
        help_text=gettext_lazy("If you have one."),
    )
    snils = forms.CharField(
        label=gettext_lazy("SNILS"),
        max_length=20,
        help_text=gettext_lazy(
            "11 digits from your insurance certificate, e.g. 112-233-445 95. It will be your login."
        ),
    )
    field_order = [
        "last_name",
        "first_name",
        "patronymic",
        "snils",
        "email",
        "phone",
        "password1",
        "password2",
    ]

    def clean_snils(self) -> str:
        return normalize("snils", self.cleaned_data["snils"])

    def login(self) -> str:
        return str(self.cleaned_data["snils"])


class BusinessForm(_SignupForm):
    organisation = forms.CharField(
        label=gettext_lazy("Name of the organisation"),
        max_length=300,
        help_text=gettext_lazy("As in the state register, e.g. LLC “Vostok”."),
    )
    inn = forms.CharField(label=gettext_lazy("INN"), max_length=20)
    ogrn = forms.CharField(label=gettext_lazy("OGRN"), max_length=20, required=False)
    contact_person = forms.CharField(
        label=gettext_lazy("Contact person"),
        max_length=200,
        help_text=gettext_lazy("Surname, name and patronymic of the person we may call."),
    )
    field_order = [
        "organisation",
        "inn",
        "ogrn",
        "contact_person",
        "email",
        "phone",
        "password1",
        "password2",
    ]

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == CustomerKind.ENTREPRENEUR:
            self.fields["organisation"].help_text = gettext_lazy(
                "For example: Sole proprietor Ivanov Ivan Ivanovich."
            )
            self.fields["inn"].help_text = gettext_lazy(
                "12 digits: the entrepreneur's INN. It will be your login."
            )
            self.fields["ogrn"].label = gettext_lazy("OGRNIP")
            self.fields["ogrn"].help_text = gettext_lazy("15 digits. Optional.")
        else:
            self.fields["inn"].help_text = gettext_lazy(
                "10 digits: the organisation's INN. It will be your login."
            )
            self.fields["ogrn"].help_text = gettext_lazy("13 digits. Optional.")

    def clean_inn(self) -> str:
        inn = normalize("inn", self.cleaned_data["inn"])
        if self.kind == CustomerKind.ENTREPRENEUR and len(inn) != 12:
            raise forms.ValidationError(_("An entrepreneur's INN has 12 digits."), code="length")
        if self.kind == CustomerKind.COMPANY and len(inn) != 10:
            raise forms.ValidationError(_("A legal entity's INN has 10 digits."), code="length")
        return inn

    def clean_ogrn(self) -> str:
        value = self.cleaned_data["ogrn"].strip()
        if not value:
            return ""
        ogrn = normalize("ogrn", value)
        if self.kind == CustomerKind.ENTREPRENEUR and len(ogrn) != 15:
            raise forms.ValidationError(_("An OGRNIP has 15 digits."), code="length")
        if self.kind == CustomerKind.COMPANY and len(ogrn) != 13:
            raise forms.ValidationError(_("A legal entity's OGRN has 13 digits."), code="length")
        return ogrn

    def login(self) -> str:
        return str(self.cleaned_data["inn"])


# --- Services ----------------------------------------------------------------------------------


def consent_grant(*, text: ConsentText, request: HttpRequest) -> ConsentGrant:
    """Record that the visitor consents to this version of the text (no user yet)."""
    with transaction.atomic():
        grant = ConsentGrant.objects.create(
            text=text,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        )
        audit("consent.granted", request=request, obj=grant, version=text.version)
    return grant


def _owners(kind: str, login: str) -> list[User]:
    if kind == CustomerKind.INDIVIDUAL:
        same = Q(snils=login, kind=CustomerKind.INDIVIDUAL)
    else:
        same = Q(tax_id=login, kind__in=BUSINESS)
    return list(User.objects.filter(same | Q(username__iexact=login))[:5])


def _split_name(full: str) -> tuple[str, str]:
    """“Ivanov Ivan Ivanovich” → ("Ivanov", "Ivan Ivanovich"): Russian order, surname first."""
    surname, _sep, rest = " ".join(full.split()).partition(" ")
    return surname[:150], rest[:150]


def status_signup(
    *, kind: str, data: dict[str, Any], password: str, grant_id: int, request: HttpRequest
) -> User | None:
    """Create the active user for a consented sign-up and link the consent to it.

    `data` is the cleaned form. Returns None when the SNILS or INN already has an account: the
    owner gets an e-mail and the caller shows the same page as for a new account. Raises
    ConsentMissing when the grant is gone or already used.
    """
    login = data["snils"] if kind == CustomerKind.INDIVIDUAL else data["inn"]
    language = getattr(request, "LANGUAGE_CODE", None)
    with transaction.atomic():
        grant = (
            ConsentGrant.objects.select_for_update()
            .filter(pk=grant_id, user__isnull=True, withdrawn_at__isnull=True)
            .select_related("text")
            .first()
        )
        if grant is None:
            raise ConsentMissing
        owners = _owners(kind, login)
        user = None
        if not owners:
            user = _user_create(kind=kind, login=login, data=data, password=password)
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError:  # registered a moment ago by a concurrent request
                owners = _owners(kind, login)
                if not owners:
                    raise
        if owners or user is None:
            make_password(password)  # the same work as a new account
            _owners_notify(owners=owners, kind=kind, language=language)
            audit("signup.duplicate", request=request, flow="status", kind=kind)
            return None
        grant.user = user
        grant.save(update_fields=["user"])
        audit(
            "signup.completed",
            request=request,
            actor=user,
            obj=user,
            flow="status",
            kind=kind,
            consent=grant.text.version,
            organisation=data.get("organisation", ""),
            ogrn=data.get("ogrn", ""),
            phone_kept=bool(user.phone),
        )
    return user


def _user_create(*, kind: str, login: str, data: dict[str, Any], password: str) -> User:
    """The unsaved user. The contact phone is also a login, so it is unique: a phone that
    already belongs to another account is not stored on this one (nor is that revealed)."""
    phone = data["phone"]
    if User.objects.filter(phone=phone).exists():
        phone = None
    if kind == CustomerKind.INDIVIDUAL:
        last_name = data["last_name"]
        first_name = " ".join(filter(None, [data["first_name"], data.get("patronymic", "")]))
    else:
        last_name, first_name = _split_name(data["contact_person"])
    user = User(
        username=login,
        kind=kind,
        snils=login if kind == CustomerKind.INDIVIDUAL else "",
        tax_id=login if kind != CustomerKind.INDIVIDUAL else "",
        email=data["email"],
        phone=phone,
        first_name=first_name[:150],
        last_name=last_name[:150],
        language=translation.get_language() or "",
        is_active=True,
    )
    user.set_password(password)
    return user


def _owners_notify(*, owners: list[User], kind: str, language: str | None) -> None:
    for owner in owners:
        if owner.email and NOTICES_PER_OWNER.hit(f"user:{owner.pk}"):
            message_render_and_queue(
                channel=Channel.EMAIL,
                recipient=owner.email,
                purpose="signup_status_exists",
                context={"individual": kind == CustomerKind.INDIVIDUAL},
                language=owner.language or language,
            )


# --- Views -------------------------------------------------------------------------------------


def _pending(request: HttpRequest) -> dict[str, Any]:
    return dict(request.session.get(SESSION_KEY) or {})


@never_cache
def signup_status(request: HttpRequest) -> HttpResponse:
    """Step 1: the consent to personal-data processing."""
    if not UtilityProfile.get().signup_with_status:
        return redirect("identity:signup")
    consent = ConsentText.current()
    error = ""
    if consent is not None and request.method == "POST":
        if request.POST.get("version") != consent.version:
            error = _("The consent text has just been updated. Please read it again.")
        elif not CONSENTS_PER_IP.hit(client_ip(request) or "-"):
            error = _("Too many attempts. Try again in an hour.")
        else:
            grant = consent_grant(text=consent, request=request)
            request.session[SESSION_KEY] = {"grant": grant.pk}
            return redirect("identity:signup_status_kind")
    text = consent_text_localized(consent) if consent else ""
    return render(
        request,
        "identity/signup_status_consent.html",
        {"consent": consent, "consent_text": text, "error": error},
    )


@never_cache
def signup_status_kind(request: HttpRequest) -> HttpResponse:
    """Step 2: the status."""
    pending = _pending(request)
    if not UtilityProfile.get().signup_with_status or not pending.get("grant"):
        return redirect("identity:signup_status")
    form = StatusForm(request.POST or None, initial={"status": pending.get("status")})
    if request.method == "POST" and form.is_valid():
        pending["status"] = form.cleaned_data["status"]
        request.session[SESSION_KEY] = pending
        return redirect("identity:signup_status_details")
    return render(request, "identity/signup_status_kind.html", {"form": form})


@never_cache
@sensitive_post_parameters("password1", "password2")
def signup_status_details(request: HttpRequest) -> HttpResponse:
    """Step 3: the fields of the chosen status, then the account and the login page."""
    pending = _pending(request)
    kind = pending.get("status")
    if not UtilityProfile.get().signup_with_status or not pending.get("grant"):
        return redirect("identity:signup_status")
    if kind not in CustomerKind.values:
        return redirect("identity:signup_status_kind")
    data = request.POST or None
    form: _SignupForm = (
        IndividualForm(data) if kind == CustomerKind.INDIVIDUAL else BusinessForm(data, kind=kind)
    )
    if request.method == "POST" and form.is_valid():
        if not SIGNUPS_PER_IP.hit(client_ip(request) or "-"):
            form.add_error(None, _("Too many attempts. Try again in an hour."))
        else:
            try:
                status_signup(
                    kind=kind,
                    data=form.cleaned_data,
                    password=form.cleaned_data["password1"],
                    grant_id=pending["grant"],
                    request=request,
                )
            except ConsentMissing:
                request.session.pop(SESSION_KEY, None)
                messages.error(request, _("Please give your consent again to continue."))
                return redirect("identity:signup_status")
            request.session.pop(SESSION_KEY, None)
            if kind == CustomerKind.INDIVIDUAL:
                done = _("Registration is complete. Log in with the status, SNILS and password.")
            else:
                done = _("Registration is complete. Log in with the status, INN and password.")
            messages.success(request, done)
            return redirect("identity:login")
    return render(
        request,
        "identity/signup_status_details.html",
        {"form": form, "status_label": CustomerKind(kind).label},
    )


urlpatterns: list[URLPattern] = [
    path("signup/status/", signup_status, name="signup_status"),
    path("signup/status/who/", signup_status_kind, name="signup_status_kind"),
    path("signup/status/details/", signup_status_details, name="signup_status_details"),
]
