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
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from kabinet.core.models import UtilityProfile
from kabinet.customers.models import CustomerKind

from .models import User
from .phones import parse_phone

MAX_CANDIDATES = 5


class AmbiguousIdentifier(Exception):
    """The password fits more than one user with this identifier."""


def identifier_ways(
    identifier: str, *, profile: UtilityProfile, status: str = ""
) -> list[QuerySet[User]]:
    """The users an identifier can name under the utility's enabled login methods: one query
    per way in, each on its own index (an OR across the user's, the customer's and the
    account's columns reads every user on PostgreSQL); the matches are their union."""
    text = identifier.strip()
    if not text:
        return []
    digits = re.sub(r"[\s\-()]", "", text)
    users = User.objects
    ways: list[QuerySet[User]] = []
    if profile.login_by_username:
        ways.append(users.filter(username=text))
    if profile.login_by_email and "@" in text:
        ways.append(users.filter(email__iexact=text))
    if profile.login_by_phone and (phone := parse_phone(text)):
        ways.append(users.filter(phone=phone))
    if profile.login_by_account:
        ways.append(users.filter(account_links__account__number=text))
    if digits.isdigit():
        # the customer's identifiers (billing) and the user's own (given at sign-up)
        if profile.login_by_tax_id and len(digits) in (8, 10, 12):
            ways += [
                users.filter(customer__edrpou=digits),
                users.filter(customer__rnokpp=digits),
                users.filter(customer__inn=digits),
                users.filter(tax_id=digits),
            ]
        if profile.login_by_snils and len(digits) == 11:
            ways += [users.filter(customer__snils=digits), users.filter(snils=digits)]
    # The status: the customer's kind once billing links one, else the status given at sign-up.
    business = [CustomerKind.COMPANY, CustomerKind.ENTREPRENEUR]
    if status == CustomerKind.INDIVIDUAL:
        kind = Q(customer__kind=CustomerKind.INDIVIDUAL) | Q(
            customer__isnull=True, kind__in=["", CustomerKind.INDIVIDUAL]
        )
        ways = [way.filter(kind) for way in ways]
    elif status:
        kind = Q(customer__kind__in=business) | Q(customer__isnull=True, kind__in=business)
        ways = [way.filter(kind) for way in ways]
    return ways


def users_for_identifier(identifier: str, *, status: str = "") -> list[User]:
    ways = identifier_ways(identifier, profile=UtilityProfile.get(), status=status)
    if not ways:
        return []
    first, *rest = (way.order_by().values_list("pk", flat=True) for way in ways)
    ids = list(first.union(*rest)[:MAX_CANDIDATES])  # UNION: each user once
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
