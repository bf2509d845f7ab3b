"""Customers of the demo utility: households and businesses, their contracts, accounts, meters.

`Builder` writes one customer at a time as bulk rows and hands each account to `History` for
its months. The demo-login customers (seedflows.py) go through the same methods with fixed
names and numbers; everyone else is drawn from the seeded random generator.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from dataclasses import dataclass

from django.db import models

from kabinet.customers.models import Account, Contract, Customer, ServicePoint
from kabinet.demo import names, numbers
from kabinet.demo.addresses import Address, AddressBook
from kabinet.demo.bulk import BulkWriter
from kabinet.demo.history import (
    DEBTOR,
    LAGGING,
    PREPAY,
    PUNCTUAL,
    SEASONS,
    AccountPlan,
    Calendar,
    History,
    MeterPlan,
    money,
)
from kabinet.metering.models import Meter

FIRST_RANDOM_SEQUENCE = 100  # account sequences below this are the demo logins'
BUSINESS_SHARE = 0.03  # of customers
METER_LETTERS = {"gas": "G", "electricity": "E", "water": "W"}
VERIFICATION_YEARS = {"gas": 10, "electricity": 16, "water": 6}
UNIVERSAL = "Постачання електричної енергії («Універсальна послуга»)"
FREE_PRICE = "Постачання електричної енергії («Вільна ціна»)"
CONTRACT_TITLES = {"electricity": FREE_PRICE, "gas": "Постачання природного газу"}


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    short: str  # «Surname I.P.»
    female: bool
    born: dt.date
    russian: bool


@dataclass(slots=True)
class Made:
    """An account as written: ids for links, charges for contract invoices."""

    id: int
    number: str
    charges: list[int]
    volumes: list[int]
    start: int


class Builder:
    def __init__(
        self, *, rng: random.Random, writer: BulkWriter, cal: Calendar, addresses: AddressBook
    ) -> None:
        self.rng = rng
        self.writer = writer
        self.cal = cal
        self.addresses = addresses
        self.customers = writer.table(
            Customer,
            [
                "id", "code", "kind", "name", "edrpou", "rnokpp", "inn", "ogrn", "snils",
                "code_word", "email", "phone", "postal_address", "iban", "bank_name",
                "bank_code", "updated_at",
            ],
        )  # fmt: skip
        self.contracts = writer.table(
            Contract,
            ["id", "number", "customer", "title", "services", "address", "starts_on", "status"],
        )
        self.accounts = writer.table(
            Account,
            [
                "id", "number", "service", "customer", "contract", "building", "apartment",
                "status", "opened_on", "closed_on",
            ],
        )  # fmt: skip
        self.points = writer.table(
            ServicePoint, ["id", "contract", "account", "code", "name", "address"]
        )
        self.meters = writer.table(
            Meter,
            [
                "id", "serial", "service", "digits", "decimals", "tariff_zones", "place",
                "account", "service_point", "remote_read", "installed_on", "verification_due",
            ],
        )  # fmt: skip
        self.history = History(writer=writer, cal=cal, rng=rng)
        self.ids: dict[type[models.Model], int] = {
            model: writer.next_id(model)
            for model in (Customer, Contract, Account, ServicePoint, Meter)
        }
        self.sequence = FIRST_RANDOM_SEQUENCE
        self.accounts_made = 0
        self.customers_made = 0

    def _id(self, model: type[models.Model]) -> int:
        value = self.ids[model]
        self.ids[model] = value + 1
        return value

    # --- people and companies -------------------------------------------------------------------

    def person(self, *, russian: bool | None = None) -> Person:
        rng = self.rng
        if russian is None:
            russian = rng.random() < 0.2
        female = rng.random() < 0.55
        male_names = names.RU_MALE if russian else names.UK_MALE
        father = rng.choice(male_names)
        if female:
            first = rng.choice(names.RU_FEMALE if russian else names.UK_FEMALE)
            patronymic = father[2]
        else:
            first, patronymic = rng.choice(male_names)[0], father[1]
        surnames = rng.choice(names.RU_SURNAMES if russian else names.UK_SURNAMES)
        surname = surnames[1] if female else surnames[0]
        born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(365 * 64))
        full = f"{surname} {first} {patronymic}"
        return Person(full, f"{surname} {first[0]}.{patronymic[0]}.", female, born, russian)

    def customer(
        self,
        *,
        kind: str,
        name: str,
        postal_address: str = "",
        phone: str = "",
        email: str = "",
        **details: str,
    ) -> int:
        """A customer row; `details`: other Customer fields (identifiers, bank, code word)."""
        customer_id = self._id(Customer)
        self.customers_made += 1
        get = details.get
        row = (
            customer_id, f"{customer_id:08d}", kind, name, get("edrpou", ""), get("rnokpp", ""),
            get("inn", ""), get("ogrn", ""), get("snils", ""), get("code_word", ""), email,
            phone, postal_address, get("iban", ""), get("bank_name", ""), get("bank_code", ""),
            self.cal.as_of,
        )  # fmt: skip
        self.writer.add(self.customers, row)
        return customer_id

    def contract(
        self, *, customer_id: int, title: str, services: list[str], address: str, years: int
    ) -> tuple[int, str]:
        contract_id = self._id(Contract)
        starts = self.cal.periods[0] - dt.timedelta(days=365 * years + self.rng.randrange(300))
        number = f"{contract_id:05d}/{starts.year % 100:02d}"
        row = (contract_id, number, customer_id, title, json.dumps(services), address,
               starts.isoformat(), "active")  # fmt: skip
        self.writer.add(self.contracts, row)
        return contract_id, number

    # --- accounts -------------------------------------------------------------------------------

    def account(
        self,
        *,
        customer_id: int,
        service: str,
        address: Address,
        business: bool,
        base: float,
        season: str,
        contract_id: int | None = None,
        sequence: int | None = None,
        payer: str | None = None,
        metered: bool = True,
        fresh_meter: bool = False,
        invoices: bool = False,
        volumes: list[int] | None = None,
        start: int | None = None,
        service_point_id: int | None = None,
    ) -> Made:
        rng, cal = self.rng, self.cal
        if sequence is None:
            sequence, self.sequence = self.sequence, self.sequence + 1
        account_id = self._id(Account)
        self.accounts_made += 1
        number = numbers.account_number(
            service=service, branch=address.place.branch_digit, sequence=sequence
        )
        plan = AccountPlan(account_id, number, service, business, base, SEASONS[season])
        plan.whole_units = service != "heat"
        plan.payer = payer or self._payer(business)
        plan.channel = (
            "bank" if business else rng.choice(("online", "online", "bank", "cash", "post"))
        )
        plan.pay_days = (
            (5, 25) if business else {LAGGING: (10, 28), DEBTOR: (12, 28)}.get(plan.payer, (3, 20))
        )
        plan.invoices = invoices
        plan.volumes = volumes
        if start is None:
            start = 0 if rng.random() > 0.05 or cal.n < 3 else rng.randrange(1, cal.n - 1)
        plan.start = start
        closable = not business and service != "water" and sequence >= FIRST_RANDOM_SEQUENCE
        if closable and volumes is None and cal.n - start >= 3 and rng.random() < 0.015:
            plan.end, plan.closed = rng.randrange(start + 2, cal.n), True
        monthly_charge = int(base * self.history.tariffs[(business, service)][-1] / 1000)
        if plan.payer == PREPAY:
            plan.instalment = max(10_000, math.ceil(monthly_charge * 1.1 / 5000) * 5000)
        if start == 0:
            draw = rng.random()
            if draw < 0.2:
                plan.opening = int(monthly_charge * rng.random())
            elif draw < 0.3:
                plan.opening = -int(monthly_charge * rng.random())
        if business and service == "electricity":  # DTEK: the previous cabinet's history
            plan.previous_before = max(0, cal.n - 12)
        if metered and service in METER_LETTERS:
            plan.meter = self._meter(plan, account_id, service_point_id, fresh_meter)
        opened = cal.periods[start] - dt.timedelta(days=0 if start else rng.randrange(30, 4000))
        closed_on = ""
        if plan.closed:
            closed_on = cal.days[plan.end - 1][cal.last_day[plan.end - 1]]
        row = (
            account_id, number, service, customer_id, contract_id, address.building_id,
            address.apartment_id, "closed" if plan.closed else "active", opened.isoformat(),
            closed_on or None,
        )  # fmt: skip
        self.writer.add(self.accounts, row)
        charges, vols = self.history.account(rng, plan)
        return Made(account_id, number, charges, vols, start)

    def _payer(self, business: bool) -> str:
        weights = (70, 12, 3, 15) if business else (60, 22, 8, 10)
        return self.rng.choices((PUNCTUAL, LAGGING, DEBTOR, PREPAY), weights)[0]

    def _meter(
        self, plan: AccountPlan, account_id: int, point_id: int | None, fresh: bool
    ) -> MeterPlan:
        rng, service, business, cal = self.rng, plan.service, plan.business, self.cal
        history = cal.n if business else 12
        if business:
            digits = rng.choice((6, 7, 8) if service == "electricity" else (4, 5, 6))
        else:
            digits = {"gas": 5, "electricity": rng.choice((5, 6)), "water": rng.choice((4, 5))}[
                service
            ]
        needed = plan.base * max(plan.season) * 1.2 * min(history, cal.n) * 2
        while 10**digits < needed and digits < 10:
            digits += 1
        zones = 2 if service == "electricity" and rng.random() < (0.5 if business else 0.2) else 1
        remote = service == "electricity" and rng.random() < (0.4 if business else 0.1)
        meter = MeterPlan(self._id(Meter), digits, zones, remote, history, fresh)
        # Installed before its first reading; verified every `years`, a few of them overdue.
        years = VERIFICATION_YEARS[service]
        first = max(plan.start, (plan.end or cal.n) - history)
        age = rng.randrange(1, 20) if fresh else rng.randrange(30, 365 * years)
        installed = cal.periods[first] - dt.timedelta(days=age)
        due = installed.replace(year=installed.year + years, day=min(installed.day, 28))
        while due < cal.today - dt.timedelta(days=60):
            due = due.replace(year=due.year + years)
        serial = f"{METER_LETTERS[service]}{installed.year % 100:02d}{meter.id:08d}"
        place = rng.choice(names.METER_PLACES[service])
        decimals = 3 if service == "water" and not business else 0
        self.writer.add(
            self.meters,
            (
                meter.id, serial, service, digits, decimals, zones, place, account_id, point_id,
                int(remote), installed.isoformat(), due.isoformat(),
            ),
        )  # fmt: skip
        return meter

    # --- households -------------------------------------------------------------------------------

    def household(self, *, limit: int) -> None:
        """A family at one address with up to `limit` accounts, sometimes a dacha besides."""
        rng, book = self.rng, self.addresses
        place = book.pick()
        in_flat = place.town and rng.random() < 0.62
        address = book.flat(place) if in_flat else book.house(place)
        who = self.person()
        customer_id = self.customer(
            kind="individual",
            name=who.name,
            postal_address=address.text,
            phone=numbers.phone_ua(rng, names.MOBILE_CODES) if rng.random() < 0.8 else "",
            rnokpp=numbers.rnokpp(rng, born=who.born, female=who.female),
        )
        services = ["electricity"]
        if rng.random() < (0.7 if in_flat else 0.85):
            services.insert(0, "gas")
        if rng.random() < (0.9 if place.town else 0.35):
            services.append("water")
            if in_flat or rng.random() < 0.25:
                services.append("sewage")
        if in_flat and rng.random() < 0.3:
            services.append("heat")
        people = rng.randint(1, 5)
        water: list[int] | None = None
        for service in services[:limit]:
            base, season = self._household_use(service, in_flat, people)
            made = self.account(
                customer_id=customer_id, service=service, address=address, business=False,
                base=base, season=season, volumes=water if service == "sewage" else None,
                start=0 if service == "sewage" else None,
            )  # fmt: skip
            if service == "water":
                water = made.volumes if len(made.volumes) == self.cal.n else None
        if len(services) < limit and rng.random() < 0.05:
            dacha = book.house(book.pick(town=False, branch=place.branch_code))
            self.account(
                customer_id=customer_id, service="electricity", address=dacha, business=False,
                base=60 * math.exp(rng.gauss(0, 0.3)), season="dacha",
            )  # fmt: skip

    def _household_use(self, service: str, in_flat: bool, people: int) -> tuple[float, str]:
        spread = math.exp(self.rng.gauss(0, 0.3))
        if service == "gas":
            return (9 * spread, "gas_cooking") if in_flat else (105 * spread, "gas_heating")
        if service == "electricity":
            return (150 if in_flat else 220) * spread, "electricity"
        if service in ("water", "sewage"):
            return 3.2 * people * spread, "water"
        return 0.65 * spread, "heat"  # Gcal for a flat of ~60 m²

    # --- businesses -------------------------------------------------------------------------------

    def business(self, *, limit: int) -> None:
        """A company or a sole proprietor with one contract and its consumption objects."""
        rng, book = self.rng, self.addresses
        place = book.pick(town=True)
        head = book.house(place)
        bank_name, mfo = rng.choice(names.BANKS_UA)
        bank = {"iban": numbers.iban_ua(rng, mfo=mfo), "bank_name": bank_name, "bank_code": mfo}
        if rng.random() < 0.28:
            who = self.person(russian=False)
            name = f"ФОП {who.short}"
            ids = {"rnokpp": numbers.rnokpp(rng, born=who.born, female=who.female)}
        else:
            root, tail = rng.choice(names.UK_ROOTS), rng.choice(names.UK_TAILS)
            name = f"{rng.choice(names.UK_FORMS)} «{root}-{tail}»"
            ids = {"edrpou": numbers.edrpou(rng)}
        customer_id = self.customer(
            kind="entrepreneur" if "rnokpp" in ids else "company", name=name,
            postal_address=head.text, phone=numbers.phone_ua(rng, names.MOBILE_CODES),
            email=f"office{self.customers_made}@example.com", **ids, **bank,
        )  # fmt: skip
        service = rng.choices(("electricity", "water", "gas"), (50, 30, 20))[0]
        points = rng.choices((1, 2, 3, 5, 8), (60, 20, 10, 7, 3))[0]
        self.business_contract(
            customer_id=customer_id, service=service, points=points, limit=limit,
            first_address=head,
        )  # fmt: skip

    def business_contract(
        self,
        *,
        customer_id: int,
        service: str,
        points: int,
        limit: int,
        first_address: Address,
        title: str | None = None,
        sequences: list[int] | None = None,
        base: float | None = None,
    ) -> list[Made]:
        """A contract with `points` consumption objects, each its own account (water: two)."""
        rng, book = self.rng, self.addresses
        services = ["water", "sewage"] if service == "water" else [service]
        title = title or ("Вода і стоки" if service == "water" else CONTRACT_TITLES[service])
        contract_id, number = self.contract(
            customer_id=customer_id, title=title, services=services,
            address=first_address.text, years=rng.randint(1, 8),
        )  # fmt: skip
        made_all: list[Made] = []
        totals = [0] * self.cal.n
        sequences = list(sequences or [])
        for k in range(max(1, min(points, limit // len(services)))):
            address = first_address if k == 0 else book.house(first_address.place)
            use = base or {"electricity": 2500, "gas": 400, "water": 40}[service]
            scale = math.exp(rng.gauss(0, 0.9)) if base is None else 1.0
            point_id = self._id(ServicePoint)
            water: list[int] | None = None
            for svc in services:
                made = self.account(
                    customer_id=customer_id, service=svc, address=address, business=True,
                    base=use * scale, contract_id=contract_id,
                    season="gas_heating" if svc == "gas" else "business",
                    sequence=sequences.pop(0) if sequences else None, start=0,
                    volumes=water if svc == "sewage" else None, metered=svc != "sewage",
                    service_point_id=point_id,
                )  # fmt: skip
                water = made.volumes
                for offset, charged in enumerate(made.charges):
                    totals[made.start + offset] += charged
                made_all.append(made)
            # The consumption object (KrasKom's “абонент”), pointing at its first account.
            account_id = made_all[-len(services)].id
            name = f"{rng.choice(names.PREMISES)} № {k + 1}"
            row = (point_id, contract_id, account_id, f"{point_id:06d}", name, address.text)
            self.writer.add(self.points, row)
        self._contract_invoices(contract_id, number, totals)
        return made_all

    def _contract_invoices(self, contract_id: int, number: str, totals: list[int]) -> None:
        cal, add, table = self.cal, self.writer.add, self.history.invoices
        for i, amount in enumerate(totals):
            row = (f"{number}-{cal.yyyymm[i]}", None, contract_id, cal.period_str[i],
                   cal.issued[i], cal.due[i], money(amount), "", cal.as_of)  # fmt: skip
            add(table, row)
