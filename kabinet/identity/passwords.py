"""Password rules: the utility's policy (length floor 8, optional composition) and context words.

Both are Django password validators, so every path that sets a password (sign-up, change,
reset, staff-issued first login, the admin) applies them (SECURITY.md 1-2).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kabinet.core.models import UtilityProfile

FLOOR = 8


def policy_hint(profile: UtilityProfile | None = None) -> str:
    """The rule in words, shown under every new-password field (the DTEK guide's hint)."""
    profile = profile or UtilityProfile.get()
    length = max(FLOOR, profile.password_min_length)
    text = ngettext("At least %(n)d character.", "At least %(n)d characters.", length) % {
        "n": length
    }
    if profile.password_require_classes:
        text += " " + _(
            "Latin letters only, with upper- and lower-case letters, a digit and a symbol, "
            "for example Qwer123!"
        )
    return text


class PolicyValidator:
    """The utility's length and composition rules; the length floor is 8 whatever it says."""

    def validate(self, password: str, user: Any = None) -> None:
        profile = UtilityProfile.get()
        length = max(FLOOR, profile.password_min_length)
        errors = []
        if len(password) < length:
            errors.append(
                ValidationError(
                    ngettext(
                        "The password is too short: it needs at least %(n)d character.",
                        "The password is too short: it needs at least %(n)d characters.",
                        length,
                    ),
                    code="password_too_short",
                    params={"n": length},
                )
            )
        if profile.password_require_classes:
            checks = [
                re.search(r"[A-Z]", password),
                re.search(r"[a-z]", password),
                re.search(r"\d", password),
                re.search(r"[^A-Za-z0-9\s]", password),
            ]
            if not all(checks) or re.search(r"[^\x20-\x7e]", password):
                errors.append(
                    ValidationError(
                        _(
                            "Use latin letters only, with an upper-case letter, a lower-case "
                            "letter, a digit and a symbol."
                        ),
                        code="password_composition",
                    )
                )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return policy_hint()


def _context_words(user: Any) -> list[str]:
    """What a guesser knows about this person and this utility."""
    profile = UtilityProfile.get()
    words = [profile.short_name, *profile.legal_name.replace("«", " ").replace("»", " ").split()]
    if user is not None:
        words += [getattr(user, "username", "") or "", getattr(user, "phone", "") or ""]
        words += list(getattr(user, "password_context", []))
        customer = getattr(user, "customer", None) if getattr(user, "customer_id", None) else None
        if customer is not None:
            words += [customer.edrpou, customer.rnokpp, customer.inn, customer.snils]
    normalised = set()
    for word in words:
        word = (word or "").strip().lower()
        digits = re.sub(r"\D", "", word)
        if len(digits) >= 6:  # phones and identifiers: their significant tail
            normalised.add(digits[-9:] if len(digits) > 9 else digits)
        elif len(word) >= 4 and not word.isdigit():
            normalised.add(word.strip("\"'«».,"))
    return sorted(w for w in normalised if len(w) >= 4)


class ContextValidator:
    """Rejects passwords built on the utility's name, the user's phone, account or tax id."""

    def validate(self, password: str, user: Any = None) -> None:
        lowered = password.lower()
        digits = re.sub(r"\D", "", password)
        for word in _context_words(user):
            if word.isdigit() and len(digits) >= 6 and (word in digits or digits in word):
                raise ValidationError(
                    _("The password must not contain your phone, account number or tax id."),
                    code="password_context",
                )
            if not word.isdigit() and word in lowered:
                raise ValidationError(
                    _("The password must not contain the utility's name or your login."),
                    code="password_context",
                )

    def get_help_text(self) -> str:
        return _("Do not use your phone, account number, tax id or the utility's name.")
