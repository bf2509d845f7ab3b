"""The demo logins: one customer and user per reference portal's flow, plus the staff.

Their logins (phone, account numbers, SNILS, INN, usernames) are constants, so the table of
demo logins can be printed without touching the database, and stays the same for any seed.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.auth.models import Group

from kabinet.customers.models import AccountLink
from kabinet.demo import names, numbers
from kabinet.demo.addresses import Address
from kabinet.demo.history import LAGGING, PUNCTUAL
from kabinet.demo.population import FREE_PRICE, UNIVERSAL, Builder
from kabinet.identity.models import User
from kabinet.metering.models import Reading

DEMO_PASSWORD = "Kabinet-demo-2026"  # noqa: S105 (published: the demo's shared password)


def _account(service: str, branch: int, sequence: int) -> str:
    return numbers.account_number(service=service, branch=branch, sequence=sequence)


_fixed = random.Random(2026)  # only for the constants below: the same whatever the seed
HOUSEHOLD_PHONE = "+380501234567"
HOUSEHOLD_RNOKPP = numbers.rnokpp(_fixed, born=dt.date(1978, 4, 12), female=True)
DTEK_EDRPOU = numbers.edrpou(_fixed)
DTEK_ACCOUNTS = [_account("electricity", 1, sequence) for sequence in (11, 12, 13, 14)]
KRESC_EDRPOU = numbers.edrpou(_fixed)
KRASKOM_INN = numbers.inn_company(region=24, serial=6123412)
KRASKOM_OGRN = numbers.ogrn(year=2003, region=24, serial=1234567)
KRASKOM_HOUSEHOLD_ACCOUNT = _account("water", 1, 41)
DRSK_SNILS = numbers.snils("112233445")
DRSK_INN = numbers.inn_company(region=28, serial=104567)
DRSK_OGRN = numbers.ogrn(year=2002, region=28, serial=345678)
RU_BANK = {"bank_name": "ПАО Сбербанк", "bank_code": "044525225"}


@dataclass(frozen=True)
class DemoLogin:
    flow: str
    username: str
    shows: str
    role: str = ""  # staff: the group the user is in


DEMO_LOGINS = [
    DemoLogin(
        "Kremenchukgaz household",
        HOUSEHOLD_PHONE,
        "gas, electricity, water at home and a dacha; debt, payments, statistics",
    ),
    DemoLogin(
        "DTEK business",
        DTEK_ACCOUNTS[0],
        f"EDRPOU {DTEK_EDRPOU} with 4 electricity accounts; older months from the previous cabinet",
    ),
    DemoLogin("KRESC business", "ingul_agro", "«Вільна ціна» supply, code word, 2 objects"),
    DemoLogin("DRSK individual (SNILS)", DRSK_SNILS, "grid connection applicant, no accounts"),
    DemoLogin("DRSK company (INN)", DRSK_INN, "grid connection applicant with OGRN"),
    DemoLogin("KrasKom company", "torgovaya_marka", "contract «Вода и стоки», subscribers, meters"),
    DemoLogin("KrasKom household", KRASKOM_HOUSEHOLD_ACCOUNT, "water and sewage, new meter 00001"),
    DemoLogin("Back office: administrator", "admin", "everything (superuser)", "Administrators"),
    DemoLogin("Back office: verifier", "verifier", "registration checks", "Registration verifiers"),
    DemoLogin("Back office: operator", "operator", "service centre", "Service-centre operators"),
    DemoLogin("Back office: inspector", "inspector", "meter readings", "Meter inspectors"),
    DemoLogin("Back office: appeals", "appeals", "internet reception", "Appeals handlers"),
    DemoLogin("Back office: engineer", "engineer", "grid connection", "Connection engineers"),
    DemoLogin("Back office: editor", "editor", "announcements, content", "Content editors"),
]
STAFF_NAMES = {
    "admin": ("Адміністратор", "Кабінету"),
    "verifier": ("Оксана", "Литвиненко"),
    "operator": ("Наталія", "Гребенюк"),
    "inspector": ("Петро", "Сердюк"),
    "appeals": ("Ірина", "Остапенко"),
    "engineer": ("Богдан", "Кравченко"),
    "editor": ("Софія", "Марченко"),
}


@dataclass
class SeedCustomer:
    """A demo login's customer: which accounts its user sees, under which nicknames."""

    username: str
    customer_id: int
    account_ids: list[int] = field(default_factory=list)
    nicknames: dict[int, str] = field(default_factory=dict)
    phone: str | None = None
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    language: str = ""
    kind: str = "individual"  # the status given at sign-up, and the user's own identifiers
    tax_id: str = ""
    snils: str = ""


