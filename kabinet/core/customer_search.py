"""The service-centre operator's customer search: find a customer by any identifier (account,
contract, EDRPOU/RNOKPP/INN/OGRN/SNILS, billing code), a user's login, phone or e-mail, or an
address ("Соборна 12"); then the customer's card with accounts, logins, appeals and activity.

Acting for the customer goes only through explicit, audited actions linked from the card:
a one-time password (identity/office.py) and a registration application entered in person
(identity/admin_registration.py). Opening a card is audited too: it shows personal data."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from kabinet.appeals.models import Appeal
from kabinet.customers.models import Account, Customer
from kabinet.identity.models import User
from kabinet.identity.phones import parse_phone
from kabinet.identity.staff_otp import back_office

from .audit import audit
from .models import AuditEvent

PERMISSION = "core.search_customers"
MAX_RESULTS = 20
ADDRESS = ("building__street__settlement", "apartment")


class CustomerSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Account, contract, tax number, login, phone, e-mail or address"),
        max_length=200,
        min_length=2,
        help_text=_("An address as street and building number, e.g. “Соборна 12”."),
    )


def customers_query(text: str) -> Q:
    """Customers matching `text` by any identifier, a user's contact, or an address."""
    query = (
        Q(code=text)
        | Q(edrpou=text)
        | Q(rnokpp=text)
        | Q(inn=text)
        | Q(ogrn=text)
        | Q(snils=re.sub(r"\D", "", text) or text)
        | Q(accounts__number=text)
        | Q(contracts__number=text)
        | Q(users__username=text)
    )
    if "@" in text:
        query |= Q(email__iexact=text) | Q(users__email__iexact=text)
    if phone := parse_phone(text):
        query |= Q(phone=phone) | Q(users__phone=phone)
    if len(text) >= 3 and not text.isdigit():
        query |= Q(name__icontains=text)
    words = text.replace(",", " ").split()
    if len(words) >= 2 and any(ch.isdigit() for ch in words[-1]):
        street = " ".join(w for w in words[:-1] if w.lower().rstrip(".") not in ("вул", "ул"))
        query |= Q(
            accounts__building__street__name__icontains=street,
            accounts__building__number__iexact=words[-1],
        )
    return query


def customer_search(text: str) -> list[Customer]:
    ids = list(
        Customer.objects.filter(customers_query(text.strip()))
        .values_list("pk", flat=True)
        .distinct()[:MAX_RESULTS]
    )
    accounts = Account.objects.select_related(*ADDRESS, "building__street").order_by("number")
    return list(
        Customer.objects.filter(pk__in=ids)
        .prefetch_related(Prefetch("accounts", accounts))
        .order_by("name")
    )


@back_office(PERMISSION)
def customers(request: HttpRequest) -> HttpResponse:
    form = CustomerSearchForm(request.GET or None)
    found = customer_search(form.cleaned_data["q"]) if form.is_valid() else None
    return render(request, "core/office_customers.html", {"form": form, "found": found})


@back_office(PERMISSION)
def customer_card(request: HttpRequest, pk: int) -> HttpResponse:
    """One customer: accounts, logins (with their accounts), appeals and the activity log."""
    customer = get_object_or_404(Customer, pk=pk)
    accounts = list(
        customer.accounts.select_related(*ADDRESS, "building__street").order_by("number")
    )
    users = list(
        User.objects.filter(Q(customer=customer) | Q(account_links__account__customer=customer))
        .distinct()
        .order_by("username")
    )
    taken = {u.username for u in users}
    appeals = list(
        Appeal.objects.filter(Q(user__in=users) | Q(account__customer=customer))
        .select_related("topic", "account")
        .distinct()
        .order_by("-created_at")[:20]
    )
    events = list(AuditEvent.objects.filter(customer_id=customer.pk)[:30])
    audit("office.customer_viewed", request=request, obj=customer, customer_id=customer.pk)
    context: dict[str, Any] = {
        "customer": customer,
        "accounts": [(account, account.number in taken) for account in accounts],
        "users": users,
        "appeals": appeals,
        "events": events,
    }
    return render(request, "core/office_customer.html", context)


urlpatterns: list[URLPattern] = [
    path("office/customers/", customers, name="office_customers"),
    path("office/customers/<int:pk>/", customer_card, name="office_customer"),
]
