"""Identifiers for the demo data that pass their checksums: tax numbers, IBANs, account numbers.

Check digits come from python-stdnum wherever it has the identifier (the same functions
`kabinet.core.identifiers` validates with); SNILS and the Russian bank-account key are
computed here by their published rules.
"""

from __future__ import annotations

import datetime as dt
import random

from stdnum import iban as std_iban
from stdnum import luhn
from stdnum.ru import inn as ru_inn
from stdnum.ru import ogrn as ru_ogrn
from stdnum.ua import edrpou as ua_edrpou
from stdnum.ua import rntrc as ua_rntrc

# The first digit of an account number says the service (the second, the branch).
SERVICE_DIGITS = {"electricity": 1, "gas": 2, "water": 3, "sewage": 4, "heat": 5, "connection": 6}


def account_number(*, service: str, branch: int, sequence: int) -> str:
    """Ten digits: service, branch, a 7-digit sequence and a Luhn check digit."""
    body = f"{SERVICE_DIGITS[service]}{branch}{sequence:07d}"
    return body + luhn.calc_check_digit(body)


def rnokpp(rng: random.Random, *, born: dt.date, female: bool) -> str:
    """A Ukrainian RNOKPP: days since 31.12.1899, a serial whose last digit is even for women."""
    days = (born - dt.date(1899, 12, 31)).days
    sex = rng.randrange(0, 10, 2) + (0 if female else 1)
    body = f"{days:05d}{rng.randrange(1000):03d}{sex}"
    return body + ua_rntrc.calc_check_digit(body)


def edrpou(rng: random.Random) -> str:
    body = f"{rng.choice('01234')}{rng.randrange(10**6):06d}"
    return body + ua_edrpou.calc_check_digit(body)


def inn_company(*, region: int, serial: int) -> str:
    """A Russian company INN: region (2 digits), tax office (2), serial (5), check digit."""
    body = f"{region:02d}{serial:07d}"
    return body + ru_inn.calc_company_check_digit(body)


def ogrn(*, year: int, region: int, serial: int) -> str:
    """A 13-digit OGRN of a legal entity: 1, year, region, serial, check digit."""
    body = f"1{year % 100:02d}{region:02d}{serial:07d}"
    return body + ru_ogrn.calc_check_digit(body + "0")


def snils(body: str) -> str:
    """SNILS: nine digits and two check digits (the rule `identifiers.snils_validate` checks)."""
    total = sum(int(d) * w for d, w in zip(body, range(9, 0, -1), strict=True))
    if total > 101:
        total %= 101
    check = 0 if total in (100, 101) else total
    return f"{body}{check:02d}"


def iban_ua(rng: random.Random, *, mfo: str) -> str:
    """UA, two check digits, the bank's MFO and a 19-digit (zero-padded) current account."""
    account = 26000000000000 + rng.randrange(10**10)
    bban = f"{mfo}{account:019d}"
    number = f"UA00{bban}"
    return f"UA{std_iban.calc_check_digits(number)}{bban}"


def ru_account(rng: random.Random, *, bic: str) -> str:
    """A Russian settlement account (40702…) with the control key the Bank of Russia defines."""
    head, tail = "40702810", f"{rng.randrange(10**11):011d}"
    weights = [7, 1, 3] * 8
    digits = bic[-3:] + head + "0" + tail
    total = sum(int(d) * w % 10 for d, w in zip(digits, weights, strict=False))
    key = total % 10 * 3 % 10
    return f"{head}{key}{tail}"


def phone_ua(rng: random.Random, codes: list[int]) -> str:
    return f"+380{rng.choice(codes)}{rng.randrange(10**7):07d}"