def seed_customers(b: Builder) -> list[SeedCustomer]:
    """Create the customers behind the demo logins, with their accounts and history."""
    return [
        _kremenchukgaz(b),
        _dtek(b),
        _kresc(b),
        _kraskom_company(b),
        _kraskom_household(b),
        *_drsk(b),
    ]


def _kremenchukgaz(b: Builder) -> SeedCustomer:
    """A household by phone: a private house with gas heating, and a dacha in a village."""
    home = b.addresses.house(b.addresses.find("м. Кременчук"), street="пров. Г.Бреста")
    email = "olena.kovalenko@example.com"
    customer_id = b.customer(
        kind="individual", name="Коваленко Олена Миколаївна", postal_address=home.text,
        phone=HOUSEHOLD_PHONE, email=email, rnokpp=HOUSEHOLD_RNOKPP,
    )  # fmt: skip
    seed = SeedCustomer(HOUSEHOLD_PHONE, customer_id, phone=HOUSEHOLD_PHONE, email=email,
                        first_name="Олена", last_name="Коваленко", language="uk",
                        tax_id=HOUSEHOLD_RNOKPP)  # fmt: skip
    uses = [("gas", 110, "gas_heating", LAGGING), ("electricity", 230, "electricity", LAGGING),
            ("water", 9.6, "water", PUNCTUAL)]  # fmt: skip
    for sequence, (service, base, season, payer) in enumerate(uses, 1):
        made = b.account(
            customer_id=customer_id, service=service, address=home, business=False, base=base,
            season=season, sequence=sequence, payer=payer, invoices=True, start=0,
        )  # fmt: skip
        seed.account_ids.append(made.id)
    dacha = b.addresses.house(b.addresses.find("с. Піщане"), street="вул. Центральна")
    made = b.account(
        customer_id=customer_id, service="electricity", address=dacha, business=False, base=60,
        season="dacha", sequence=4, payer=PUNCTUAL, invoices=True, start=0,
    )  # fmt: skip
    seed.account_ids.append(made.id)
    seed.nicknames[made.id] = "Дача"
    return seed


def _company(b: Builder, *, name: str, place: str, email: str, **ids: str) -> tuple[int, Address]:
    rng = b.rng
    head = b.addresses.house(b.addresses.find(place))
    if "edrpou" in ids:
        bank_name, mfo = rng.choice(names.BANKS_UA)
        ids |= {"iban": numbers.iban_ua(rng, mfo=mfo), "bank_name": bank_name, "bank_code": mfo}
    customer_id = b.customer(
        kind="company", name=name, postal_address=head.text, email=email,
        phone=numbers.phone_ua(rng, [67]), **ids,
    )  # fmt: skip
    return customer_id, head


def _dtek(b: Builder) -> SeedCustomer:
    """One EDRPOU with several electricity accounts; logs in by account number."""
    customer_id, head = _company(
        b, name="ТОВ «Дніпро-Маркет»", place="м. Кременчук",
        email="energy@dnipro-market.example.com", edrpou=DTEK_EDRPOU,
    )  # fmt: skip
    made = b.business_contract(
        customer_id=customer_id, service="electricity", points=4, limit=4, first_address=head,
        title=UNIVERSAL, sequences=[11, 12, 13, 14], base=4200,
    )  # fmt: skip
    return SeedCustomer(DTEK_ACCOUNTS[0], customer_id, [m.id for m in made], phone="+380671112233",
                        first_name="Андрій", last_name="Шевчук", kind="company",
                        tax_id=DTEK_EDRPOU)  # fmt: skip


def _kresc(b: Builder) -> SeedCustomer:
    """An electricity supplier's business customer with a code word, registered by application."""
    customer_id, head = _company(
        b, name="ТОВ «Інгул-Агроресурс»", place="м. Кропивницький",
        email="office@ingul-agro.example.com", edrpou=KRESC_EDRPOU, code_word="Соняшник",
    )  # fmt: skip
    made = b.business_contract(
        customer_id=customer_id, service="electricity", points=2, limit=2, first_address=head,
        title=FREE_PRICE, sequences=[21, 22], base=1800,
    )  # fmt: skip
    return SeedCustomer("ingul_agro", customer_id, [m.id for m in made],
                        email="office@ingul-agro.example.com", first_name="Тарас",
                        last_name="Бондар", kind="company", tax_id=KRESC_EDRPOU)  # fmt: skip


def _kraskom_company(b: Builder) -> SeedCustomer:
    """A company with the contract «Вода и стоки»: two subscribers, each with a meter."""
    bank = RU_BANK | {"iban": numbers.ru_account(b.rng, bic=RU_BANK["bank_code"])}
    customer_id, head = _company(
        b, name="ООО «Торговая марка»", place="м. Кременчук", email="torg@example.com",
        inn=KRASKOM_INN, ogrn=KRASKOM_OGRN, **bank,
    )  # fmt: skip
    made = b.business_contract(
        customer_id=customer_id, service="water", points=2, limit=4, first_address=head,
        title="Вода и стоки", sequences=[31, 32, 33, 34], base=55,
    )  # fmt: skip
    return SeedCustomer("torgovaya_marka", customer_id, [m.id for m in made],
                        email="torg@example.com", first_name="Марина", last_name="Орлова",
                        language="ru", kind="company", tax_id=KRASKOM_INN)  # fmt: skip


