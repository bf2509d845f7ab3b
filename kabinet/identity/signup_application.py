"""KRESC: a business registers with a signed application and a registration code.

1. The customer downloads the blank form of their commercial offer, signs it (by hand and
   stamp, or with a qualified e-signature) and uploads it with the registration data; or signs
   it in person at a service centre, where staff enter it in the back office.
2. Staff verify the data by phone and approve (an e-mailed, single-use, expiring registration
   code and a link) or reject with a reason — see admin_registration.py.
3. With the code the customer chooses a login and a password.

Uploaded files (checked in signup_application_documents.py): an extension allow-list plus the
file's magic bytes, a size limit, a server-generated name, stored under MEDIA_ROOT and served
only through a back-office view that checks the permission (SECURITY.md 23). The e-signature
itself is verified by the documents app later.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone, translation
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

from .codes import EMAIL_CODE_TTL, code_issue, code_verify
from .forms import KabinetForm, NewPasswordMixin
from .models import OneTimeCode, RegistrationApplication, User
from .phones import parse_phone
from .signup_application_documents import (
    EXTENSIONS,
    document_check,
    phones_clean,
    tax_id_clean,
)

Application = RegistrationApplication
SUBMITS_PER_IP = Throttle("application-ip", limit=5, window=3600)
FINISH_TRIES_PER_IP = Throttle("registration-finish-ip", limit=20, window=3600)
CHANGE_PERMISSION = "identity.change_registrationapplication"
USERNAME = re.compile(r"^[\w.\-]{3,150}$")


class ApplicationStateError(Exception):
    """The application is not in a state that allows this step."""


class UsernameTaken(Exception):
    pass


# --- Forms -------------------------------------------------------------------------------------


class ApplicationForm(KabinetForm):
    company_name = forms.CharField(
        label=gettext_lazy("Customer name"),
        max_length=300,
        help_text=gettext_lazy("As in the contract: the company's name or the person's full name."),
    )
    tax_id = forms.CharField(
        label=gettext_lazy("EDRPOU or RNOKPP"),
        max_length=14,
        help_text=gettext_lazy("EDRPOU code: 8 digits; for individuals the RNOKPP: 10 digits."),
    )
    email = forms.EmailField(
        label=gettext_lazy("E-mail"),
        help_text=gettext_lazy("We will send the registration code to this address."),
    )
    phones = forms.CharField(
        label=gettext_lazy("Phones"),
        max_length=200,
        help_text=gettext_lazy(
            "One or more, separated by commas. We will call to confirm the data."
        ),
    )
    code_word = forms.CharField(
        label=gettext_lazy("Code word"),
        max_length=100,
        help_text=gettext_lazy("We ask for it when you call us. It is not your password."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    contact_person = forms.CharField(
        label=gettext_lazy("Contact person"),
        max_length=200,
        help_text=gettext_lazy("Surname, name and patronymic of the representative."),
    )
    offer = forms.ChoiceField(
        label=gettext_lazy("Commercial offer"),
        choices=Application.Offer.choices,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("As in your supply contract: each has its own form."),
    )
    document = forms.FileField(
        label=gettext_lazy("Signed application"),
        help_text=gettext_lazy(
            "A scan of the signed (and stamped) form as PDF, JPEG or PNG, or the form signed "
            "with a qualified e-signature (.p7s or a signed PDF). At most 10 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EXTENSIONS)}),
    )

    def clean_tax_id(self) -> str:
        return tax_id_clean(self.cleaned_data["tax_id"])

    def clean_phones(self) -> str:
        return phones_clean(self.cleaned_data["phones"])

    def clean_document(self) -> UploadedFile:
        document = self.cleaned_data["document"]
        document_check(document)
        return document


class FinishForm(NewPasswordMixin, KabinetForm):
    email = forms.EmailField(
        label=gettext_lazy("E-mail"), help_text=gettext_lazy("The address the code came to.")
    )
    code = forms.CharField(
        label=gettext_lazy("Registration code"),
        max_length=20,
        help_text=gettext_lazy("From our e-mail: 10 letters and digits."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none"}),
    )
    username = forms.CharField(
        label=gettext_lazy("Login"),
        max_length=150,
        help_text=gettext_lazy(
            "Choose your login: latin letters, digits, dots, hyphens or underscores, with at "
            "least one letter."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    field_order = ["email", "code", "username", "password1", "password2"]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if not USERNAME.match(username) or not re.search(r"[A-Za-z]", username):
            raise ValidationError(
                _("Use 3 or more latin letters, digits, dots, hyphens or underscores."),
                code="invalid_username",
            )
        return username

    def password_user(self) -> User:
        return User(username=self.data.get("username", ""), email=self.data.get("email", ""))


# --- Services ----------------------------------------------------------------------------------


def _document_store(application: Application, document: UploadedFile) -> None:
    extension = document_check(document)
    application.document.save(f"{uuid.uuid4().hex}{extension}", document, save=False)


def application_submit(
    *, data: dict[str, Any], document: UploadedFile, request: HttpRequest
) -> Application:
    """Save an application uploaded on the site, with its signed file."""
    fields = ("company_name", "tax_id", "email", "phones", "code_word", "contact_person", "offer")
    application = Application(**{name: data[name] for name in fields})
    application.source = Application.Source.ONLINE
    _document_store(application, document)
    with transaction.atomic():
        application.save()
        audit("application.submitted", request=request, obj=application, source="online")
    return application


def application_enter(
    *, application: Application, document: UploadedFile | None, staff: User, request: HttpRequest
) -> Application:
    """Save an application signed in person at a service centre (the file is optional).
    Entering is adding: the service-centre operator may, approving stays the verifier's."""
    if not staff.has_perm("identity.add_registrationapplication"):
        raise PermissionDenied
    application.source = Application.Source.OFFICE
    if document is not None:
        _document_store(application, document)
    with transaction.atomic():
        application.save()
        audit("application.entered", request=request, actor=staff, obj=application)
    return application


