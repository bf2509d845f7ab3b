"""The demo data generator: deterministic, consistent, valid, and every demo login works."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from stdnum import iban

from kabinet.billing.models import Invoice, Payment, Statement
from kabinet.core.identifiers import normalize
from kabinet.core.models import (
    Announcement,
    Apartment,
    Branch,
    Building,
    Service,
    Settlement,
    Street,
    UtilityProfile,
)
from kabinet.customers.models import Account, AccountLink, Contract, Customer, ServicePoint
from kabinet.demo.generator import DEMO_PASSWORD, demo_load, logins_table
from kabinet.demo.seedflows import (
    DEMO_LOGINS,
    DTEK_EDRPOU,
    HOUSEHOLD_PHONE,
    KRASKOM_HOUSEHOLD_ACCOUNT,
)
from kabinet.identity.models import User
from kabinet.metering.models import Meter, Reading

TODAY = dt.date(2026, 3, 15)
IDENTIFIER_KINDS = ("edrpou", "rnokpp", "inn", "ogrn", "snils")


def load(*, accounts: int = 30, months: int = 13, seed: int = 1) -> Any:
    return demo_load(accounts=accounts, months=months, seed=seed, today=TODAY, say=lambda _: None)


def snapshot() -> dict[str, list[Any]]:
    return {
        "customers": list(
            Customer.objects.order_by("code").values_list("code", "name", *IDENTIFIER_KINDS)
        ),
        "accounts": list(
            Account.objects.order_by("number").values_list("number", "service", "status")
        ),
        "statements": list(
            Statement.objects.order_by("account__number", "period").values_list(
                "account__number",
                "period",
                "volume",
                "opening_balance",
                "charged",
                "paid",
                "closing_balance",
            )
        ),
        "payments": list(
            Payment.objects.order_by("reference").values_list("reference", "paid_on", "amount")
        ),
        "readings": list(
            Reading.objects.order_by("meter__serial", "taken_on").values_list(
                "meter__serial", "taken_on", "value1", "value2"
            )
        ),
    }


def wipe() -> None:
    for model in (
        AccountLink, Reading, Meter, Statement, Payment, Invoice, ServicePoint, Account,
        Contract, User, Group, Customer, Apartment, Building, Street, Settlement, Announcement,
        Branch,
    ):  # fmt: skip
        model._default_manager.all().delete()


@pytest.mark.django_db
def test_same_seed_same_data_other_seed_other_data() -> None:
    result = load()
    assert result.accounts == Account.objects.count() == 30
    first = snapshot()
    wipe()
    load()
    assert snapshot() == first
    wipe()
    load(seed=2)
    assert snapshot()["statements"] != first["statements"]


@pytest.mark.django_db
def test_balances_payments_and_readings_add_up() -> None:
    load(accounts=200)
    by_account: dict[int, list[Statement]] = defaultdict(list)
    for statement in Statement.objects.order_by("account_id", "period"):
        by_account[statement.account_id].append(statement)
    paid_in_month: dict[tuple[int | None, dt.date], Decimal] = defaultdict(Decimal)
    for payment in Payment.objects.all():
        paid_in_month[(payment.account_id, payment.paid_on.replace(day=1))] += payment.amount
    assert sum(len(months) for months in by_account.values()) > 200 * 10
    paid_late = False
    for months in by_account.values():
        for month, following in zip(months, [*months[1:], None], strict=True):
            assert month.closing_balance == (month.opening_balance + month.charged - month.paid), (
                month
            )
            assert month.paid == paid_in_month.get((month.account_id, month.period), 0)
            if following is not None:
                assert following.opening_balance == month.closing_balance
                assert following.period.month % 12 == (month.period.month + 1) % 12
                if month.paid == 0 and month.opening_balance > 0:
                    paid_late |= following.paid >= following.opening_balance
    assert paid_late  # some months go unpaid and are paid later in full
    closing = [months[-1].closing_balance for months in by_account.values()]
    assert any(c > 0 for c in closing) and any(c < 0 for c in closing)  # debts and credits

    volume: dict[tuple[int | None, dt.date], Decimal] = {
        (s.account_id, s.period): s.volume for ms in by_account.values() for s in ms
    }
    meters = Meter.objects.exclude(account=None)
    assert meters.count() > 100
    for meter in meters:
        readings = list(meter.readings.order_by("taken_on"))
        assert len(readings) >= 2
        assert all(r.value1 < 10**meter.digits for r in readings)
        for before, after in itertools.pairwise(readings):
            used = (after.value1 - before.value1) + ((after.value2 or 0) - (before.value2 or 0))
            assert used == volume[(meter.account_id, after.taken_on.replace(day=1))]


@pytest.mark.django_db
def test_identifiers_validate_and_accounts_are_unique() -> None:
    load(accounts=200)
    seen = 0
    for customer in Customer.objects.all():
        for kind in IDENTIFIER_KINDS:
            value = getattr(customer, kind)
            if value:
                assert normalize(kind, value) == value
                seen += 1
        if customer.iban.startswith("UA"):
            assert iban.validate(customer.iban)
    assert seen >= Customer.objects.count()
    numbers = list(Account.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) and all(n.isdigit() for n in numbers)
    assert (
        Customer.objects.exclude(snils="").exists() and Customer.objects.exclude(ogrn="").exists()
    )


@pytest.mark.django_db
def test_gas_is_seasonal() -> None:
    load(accounts=200)
    gas = Statement.objects.filter(account__service=Service.GAS)
    january = [s.volume for s in gas.filter(period=dt.date(2026, 1, 1))]
    july = [s.volume for s in gas.filter(period=dt.date(2025, 7, 1))]
    assert january and july
    assert sum(january) / len(january) > 2 * sum(july) / len(july)


@pytest.mark.django_db
def test_every_demo_login_authenticates() -> None:
    load()
    for login in DEMO_LOGINS:
        user = authenticate(username=login.username, password=DEMO_PASSWORD)
        assert user is not None, login
        assert isinstance(user, User)
        # the portal's own login form: any identifier the demo profile enables
        assert authenticate(identifier=login.username, password=DEMO_PASSWORD) == user
        if login.role:
            assert user.is_staff and user.groups.filter(name=login.role).exists()
        else:
            assert user.customer is not None and not user.is_staff
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    household = User.objects.get(phone=HOUSEHOLD_PHONE)
    assert authenticate(identifier="050 123 45 67", password=DEMO_PASSWORD) == household
    assert authenticate(identifier=DTEK_EDRPOU, password=DEMO_PASSWORD) is not None
    services = set(household.account_links.values_list("account__service", flat=True))
    assert {"gas", "electricity", "water"} <= services
    assert household.account_links.filter(nickname="Дача").exists()
    kraskom = User.objects.get(username=KRASKOM_HOUSEHOLD_ACCOUNT)
    assert kraskom.account_links.filter(account__number=KRASKOM_HOUSEHOLD_ACCOUNT).exists()
    dtek = User.objects.get(username=DEMO_LOGINS[1].username)
    assert dtek.customer is not None
    assert dtek.customer.accounts.filter(service="electricity").count() >= 2
    assert Statement.objects.filter(account__customer=dtek.customer, source="previous").exists()
    assert Invoice.objects.exclude(contract=None).count() == Contract.objects.count() * 13
    assert Invoice.objects.filter(account__links__user=household).count() == 4 * 13
    assert UtilityProfile.get().services == [choice.value for choice in Service]
    assert Announcement.objects.count() == 3


@pytest.mark.django_db
def test_command_if_empty_and_refusal() -> None:
    args = ["--accounts", "30", "--months", "13", "--today", "2026-03-15"]
    out = StringIO()
    call_command("demo_load", *args, stdout=out)
    assert "Loaded" in out.getvalue() and "torgovaya_marka" in out.getvalue()
    statements = Statement.objects.count()
    out = StringIO()
    call_command("demo_load", *args, "--if-empty", stdout=out)
    assert "already loaded" in out.getvalue()
    assert Statement.objects.count() == statements
    with pytest.raises(CommandError, match="already has customers"):
        call_command("demo_load", *args, stdout=StringIO())


@pytest.mark.django_db
def test_print_logins_loads_nothing() -> None:
    out = StringIO()
    call_command("demo_load", "--print-logins", stdout=out)
    assert out.getvalue().strip() == logins_table()
    assert all(login.username in out.getvalue() for login in DEMO_LOGINS)
    assert DEMO_PASSWORD in out.getvalue()
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_the_service_catalogue_is_filled_with_free_and_priced_services() -> None:
    from kabinet.customers.models import ServiceKind

    load(accounts=5, months=2)
    kinds = list(ServiceKind.objects.all())
    assert len(kinds) >= 5 and all(k.name and k.name_ru and k.name_en for k in kinds)
    assert any(k.price is None for k in kinds) and any(k.price for k in kinds)
