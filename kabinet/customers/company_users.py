"""A company's colleagues and roles: the administrator invites a colleague by e-mail or phone
with a role, changes roles and removes colleagues; the colleague accepts the invitation with
their own login. The activity page shows who did what for the company."""

from __future__ import annotations

from typing import cast

import phonenumbers
from django import forms
from django.contrib import messages
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from kabinet.core.models import AuditEvent
from kabinet.core.queries import any_of
from kabinet.core.ratelimit import Throttle
from kabinet.identity import services as identity_services
from kabinet.identity.forms import KabinetForm, NewPasswordMixin
from kabinet.identity.models import User
from kabinet.identity.phones import default_region

from . import roles, services
from .business import acting_customer
from .models import Account, CompanyMember, Invitation, Role
from .selectors import links_for

ACTIVITY_ROWS = 100
# Each invitation sends an e-mail or an SMS: enough for onboarding a department, not a flood.
INVITATIONS_PER_CUSTOMER = Throttle("company-invitations", limit=20, window=3600)

# What the activity page calls the events; others show their code.
ACTIONS = {
    "company.invited": gettext_lazy("Invited a colleague"),
    "company.invitation_withdrawn": gettext_lazy("Withdrew an invitation"),
    "company.joined": gettext_lazy("Joined the company"),
    "company.role_changed": gettext_lazy("Changed a colleague's role"),
    "company.removed": gettext_lazy("Removed a colleague"),
    "service_order.placed": gettext_lazy("Ordered a service"),
    "service_order.cancelled": gettext_lazy("Cancelled a service order"),
    "service_order.answered": gettext_lazy("The utility answered a service order"),
    "service_order.paid": gettext_lazy("Paid for a service order"),
    "signup.completed": gettext_lazy("Registered the company"),
}


class InviteForm(KabinetForm):
    email = forms.EmailField(label=gettext_lazy("E-mail"), required=False)
    phone = forms.CharField(
        label=gettext_lazy("or mobile phone"),
        max_length=32,
        required=False,
        help_text=gettext_lazy("For example +380 50 123 45 67."),
    )
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)

    def clean_phone(self) -> str:
        text = self.cleaned_data["phone"].strip()
        if not text:
            return ""
        try:
            number = phonenumbers.parse(text, default_region())
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise forms.ValidationError(_("Enter the phone with its code, e.g. +380 50 123 45 67."))
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not self.errors and not data.get("email") and not data.get("phone"):
            self.add_error("email", _("Enter the colleague's e-mail or mobile phone."))
        return data


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)


