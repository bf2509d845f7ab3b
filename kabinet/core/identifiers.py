"""Tax and registry identifiers: normalised and checksummed.

python-stdnum covers EDRPOU, RNOKPP (its `rntrc`), INN and OGRN; SNILS is not in it, so its
checksum (the Pension Fund of Russia's rule) is the one written here.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.ru import inn as ru_inn
from stdnum.ru import ogrn as ru_ogrn
from stdnum.ua import edrpou as ua_edrpou
from stdnum.ua import rntrc as ua_rntrc


def _digits(value: str) -> str:
    return "".join(ch for ch in str(value) if not ch.isspace() and ch not in "-.")


def snils_validate(value: str) -> str:
    """Return the 11 digits of a valid SNILS or raise ValueError."""
    number = _digits(value)
    if len(number) != 11 or not (number.isascii() and number.isdigit()):
        raise ValueError("SNILS has 11 digits")
    body, check = number[:9], int(number[9:])
    if int(body) <= 1001998:  # numbers up to 001-001-998 were issued without a checksum
        return number
    total = sum(int(d) * w for d, w in zip(body, range(9, 0, -1), strict=True))
    if total > 101:
        total %= 101
    expected = 0 if total in (100, 101) else total
    if expected != check:
        raise ValueError("SNILS checksum does not match")
    return number


def ogrn_validate(value: str) -> str:
    """OGRN (13 digits) through python-stdnum; OGRNIP (15) checked here, because stdnum 2.2
    compares the whole remainder mod 13 instead of its last digit and refuses valid numbers."""
    number = _digits(value)
    if len(number) == 15 and number.isascii() and number.isdigit():
        if number[0] not in "34" or int(number[:14]) % 13 % 10 != int(number[14]):
            raise ValueError("OGRNIP checksum does not match")
        return number
    return _stdnum(ru_ogrn)(number)


def snils_format(number: str) -> str:
    n = _digits(number)
    return f"{n[0:3]}-{n[3:6]}-{n[6:9]} {n[9:11]}"


def _stdnum(module: object) -> Callable[[str], str]:
    def check(value: str) -> str:
        try:
            return str(module.validate(value))  # type: ignore[attr-defined]
        except StdnumError as exc:
            raise ValueError(str(exc)) from exc

    return check


# kind → (normaliser that raises ValueError, message for people)
IDENTIFIERS: dict[str, tuple[Callable[[str], str], StrOrPromise]] = {
    "edrpou": (_stdnum(ua_edrpou), _("Enter a valid EDRPOU code: 8 digits.")),
    "rnokpp": (_stdnum(ua_rntrc), _("Enter a valid RNOKPP (individual tax number): 10 digits.")),
    "inn": (_stdnum(ru_inn), _("Enter a valid INN: 10 digits for a company, 12 for a person.")),
    "ogrn": (ogrn_validate, _("Enter a valid OGRN: 13 or 15 digits.")),
    "snils": (snils_validate, _("Enter a valid SNILS: 11 digits, e.g. 112-233-445 95.")),
}


def normalize(kind: str, value: str) -> str:
    """The canonical digits of an identifier, or ValidationError with a message for people."""
    check, message = IDENTIFIERS[kind]
    try:
        return check(value)
    except ValueError as exc:
        raise ValidationError(message, code=f"invalid_{kind}") from exc


@deconstructible
class IdentifierValidator:
    """A Django field validator for one kind of identifier (serialisable into migrations)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __call__(self, value: str) -> None:
        if value:
            normalize(self.kind, value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IdentifierValidator) and other.kind == self.kind

    def __hash__(self) -> int:
        return hash(self.kind)


def mask(value: str, visible: int = 3) -> str:
    """`•••••678`: enough for a person to recognise their own identifier, no more."""
    if not value:
        return ""
    shown = value[-visible:] if len(value) > visible else ""
    return "•" * (len(value) - len(shown)) + shown
