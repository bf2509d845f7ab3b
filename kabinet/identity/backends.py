"""Login by any identifier the utility enables, through one field (SECURITY.md 5-6).

The identifier may be a phone, an e-mail, a username, a personal account number, an EDRPOU,
RNOKPP or INN, or a SNILS. Several users can match (a family sharing an account number): the
password decides; if it fits more than one, the person is asked for another identifier.
Unknown identifiers cost the same password-hash work as known ones.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import make_password
from django.db.models import Q
from django.http import HttpRequest

from kabinet.core.models import UtilityProfile
from kabinet.customers.models import CustomerKind

from .models import User
from .phones import parse_phone

MAX_CANDIDATES = 5


class AmbiguousIdentifier(Exception):
    """The password fits more than one user with this identifier."""


def identifier_query(identifier: str, *, profile: UtilityProfile, status: str = "") -> Q | None:
    """Which users an identifier can name under the utility's enabled login methods."""
    text = identifier.strip()
    if not text:
        return None
    digits = re.sub(r"[\s\-()]", "", text)
    query = Q(pk__in=[])
    if profile.login_by_username:
        query |= Q(username=text)
    if profile.login_by_email and "@" in text:
        query |= Q(email__iexact=text)
    if profile.login_by_phone and (phone := parse_phone(text)):
        query |= Q(phone=phone)
    if profile.login_by_account:
        query |= Q(account_links__account__number=text)
    if digits.isdigit():
        # the customer's identifiers (billing) and the user's own (given at sign-up)
        if profile.login_by_tax_id and len(digits) in (8, 10, 12):
            query |= (
                Q(customer__edrpou=digits)
                | Q(customer__rnokpp=digits)
                | Q(customer__inn=digits)
                | Q(tax_id=digits)
            )
        if profile.login_by_snils and len(digits) == 11:
            query |= Q(customer__snils=digits) | Q(snils=digits)
    # The status: the customer's kind once billing links one, else the status given at sign-up.
    business = [CustomerKind.COMPANY, CustomerKind.ENTREPRENEUR]
    if status == CustomerKind.INDIVIDUAL:
        query &= Q(customer__kind=CustomerKind.INDIVIDUAL) | Q(
            customer__isnull=True, kind__in=["", CustomerKind.INDIVIDUAL]
        )
    elif status:
        query &= Q(customer__kind__in=business) | Q(customer__isnull=True, kind__in=business)
    return query


def users_for_identifier(identifier: str, *, status: str = "") -> list[User]:
    query = identifier_query(identifier, profile=UtilityProfile.get(), status=status)
    if query is None:
        return []
    ids = list(User.objects.filter(query).values_list("pk", flat=True).distinct()[:MAX_CANDIDATES])
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


class IdentifierBackend(ModelBackend):
    """`authenticate(request, identifier=..., password=..., status=...)`."""

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        identifier: str | None = None,
        password: str | None = None,
        status: str = "",
        **kwargs: Any,
    ) -> User | None:
        if identifier is None or password is None:
            return None
        candidates = users_for_identifier(identifier, status=status)
        if not candidates:
            make_password(password)  # the same work as a real check: no timing oracle
            return None
        matches = [
            user
            for user in candidates
            if user.check_password(password) and self.user_can_authenticate(user)
        ]
        if len(matches) > 1:
            raise AmbiguousIdentifier(identifier)
        return matches[0] if matches else None