class AcceptForm(NewPasswordMixin, KabinetForm):
    username = forms.CharField(label=gettext_lazy("Login"), min_length=3, max_length=150)
    field_order = ["username", "password1", "password2"]

    def __init__(self, *args: object, invitation: Invitation, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.invitation = invitation

    def clean(self) -> dict[str, object]:
        data = super().clean()
        phone = self.invitation.phone
        if phone and User.objects.filter(phone=phone).exists():
            self.add_error(
                None,
                _(
                    "This phone already has a login. Log in with it, then open the "
                    "invitation link again."
                ),
            )
        return data

    def clean_username(self) -> str:
        username = " ".join(self.cleaned_data["username"].split())
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This login is already taken. Choose another one."))
        return username


def _members(customer_id: int) -> list[User]:
    """Everyone acting for the customer with their role (`role`; none means the registrant,
    the administrator), in one query."""
    role = CompanyMember.objects.filter(customer_id=customer_id, user=OuterRef("pk"))
    users = (
        User.objects.filter(customer_id=customer_id, is_active=True)
        .annotate(
            member_role=Subquery(role.values("role")[:1]),
            member_id=Subquery(role.values("pk")[:1]),
            inviter=Subquery(role.values("invited_by__username")[:1]),
        )
        .order_by("date_joined", "pk")
    )
    return list(users)


@never_cache
def company_users(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("identity:login")
    user = cast(User, request.user)
    customer, _allowed = acting_customer(user, roles.MANAGE_USERS)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not INVITATIONS_PER_CUSTOMER.hit(str(customer.pk)):
            form.add_error(None, _("Too many attempts, try again later."))
        else:
            services.invitation_send(
                customer=customer,
                email=data["email"],
                phone=data["phone"],
                role=data["role"],
                request=request,
            )
            messages.success(request, _("The invitation has been sent."))
            return redirect("customers:company_users")
    members = _members(customer.pk)
    for member in members:
        role = member.member_role or Role.ADMIN  # type: ignore[attr-defined]
        member.role_label = Role(role).label  # type: ignore[attr-defined]
        member.role_form = RoleForm(initial={"role": role}, auto_id=f"id_%s_{member.pk}")  # type: ignore[attr-defined]
    invitations = Invitation.objects.filter(
        customer=customer, accepted_at__isnull=True, revoked=False
    ).select_related("invited_by")
    return render(
        request,
        "customers/company_users.html",
        {
            "links": list(links_for(user)),
            "current": None,
            "customer": customer,
            "members": members,
            "invitations": list(invitations),
            "form": form,
        },
    )


def _member_for(request: HttpRequest, member_pk: int) -> CompanyMember:
    customer, _allowed = acting_customer(request.user, roles.MANAGE_USERS)
    member = (
        CompanyMember.objects.select_related("user").filter(pk=member_pk, customer=customer).first()
    )
    if member is None or member.user_id == request.user.pk:
        raise Http404
    return member


@require_POST
def company_user_role(request: HttpRequest, member_pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("identity:login")
    member = _member_for(request, member_pk)
    form = RoleForm(request.POST)
    if form.is_valid():
        services.member_role_change(member=member, role=form.cleaned_data["role"], request=request)
        messages.success(request, _("The role has been changed."))
    return redirect("customers:company_users")


@require_POST
def company_user_remove(request: HttpRequest, member_pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("identity:login")
    member = _member_for(request, member_pk)
    services.member_remove(member=member, request=request)
    messages.success(request, _("The colleague has been removed."))
    return redirect("customers:company_users")


@require_POST
def invitation_withdraw(request: HttpRequest, invitation_pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("identity:login")
    customer, _allowed = acting_customer(request.user, roles.MANAGE_USERS)
    invitation = Invitation.objects.filter(
        pk=invitation_pk, customer=customer, accepted_at__isnull=True, revoked=False
    ).first()
    if invitation is None:
        raise Http404
    services.invitation_withdraw(invitation=invitation, request=request)
    messages.success(request, _("The invitation has been withdrawn."))
    return redirect("customers:company_users")


SESSION_TOKEN = "company_invitation_token"  # noqa: S105 - a session key, not a secret


def _invalid(request: HttpRequest) -> HttpResponse:
    response = render(request, "customers/invitation_invalid.html", status=404)
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
def invitation_open(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed link: keep the token in the session and go on to an address without it,
    so no Referer and no browser history carries it (SECURITY.md 14)."""
    try:
        services.invitation_by_token(token)
    except services.InvitationInvalid:
        return _invalid(request)
    request.session[SESSION_TOKEN] = token
    response = redirect("customers:invitation_accept")
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@sensitive_post_parameters("password1", "password2")
def invitation_accept(request: HttpRequest) -> HttpResponse:
    """Open to anyone holding the link: a new colleague picks a login and a password; a
    logged-in person who acts for no company joins with their own login."""
    token = request.session.get(SESSION_TOKEN, "")
    try:
        invitation = services.invitation_by_token(token)
    except services.InvitationInvalid:
        return _invalid(request)
    user = request.user if request.user.is_authenticated else None
    form = AcceptForm(request.POST or None, invitation=invitation) if user is None else None
    if request.method == "POST":
        if user is not None:
            try:
                services.invitation_accept_existing(token=token, user=user, request=request)
            except services.CannotJoin:
                messages.error(request, _("You already act for an organisation."))
                return redirect("customers:cabinet")
            request.session.pop(SESSION_TOKEN, None)
            messages.success(request, _("You have joined the organisation."))
            return redirect("customers:contracts")
        assert form is not None
        if form.is_valid():
            new = services.invitation_accept_new(
                token=token,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                request=request,
            )
            request.session.pop(SESSION_TOKEN, None)
            identity_services.session_start(request=request, user=new, how="invitation")
            messages.success(request, _("You have joined the organisation."))
            return redirect("customers:contracts")
    return render(
        request,
        "customers/invitation_accept.html",
        {"invitation": invitation, "form": form, "joining_user": user},
    )


@never_cache
def company_activity(request: HttpRequest) -> HttpResponse:
    """Who did what for the company: its audit events, newest first (administrators only)."""
    if not request.user.is_authenticated:
        return redirect("identity:login")
    user = cast(User, request.user)
    customer, _allowed = acting_customer(user, roles.MANAGE_USERS)
    accounts = Account.objects.filter(customer=customer).values("pk")
    of_company = any_of(
        AuditEvent.objects.filter(customer_id=customer.pk),
        AuditEvent.objects.filter(account_id__in=accounts),
    )
    events = list(AuditEvent.objects.filter(of_company).order_by("-at", "-id")[:ACTIVITY_ROWS])
    for event in events:
        event.label = ACTIONS.get(event.action, event.action)  # type: ignore[attr-defined]
    return render(
        request,
        "customers/company_activity.html",
        {"links": list(links_for(user)), "current": None, "customer": customer, "events": events},
    )


urlpatterns: list[URLPattern] = [
    path("company/users/", company_users, name="company_users"),
    path("company/users/<int:member_pk>/role/", company_user_role, name="company_user_role"),
    path("company/users/<int:member_pk>/remove/", company_user_remove, name="company_user_remove"),
    path(
        "company/invitations/<int:invitation_pk>/withdraw/",
        invitation_withdraw,
        name="invitation_withdraw",
    ),
    path("company/activity/", company_activity, name="company_activity"),
    path("invitations/accept/", invitation_accept, name="invitation_accept"),
    path("invitations/<str:token>/", invitation_open, name="invitation_open"),
]
