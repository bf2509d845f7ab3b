"""Mobile phone numbers: parsed with phonenumbers, stored and compared as E.164."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kabinet.core.models import Currency, UtilityProfile


def default_region(profile: UtilityProfile | None = None) -> str:
    profile = profile or UtilityProfile.get()
    return "RU" if profile.currency == Currency.RUB else "UA"


def parse_phone(text: str, *, region: str | None = None) -> str | None:
    """E.164 for a valid mobile number written any usual way (0501234567, +38 050 …), else None."""
    try:
        number = phonenumbers.parse(text, region or default_region())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    kind = phonenumbers.number_type(number)
    if kind not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_mobile(text: str) -> str:
    phone = parse_phone(text)
    if phone is None:
        raise ValidationError(
            _("Enter a valid mobile phone number, e.g. +380 50 123 45 67."), code="invalid_phone"
        )
    return phone
