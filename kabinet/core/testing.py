"""Builders of test data, shared by every app's tests and the browser tests.

Small keyword-only functions that make valid objects with sensible defaults, in the spirit of
healthchecks' test cast. The root `conftest.py` turns the cast (a household, a company, an
outsider, a member of staff, the utility) into fixtures; tests that need more people call the
builders directly. Nothing here runs in production: only tests import this module.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import translation
from stdnum.ru import inn as ru_inn
from stdnum.ru import ogrn as ru_ogrn
from stdnum.ua import edrpou as ua_edrpou
from stdnum.ua import rntrc as ua_rntrc

from kabinet.core.models import (
    Apartment,
    Branch,
    Building,
    Service,
    Settlement,
    Street,
    UtilityProfile,
)
from kabinet.customers.models import (
    Account,
    AccountLink,
    Contract,
    Customer,
    CustomerKind,
    ServicePoint,
)
from kabinet.identity.models import User
from kabinet.metering.models import Meter

# Every fixture user logs in with this password (long enough for every policy).
PASSWORD = "Tri-Kolyory-Veselky-2024"  # noqa: S105 - the test users' password

_sequence = itertools.count(1)


def next_number() -> int:
    """A number unique within the test process: for codes, account numbers, usernames."""
    return next(_sequence)


@functools.cache
def password_hash() -> str:
    """PASSWORD hashed once per process: Argon2 costs ~20 ms a hash, the cast has many users."""
    return make_password(PASSWORD)


# --- Identifiers with valid check digits ---------------------------------------------------------


def valid_edrpou(n: int | None = None) -> str:
    body = f"{(n if n is not None else next_number()) % 10**7:07d}"
    return body + ua_edrpou.calc_check_digit(body)


def valid_rnokpp(n: int | None = None) -> str:
    body = f"{(n if n is not None else next_number()) % 10**9:09d}"
    return body + ua_rntrc.calc_check_digit(body)


def valid_inn(n: int | None = None, *, person: bool = False) -> str:
    n = n if n is not None else next_number()
    if person:
        body = f"77{n % 10**8:08d}"
        return body + ru_inn.calc_personal_check_digits(body)
    body = f"77{n % 10**7:07d}"
    return body + ru_inn.calc_company_check_digit(body)


def valid_ogrn(n: int | None = None) -> str:
    body = f"10277{(n if n is not None else next_number()) % 10**7:07d}"
    return body + ru_ogrn.calc_check_digit(body + "0")


def snils_check_digits(body: str) -> str:
    """The SNILS checksum (Pension Fund of Russia rule), for a 9-digit body above 001-001-998."""
    total = sum(int(d) * w for d, w in zip(body, range(9, 0, -1), strict=True))
    if total > 101:
        total %= 101
    return "00" if total in (100, 101) else f"{total:02d}"


def valid_snils(n: int | None = None) -> str:
    body = f"{2000000 + (n if n is not None else next_number()) % 10**8:09d}"
    return body + snils_check_digits(body)


# --- The utility and its address tree ------------------------------------------------------------


def make_utility(**fields: Any) -> UtilityProfile:
    """The utility profile (pk=1) with names, phones and hours a portal would show."""
    values: dict[str, Any] = {
        "legal_name": "ТОВ «Кабінет-Енерго збут»",
        "short_name": "Кабінет-Енерго",
        "address": "м. Кременчук, вул. Соборна, 10",
        "contact_phones": "Кременчук: 0536 70 12 12\nКонтакт-центр: 0 800 30 12 12",
        "email": "info@gas.example.com",
        "opening_hours": "Пн–Пт 08:00–17:00",
        "lunch_break": "12:00–12:45",
        "services": [Service.GAS, Service.ELECTRICITY, Service.WATER, Service.SEWAGE],
    }
    values.update(fields)
    profile = UtilityProfile(**values)
    profile.save()
    return profile


def make_building(
    *,
    branch: str = "Кременчуцька філія",
    settlement: str = "Кременчук",
    street: str = "вул. Соборна",
    building: str = "12",
    postcode: str = "39600",
) -> Building:
    """The address tree down to a building (a company's premises, a private house).

    Every level is get-or-create by name, so two calls with the same names share the parents.
    """
    branch_obj = Branch.objects.filter(name=branch).first()
    if branch_obj is None:
        branch_obj = Branch.objects.create(
            name=branch, code=f"B{next_number():04d}", phones="0536 70 12 12"
        )
    settlement_obj, _ = Settlement.objects.get_or_create(branch=branch_obj, name=settlement)
    street_obj, _ = Street.objects.get_or_create(settlement=settlement_obj, name=street)
    building_obj, _ = Building.objects.get_or_create(
        street=street_obj, number=building, defaults={"postcode": postcode}
    )
    return building_obj


def make_address(*, apartment: str = "7", **building: str) -> Apartment:
    """An apartment with its building, street, settlement and branch (see `make_building`)."""
    apartment_obj, _ = Apartment.objects.get_or_create(
        building=make_building(**building), number=apartment
    )
    return apartment_obj


def _split_address(address: Apartment | Building | None) -> tuple[Building, Apartment | None]:
    if address is None:
        address = make_address()
    if isinstance(address, Apartment):
        return address.building, address
    return address, None


# --- Customers, accounts, contracts, meters ------------------------------------------------------


def make_customer(
    *, kind: str = CustomerKind.INDIVIDUAL, name: str | None = None, **fields: Any
) -> Customer:
    """A customer with a valid tax id for its kind (RNOKPP for people, EDRPOU otherwise)."""
    n = next_number()
    values: dict[str, Any] = {
        "code": f"C{n:07d}",
        "kind": kind,
        "name": name
        or ("Коваленко Олена Петрівна" if kind == CustomerKind.INDIVIDUAL else "ТОВ «Водограй»"),
    }
    if kind == CustomerKind.INDIVIDUAL:
        values["rnokpp"] = valid_rnokpp(n)
    elif kind == CustomerKind.COMPANY:
        values["edrpou"] = valid_edrpou(n)
    else:
        values["rnokpp"] = valid_rnokpp(n)
    values.update(fields)
    customer = Customer(**values)
    customer.full_clean()
    customer.save()
    return customer


def make_contract(
    *,
    customer: Customer,
    title: str = "Вода і стоки",
    services: list[str] | None = None,
    number: str | None = None,
    **fields: Any,
) -> Contract:
    values: dict[str, Any] = {
        "number": number or f"D-{next_number():06d}",
        "customer": customer,
        "title": title,
        "services": services if services is not None else [Service.WATER, Service.SEWAGE],
        "address": "м. Кременчук, вул. Промислова, 3",
        "starts_on": dt.date(2021, 1, 1),
    }
    values.update(fields)
    return Contract.objects.create(**values)


def make_account(
    *,
    customer: Customer,
    service: str = Service.GAS,
    address: Apartment | Building | None = None,
    contract: Contract | None = None,
    number: str | None = None,
    **fields: Any,
) -> Account:
    building, apartment = _split_address(address)
    values: dict[str, Any] = {
        "number": number or f"{next_number():010d}",
        "service": service,
        "customer": customer,
        "contract": contract,
        "building": building,
        "apartment": apartment,
        "opened_on": dt.date(2020, 1, 1),
    }
    values.update(fields)
    return Account.objects.create(**values)


def make_service_point(
    *, contract: Contract, account: Account | None = None, **fields: Any
) -> ServicePoint:
    values: dict[str, Any] = {
        "contract": contract,
        "account": account,
        "code": f"{next_number():06d}",
        "name": "Виробничий цех",
        "address": contract.address or "м. Кременчук, вул. Промислова, 3",
    }
    values.update(fields)
    return ServicePoint.objects.create(**values)


def make_meter(
    *,
    account: Account | None = None,
    service_point: ServicePoint | None = None,
    service: str | None = None,
    digits: int = 5,
    **fields: Any,
) -> Meter:
    if service is None:
        service = account.service if account is not None else Service.WATER
    values: dict[str, Any] = {
        "serial": f"M{next_number():08d}",
        "service": service,
        "digits": digits,
        "account": account,
        "service_point": service_point,
        "installed_on": dt.date(2020, 1, 1),
    }
    values.update(fields)
    return Meter.objects.create(**values)


# --- Users ---------------------------------------------------------------------------------------


def make_user(
    *,
    username: str | None = None,
    phone: str | None = None,
    customer: Customer | None = None,
    accounts: list[Account] | tuple[Account, ...] = (),
    **fields: Any,
) -> User:
    """A user who logs in with PASSWORD (or the hash in `password`), linked to `accounts`."""
    fields.setdefault("password", password_hash())
    user = User.objects.create(
        username=username or phone or f"user{next_number()}",
        phone=phone,
        customer=customer,
        **fields,
    )
    for account in accounts:
        link_account(user, account)
    return user


def link_account(user: User, account: Account, nickname: str = "") -> AccountLink:
    return AccountLink.objects.create(user=user, account=account, nickname=nickname)


# --- The cast ------------------------------------------------------------------------------------


@dataclass
class Household:
    """A family at one apartment with gas and electricity accounts and one user."""

    customer: Customer
    address: Apartment
    gas: Account
    electricity: Account
    user: User
    accounts: list[Account] = field(default_factory=list)


def unique_phone(operator: str = "50") -> str:
    """A Ukrainian mobile number in E.164 that no other test user has."""
    return f"+380{operator}{next_number() % 10**7:07d}"


def make_household(
    *,
    phone: str | None = None,
    name: str = "Коваленко Олена Петрівна",
    street: str = "вул. Соборна",
    building: str = "12",
    apartment: str = "7",
    username: str | None = None,
) -> Household:
    phone = phone or unique_phone("50")
    address = make_address(street=street, building=building, apartment=apartment)
    customer = make_customer(kind=CustomerKind.INDIVIDUAL, name=name, phone=phone)
    gas = make_account(customer=customer, service=Service.GAS, address=address)
    electricity = make_account(customer=customer, service=Service.ELECTRICITY, address=address)
    user = make_user(username=username, phone=phone, customer=customer, accounts=[gas, electricity])
    return Household(
        customer=customer,
        address=address,
        gas=gas,
        electricity=electricity,
        user=user,
        accounts=[gas, electricity],
    )


@dataclass
class Company:
    """A legal entity with a water-and-sewage contract, one service point with a meter."""

    customer: Customer
    contract: Contract
    account: Account
    service_point: ServicePoint
    meter: Meter
    user: User


def make_company(
    *,
    phone: str | None = None,
    name: str = "ТОВ «Водограй»",
    username: str | None = None,
) -> Company:
    phone = phone or unique_phone("63")
    customer = make_customer(
        kind=CustomerKind.COMPANY, name=name, phone=phone, email="office@vodohrai.example.com"
    )
    contract = make_contract(customer=customer, title="Вода і стоки")
    address = make_building(street="вул. Промислова", building="3")
    account = make_account(
        customer=customer, service=Service.WATER, address=address, contract=contract
    )
    service_point = make_service_point(contract=contract, account=account)
    meter = make_meter(service_point=service_point, account=account, digits=5)
    user = make_user(
        username=username, phone=phone, customer=customer, kind=customer.kind, accounts=[account]
    )
    return Company(
        customer=customer,
        contract=contract,
        account=account,
        service_point=service_point,
        meter=meter,
        user=user,
    )


def make_staff(*, username: str = "operator", **fields: Any) -> User:
    return make_user(username=username, is_staff=True, **fields)


# --- Translations --------------------------------------------------------------------------------


def catalogue_missing(code: str) -> str | None:
    """Why the gettext catalogue of `code` is not usable, or None when it is.

    A catalogue that is not written yet is a reason to skip a text assertion; a written one
    that is not compiled is a broken build (run `manage.py compilemessages`), and tests that
    depend on it must fail rather than skip — callers decide which.
    """
    po = Path(settings.BASE_DIR) / "locale" / code / "LC_MESSAGES" / "django.po"
    if not po.exists():
        return f"the {code} catalogue is not written yet ({po} is missing)"
    if not po.with_suffix(".mo").exists():
        return f"the {code} catalogue is not compiled: run `manage.py compilemessages`"
    with translation.override(code):
        if translation.gettext("Home") == "Home":
            return f"the {code} catalogue does not translate “Home”"
    return None


def require_catalogues(*codes: str) -> None:
    """Skip the calling test while a catalogue is not written yet; fail if it is broken."""
    import pytest

    for code in codes:
        reason = catalogue_missing(code)
        if reason is None:
            continue
        if "not written yet" in reason:
            pytest.skip(reason)
        pytest.fail(reason)


def back_office_login(client: Any, user: User) -> Any:
    """Log staff in as the back-office login would: password and a verified TOTP device."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from kabinet.identity.staff_otp import totp_device_for

    device = totp_device_for(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
