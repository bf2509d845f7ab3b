"""The customer's profile: name, masked identifiers, contacts and the accounts' addresses."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from kabinet.core.identifiers import mask
from kabinet.identity.models import User
from kabinet.notify.masking import mask_phone

from .selectors import links_for

IDENTIFIER_LABELS: tuple[tuple[str, Promise], ...] = (
    ("edrpou", _("EDRPOU")),
    ("rnokpp", _("RNOKPP")),
    ("inn", _("INN")),
    ("snils", _("SNILS")),
)


def identifiers(user: User) -> list[tuple[Promise, str]]:
    """(label, masked value) of the customer's identifiers, or of the user's own ones."""
    customer = user.customer
    if customer is not None:
        return [
            (label, mask(getattr(customer, field)))
            for field, label in IDENTIFIER_LABELS
            if getattr(customer, field)
        ]
    own = [(_("EDRPOU, RNOKPP or INN"), user.tax_id), (_("SNILS"), user.snils)]
    return [(label, mask(value)) for label, value in own if value]


@login_required
@require_safe
def profile(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    customer = user.customer
    phone = user.phone or (customer.phone if customer else "")
    email = user.email or (customer.email if customer else "")
    return render(
        request,
        "customers/profile.html",
        {
            "links": list(links_for(user)),
            "current": None,
            "customer": customer,
            "name": customer.name if customer else (user.get_full_name() or user.get_username()),
            "identifiers": identifiers(user),
            "phone": mask_phone(phone) if phone else "",
            "email": email,
        },
    )


urlpatterns: list[URLPattern] = [
    path("profile/", profile, name="profile"),
]