def _kraskom_household(b: Builder) -> SeedCustomer:
    """A household that logs in with its account number and a password from the office."""
    home = b.addresses.flat(b.addresses.find("м. Кременчук"))
    customer_id = b.customer(
        kind="individual", name="Кузнецова Ольга Николаевна", postal_address=home.text,
        rnokpp=numbers.rnokpp(random.Random(41), born=dt.date(1965, 9, 3),
                              female=True),
    )  # fmt: skip
    water = b.account(
        customer_id=customer_id, service="water", address=home, business=False, base=7.5,
        season="water", sequence=41, payer=PUNCTUAL, invoices=True, start=0, fresh_meter=True,
    )  # fmt: skip
    sewage = b.account(
        customer_id=customer_id, service="sewage", address=home, business=False, base=7.5,
        season="water", sequence=42, payer=PUNCTUAL, invoices=True, start=0,
        volumes=water.volumes,
    )  # fmt: skip
    return SeedCustomer(KRASKOM_HOUSEHOLD_ACCOUNT, customer_id, [water.id, sewage.id],
                        first_name="Ольга", last_name="Кузнецова", language="ru")  # fmt: skip


def _drsk(b: Builder) -> list[SeedCustomer]:
    """Grid-connection applicants: a person by SNILS, a company by INN (with OGRN)."""
    person = b.customer(
        kind="individual", name="Сергеев Андрей Викторович", snils=DRSK_SNILS,
        postal_address="г. Благовещенск, ул. Зейская, 140, кв. 12", phone="+79141234567",
        email="sergeev@example.com",
    )  # fmt: skip
    bank = RU_BANK | {"iban": numbers.ru_account(b.rng, bic=RU_BANK["bank_code"])}
    company = b.customer(
        kind="company", name="ООО «Амурская строительная компания»", inn=DRSK_INN,
        ogrn=DRSK_OGRN, postal_address="г. Благовещенск, ул. Театральная, 20, оф. 5",
        email="info@amurstroy.example.com", phone="+74162123456", **bank,
    )  # fmt: skip
    return [
        SeedCustomer(DRSK_SNILS, person, phone="+79141234567", email="sergeev@example.com",
                     first_name="Андрей", last_name="Сергеев", language="ru", snils=DRSK_SNILS),
        SeedCustomer(DRSK_INN, company, email="info@amurstroy.example.com",
                     first_name="Виктор", last_name="Павлов", language="ru", kind="company",
                     tax_id=DRSK_INN),
    ]  # fmt: skip


def users_create(*, seeds: list[SeedCustomer], password_hash: str) -> list[str]:
    """The demo users and staff, sharing one password hash. Returns usernames kept as found."""
    taken = set(User.objects.values_list("username", flat=True))
    phones = set(User.objects.exclude(phone=None).values_list("phone", flat=True))
    users: list[User] = []
    for seed in seeds:
        if seed.username in taken:
            continue
        users.append(User(
            username=seed.username, password=password_hash, customer_id=seed.customer_id,
            phone=seed.phone if seed.phone not in phones else None, email=seed.email,
            first_name=seed.first_name, last_name=seed.last_name, language=seed.language,
            kind=seed.kind, tax_id=seed.tax_id, snils=seed.snils,
        ))  # fmt: skip
    staff = [login for login in DEMO_LOGINS if login.role]
    for login in staff:
        if login.username in taken:
            continue
        first, last = STAFF_NAMES[login.username]
        superuser = login.username == "admin"
        users.append(User(
            username=login.username, password=password_hash, is_staff=True,
            is_superuser=superuser, first_name=first, last_name=last,
            email=f"{login.username}@demo-kabinet.example.com",
        ))  # fmt: skip
    created = {user.username: user for user in User.objects.bulk_create(users)}
    for login in staff:
        group, _created = Group.objects.get_or_create(name=login.role)
        if login.username in created:
            created[login.username].groups.add(group)
    links = []
    for seed in seeds:
        user = created.get(seed.username)
        if user is None:
            continue
        for account_id in seed.account_ids:
            nickname = seed.nicknames.get(account_id, "")
            links.append(AccountLink(user=user, account_id=account_id, nickname=nickname))
        Reading.objects.filter(meter__account_id__in=seed.account_ids, origin="customer").update(
            submitted_by=user
        )
    AccountLink.objects.bulk_create(links)
    return sorted(taken & {login.username for login in DEMO_LOGINS})