def finish_url() -> str:
    """Built from the configured site address, never from the Host header (SECURITY.md 14)."""
    return f"{settings.SITE_URL}{reverse('identity:signup_application_finish')}"


def application_approve(*, application: Application, staff: User, request: HttpRequest) -> None:
    """Approve (or re-send the code of an approved application): a new single-use code by
    e-mail with the link to finish. Raises PermissionDenied, ApplicationStateError or
    codes.CodeThrottled."""
    if not staff.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.status not in (Application.Status.NEW, Application.Status.APPROVED):
            raise ApplicationStateError(locked.status)
        again = locked.status == Application.Status.APPROVED
        locked.status = Application.Status.APPROVED
        locked.reviewed_by = staff
        locked.reviewed_at = timezone.now()
        locked.reject_reason = ""
        locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "reject_reason"])
        code_issue(
            purpose=OneTimeCode.Purpose.REGISTRATION,
            channel=Channel.EMAIL,
            recipient=locked.email,
            request=request,
            operation=f"application:{locked.pk}",
            context={
                "link": finish_url(),
                "company_name": locked.company_name,
                "days": EMAIL_CODE_TTL.days,
            },
        )
        audit("application.approved", request=request, actor=staff, obj=locked, again=again)
    application.refresh_from_db()


def application_reject(
    *, application: Application, staff: User, reason: str, request: HttpRequest
) -> None:
    """Reject with a reason the customer is e-mailed; a code already sent stops working."""
    if not staff.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.status not in (Application.Status.NEW, Application.Status.APPROVED):
            raise ApplicationStateError(locked.status)
        locked.status = Application.Status.REJECTED
        locked.reject_reason = reason
        locked.reviewed_by = staff
        locked.reviewed_at = timezone.now()
        locked.save(update_fields=["status", "reject_reason", "reviewed_by", "reviewed_at"])
        OneTimeCode.objects.filter(
            purpose=OneTimeCode.Purpose.REGISTRATION,
            operation=f"application:{locked.pk}",
            used_at__isnull=True,
        ).update(revoked=True)
        message_render_and_queue(
            channel=Channel.EMAIL,
            recipient=locked.email,
            purpose="application_rejected",
            context={"reason": reason, "company_name": locked.company_name},
            language=None,
        )
        audit("application.rejected", request=request, actor=staff, obj=locked, reason=reason)
    application.refresh_from_db()


def _first_free_mobile(phones: str) -> str | None:
    for part in phones.split(","):
        phone = parse_phone(part.strip()) if part.strip() else None
        if phone and not User.objects.filter(phone=phone).exists():
            return phone
    return None


