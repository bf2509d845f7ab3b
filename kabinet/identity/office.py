"""Credentials issued at the office (KrasKom households, DRSK service centres; SECURITY.md 8).

A member of staff finds a personal account or a user and either creates a login for the
account's household (the account number is the login) or resets a user's password. The
one-time password comes from `secrets`, is shown once on a printable slip, is never logged
nor audited, expires after ISSUED_PASSWORD_TTL, and must be replaced at the first login.

Where the expiry lives: the audit event `office.credentials_issued` of the issue carries
`expires_at` (the audit log is append-only, so it cannot be edited to extend it), and
`issued_password_expired(user)` reads the latest one while the user still has to change
the password. A `User.password_expires_at` field would make it a column read; see the report.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kabinet.core.audit import audit
from kabinet.core.models import AuditEvent
from kabinet.customers.models import Account, AccountLink

from . import services
from .forms import KabinetForm
from .models import User
from .phones import parse_phone
from .staff_otp import back_office

ISSUED = "office.credentials_issued"
ISSUED_PASSWORD_TTL = timedelta(days=7)
PERMISSION = "core.issue_credentials"  # a role permission (core/roles.py), not user editing
# Easy to read aloud and to copy from paper: no 0/O/o, 1/l/I/i, no capitals to announce.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
GROUPS, GROUP_LENGTH = 3, 4


class OfficeRefused(Exception):
    """The credentials cannot be issued; the message says why, for the member of staff."""


@dataclass(frozen=True)
class IssuedCredentials:
    user: User
    password: str
    expires_at: datetime
    created: bool
    account: Account | None = None

    def __repr__(self) -> str:  # never let the password reach a log through a repr
        return f"IssuedCredentials(user={self.user.pk}, created={self.created})"


def one_time_password() -> str:
    """Twelve characters from `secrets` in three groups (`kx7m-p4ra-9wqe`, ~59 bits)."""
    return "-".join(
        "".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS)
    )


def issued_password_expired(user: User) -> bool:
    """True when the user still has to change a password issued at the office, and it has
    expired. The login flow calls this after the password matched and before the session."""
    if not user.must_change_password or user.pk is None:
        return False
    event = (
        AuditEvent.objects.filter(
            action=ISSUED, object_type=User._meta.label_lower, object_id=str(user.pk)
        )
        .order_by("-at", "-id")
        .first()
    )
    expires_at = parse_datetime(str(event.data.get("expires_at", ""))) if event else None
    return expires_at is not None and expires_at <= timezone.now()


def _issue(
    *, user: User, created: bool, account: Account | None, request: HttpRequest
) -> IssuedCredentials:
    if user.is_staff or user.is_superuser:
        raise OfficeRefused(_("Staff passwords are not issued here."))
    password = one_time_password()
    expires_at = timezone.now() + ISSUED_PASSWORD_TTL
    user.set_password(password)
    user.must_change_password = True
    user.is_active = True
    user.save(update_fields=["password", "must_change_password", "is_active"])
    services.sessions_end_others(user=user, keep=None)  # whoever was logged in is not any more
    if not created:
        services.notice_send(user=user, purpose="office_password_issued")
    audit(
        ISSUED,
        request=request,
        obj=user,
        customer_id=user.customer_id,
        account_id=account.pk if account else None,
        created=created,
        expires_at=expires_at.isoformat(),
    )
    return IssuedCredentials(
        user=user, password=password, expires_at=expires_at, created=created, account=account
    )


def office_login_create(*, account: Account, request: HttpRequest) -> IssuedCredentials:
    """A login named by the account number for the account's household, with a one-time
    password; if that login exists already (and is this account's), its password is reset."""
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=account.number).first()
        if user is not None:
            if not AccountLink.objects.filter(user=user, account=account).exists():
                raise OfficeRefused(
                    _("The login %(login)s belongs to another user.") % {"login": account.number}
                )
            return _issue(user=user, created=False, account=account, request=request)
        user = User(username=account.number, customer=account.customer)
        user.set_unusable_password()
        user.save()
        AccountLink.objects.create(user=user, account=account)
        return _issue(user=user, created=True, account=account, request=request)


def office_password_reset(*, user: User, request: HttpRequest) -> IssuedCredentials:
    """A new one-time password for an existing user; the previous one stops working."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        return _issue(user=locked, created=False, account=None, request=request)


# --- Views -------------------------------------------------------------------------------------


class SearchForm(KabinetForm):
    q = forms.CharField(
        label=gettext_lazy("Personal account number, login, phone or e-mail"),
        max_length=254,
        help_text=gettext_lazy("Check the person's identity document before you issue a password."),
    )


def account_address(account: Account) -> str:
    parts = [account.building.street.settlement.name, str(account.building)]
    if account.apartment_id:
        parts.append(f"{_('apt.')} {account.apartment.number}")  # type: ignore[union-attr]
    return ", ".join(parts)


def _search(text: str) -> tuple[list[Account], list[User]]:
    accounts = list(
        Account.objects.filter(number=text).select_related(
            "customer", "building__street__settlement", "apartment"
        )
    )
    query = Q(username=text) | Q(email__iexact=text) if "@" in text else Q(username=text)
    if phone := parse_phone(text):
        query |= Q(phone=phone)
    if accounts:
        query |= Q(account_links__account__in=accounts)
    users = list(
        User.objects.filter(query, is_staff=False, is_superuser=False)
        .select_related("customer")
        .distinct()
        .order_by("username")[:20]
    )
    return accounts, users


@back_office(PERMISSION)
def office_search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "searched": False}
    if form.is_valid():
        accounts, users = _search(form.cleaned_data["q"].strip())
        taken = set(
            User.objects.filter(username__in=[a.number for a in accounts]).values_list(
                "username", flat=True
            )
        )
        context.update(
            searched=True,
            accounts=[(a, account_address(a), a.number in taken) for a in accounts],
            users=users,
        )
    return render(request, "identity/office_search.html", context)


def _slip(request: HttpRequest, issued: IssuedCredentials) -> HttpResponse:
    return render(
        request,
        "identity/office_slip.html",
        {
            "issued": issued,
            "login": issued.user.get_username(),
            "login_url": f"{settings.SITE_URL}/login/",
        },
    )


@back_office(PERMISSION)
@require_POST
def office_account_issue(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(Account, pk=pk)
    try:
        issued = office_login_create(account=account, request=request)
    except OfficeRefused as refused:
        messages.error(request, str(refused))
        return redirect("identity:office_search")
    return _slip(request, issued)


@back_office(PERMISSION)
def office_user(request: HttpRequest, pk: int) -> HttpResponse:
    """One user: who it is, and the button that issues a one-time password (POST)."""
    user = get_object_or_404(User.objects.select_related("customer"), pk=pk)
    if request.method == "POST":
        try:
            issued = office_password_reset(user=user, request=request)
        except OfficeRefused as refused:
            messages.error(request, str(refused))
        else:
            return _slip(request, issued)
    links = AccountLink.objects.filter(user=user).select_related(
        "account__building__street__settlement", "account__apartment"
    )
    return render(
        request,
        "identity/office_user.html",
        {
            "person": user,
            "accounts": [(link.account, account_address(link.account)) for link in links],
            "refused": user.is_staff or user.is_superuser,
        },
    )


urlpatterns: list[URLPattern] = [
    path("office/credentials/", office_search, name="office_search"),
    path(
        "office/credentials/accounts/<int:pk>/",
        office_account_issue,
        name="office_account_issue",
    ),
    path("office/credentials/users/<int:pk>/", office_user, name="office_user"),
]