def application_finish(
    *, email: str, code: str, username: str, password: str, request: HttpRequest
) -> User | None:
    """Create the customer's user from an approved application and its e-mailed code.

    None when the code is wrong, expired, used or out of tries (a wrong try is counted).
    Raises UsernameTaken, or ValidationError for a password built on the tax id; then nothing
    changes and the code still works.
    """
    with transaction.atomic():
        application = (
            Application.objects.select_for_update()
            .filter(email__iexact=email.strip(), status=Application.Status.APPROVED)
            .order_by("-reviewed_at")
            .first()
        )
        otc = code_verify(
            purpose=OneTimeCode.Purpose.REGISTRATION,
            recipient=application.email if application else email.strip(),
            code=code,
            operation=f"application:{application.pk}" if application else "",
            request=request,
        )
        if otc is None or application is None:
            return None  # the counted wrong try is committed
        user = User(
            username=username,
            email=application.email,
            phone=_first_free_mobile(application.phones),
            kind=CustomerKind.COMPANY
            if len(application.tax_id) == 8
            else CustomerKind.ENTREPRENEUR,
            tax_id=application.tax_id,
            first_name=application.contact_person[:150],
            language=translation.get_language() or "",
            is_active=True,
        )
        user.password_context = [application.tax_id, application.phones]  # type: ignore[attr-defined]
        password_validation.validate_password(password, user)  # raises: rolls the code back
        user.set_password(password)
        if User.objects.filter(username__iexact=username).exists():
            raise UsernameTaken
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError as exc:
            raise UsernameTaken from exc
        application.status = Application.Status.COMPLETED
        application.user = user
        application.save(update_fields=["status", "user"])
        audit("signup.completed", request=request, actor=user, obj=user, flow="application")
        audit("application.completed", request=request, actor=user, obj=application)
    return user


# --- Views -------------------------------------------------------------------------------------


def _enabled() -> None:
    if not UtilityProfile.get().signup_by_application:
        raise Http404


@never_cache
def signup_application(request: HttpRequest) -> HttpResponse:
    """The guide's steps, the blank forms and the upload."""
    _enabled()
    form = ApplicationForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not SUBMITS_PER_IP.allowed(client_ip(request) or "-"):
            form.add_error(None, _("Too many applications from your address. Try again later."))
        elif form.is_valid():
            SUBMITS_PER_IP.hit(client_ip(request) or "-")
            application_submit(
                data=form.cleaned_data, document=form.cleaned_data["document"], request=request
            )
            return redirect("identity:signup_application_sent")
    return render(
        request,
        "identity/signup_application.html",
        {"form": form, "offers": Application.Offer.choices},
    )


def signup_application_sent(request: HttpRequest) -> HttpResponse:
    _enabled()
    return render(request, "identity/signup_application_sent.html")


def signup_application_blank(request: HttpRequest, offer: str) -> HttpResponse:
    """The blank application form of a commercial offer, as a one-page A4 PDF."""
    _enabled()
    if offer not in Application.Offer.values:
        raise Http404
    from .signup_application_documents import blank_form_pdf

    response = HttpResponse(
        blank_form_pdf(offer=Application.Offer(offer), profile=UtilityProfile.get()),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'attachment; filename="application-{offer}.pdf"'
    return response


@never_cache
@sensitive_post_parameters("code", "password1", "password2")
def signup_application_finish(request: HttpRequest) -> HttpResponse:
    """Step 3: the registration code, a login and a password."""
    _enabled()
    form = FinishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request) or "-"
        data = form.cleaned_data
        if not FINISH_TRIES_PER_IP.allowed(ip):
            form.add_error(None, _("Too many attempts. Try again in an hour."))
        else:
            try:
                user = application_finish(
                    email=data["email"],
                    code=data["code"],
                    username=data["username"],
                    password=data["password1"],
                    request=request,
                )
            except UsernameTaken:
                form.add_error("username", _("This login is taken. Choose another one."))
            except ValidationError as error:
                form.add_error("password1", error)
            else:
                if user is None:
                    FINISH_TRIES_PER_IP.hit(ip)
                    form.add_error(
                        "code",
                        _(
                            "The code is not right, has expired or was already used. Check the "
                            "e-mail, or call us for a new code."
                        ),
                    )
                else:
                    messages.success(
                        request, _("Registration is complete. Log in with your login and password.")
                    )
                    return redirect("identity:login")
    # The code is typed, never in the address, so the site's same-origin referrer policy is
    # enough (no-referrer would make browsers send `Origin: null` and fail the CSRF check).
    return render(request, "identity/signup_application_finish.html", {"form": form})


urlpatterns: list[URLPattern] = [
    path("signup/application/", signup_application, name="signup_application"),
    path("signup/application/sent/", signup_application_sent, name="signup_application_sent"),
    path(
        "signup/application/forms/<str:offer>.pdf",
        signup_application_blank,
        name="signup_application_blank",
    ),
    path(
        "signup/application/finish/",
        signup_application_finish,
        name="signup_application_finish",
    ),
]
