"""The demo data generator: one utility that serves every reference portal's flows at once.

`demo_load` fills an empty database with a combined demo utility (electricity, gas, water,
sewage, heat, grid connection), its address tree, households and businesses with accounts and
M months of statements, payments, readings and invoices, announcements, and one demo login per
reference portal plus the staff. It is deterministic for a seed and a `today`; everything is
written in one transaction, the bulk of it through `bulk.BulkWriter`.

Modules: names (word lists), numbers (checksummed identifiers), addresses (the tree),
history (an account's months), population (customers and accounts), seedflows (demo logins).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from kabinet.core.models import Announcement, Branch, Service, UtilityProfile
from kabinet.customers.models import Customer, ServiceKind
from kabinet.demo import names
from kabinet.demo.addresses import AddressBook
from kabinet.demo.bulk import BulkWriter, bulk_mode
from kabinet.demo.history import Calendar
from kabinet.demo.population import BUSINESS_SHARE, Builder
from kabinet.demo.seedflows import DEMO_LOGINS, DEMO_PASSWORD, seed_customers, users_create
from kabinet.identity.models import ConsentText, User
from kabinet.identity.staff_otp import totp_device_for
from kabinet.identity.testing_consent import make_consent_text

__all__ = ["DEMO_PASSWORD", "LoadResult", "demo_is_loaded", "demo_load", "logins_table"]


@dataclass
class LoadResult:
    customers: int
    accounts: int
    seconds: float
    rows: list[tuple[str, int]] = field(default_factory=list)
    kept_users: list[str] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        return sum(count for _name, count in self.rows)


def demo_is_loaded() -> bool:
    """Demo (or real) data is there when any customer is."""
    return Customer.objects.exists()


def demo_load(
    *,
    accounts: int = 2000,
    months: int = 36,
    seed: int = 1,
    today: dt.date | None = None,
    say: Callable[[str], None] = print,
) -> LoadResult:
    """Fill the database with demo data; about `accounts` accounts, `months` months each.

    The last period is the month before `today` (default: the local date). The demo logins'
    customers always come first, so a very small `accounts` still gets every flow.
    """
    if accounts < 1 or not 1 <= months <= 600:
        raise ValueError("accounts must be at least 1 and months between 1 and 600")
    today = today or timezone.localdate()
    rng = random.Random(seed)
    started = time.monotonic()
    with bulk_mode(connection), transaction.atomic():
        profile_configure()
        writer = BulkWriter(connection=connection, report=say)
        addresses = AddressBook(rng=rng, writer=writer, accounts=accounts)
        announcements_create(today=today)
        service_catalogue_create()
        cal = Calendar(today=today, months=months, tz_suffix=writer.tz_suffix)
        builder = Builder(rng=rng, writer=writer, cal=cal, addresses=addresses)
        writer.progress = lambda: f"{builder.accounts_made:,}/{accounts:,} accounts, "
        try:
            seeds = seed_customers(builder)
            while builder.accounts_made < accounts:
                remaining = accounts - builder.accounts_made
                if remaining >= 2 and rng.random() < BUSINESS_SHARE:
                    builder.business(limit=remaining)
                else:
                    builder.household(limit=remaining)
                writer.maybe_flush()
        except BaseException:
            writer.abandon()
            raise
        writer.finish()
        kept = users_create(seeds=seeds, password_hash=make_password(DEMO_PASSWORD))
        staff_authenticators_create()
        if not ConsentText.objects.exists():
            make_consent_text()
    if connection.vendor == "postgresql":
        # Fresh statistics for the planner, as autovacuum would gather them minutes later:
        # until then PostgreSQL plans the pages' queries for nearly empty tables.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return LoadResult(
        customers=builder.customers_made,
        accounts=builder.accounts_made,
        seconds=time.monotonic() - started,
        rows=writer.summary(),
        kept_users=kept,
    )


def profile_configure() -> UtilityProfile:
    """The combined demo utility, with every service and feature switched on."""
    profile, _created = UtilityProfile.objects.update_or_create(
        pk=1,
        defaults={
            "legal_name": "ТОВ «Демо Енерго-Газ-Вода»",
            "short_name": "Демо-Кабінет",
            "address": "вул. Соборна, 10, м. Кременчук, Полтавська обл., 39600",
            "contact_phones": "\n".join(names.CONTACT_PHONES),
            "email": "info@demo-kabinet.example.com",
            "opening_hours": "Пн-Чт 8.00-17.15, Пт 8.00-16.00",
            "lunch_break": "12.00-13.00",
            "services": [choice.value for choice in Service],
            "currency": "UAH",
            "dso_url": "https://dso.demo-kabinet.example.com/",
            "payments_enabled": True,
            "readings_enabled": True,
            "appeals_enabled": True,
            "connections_enabled": True,
            "service_orders_enabled": True,
            # Every reference portal's sign-up, login and recovery at once.
            "signup_household_phone": True,
            "signup_business_phone": True,
            "signup_company_email": True,
            "signup_with_status": True,
            "signup_by_application": True,
            "login_by_phone": True,
            "login_by_email": True,
            "login_by_username": True,
            "login_by_account": True,
            "login_by_tax_id": True,
            "login_by_snils": True,
            "login_status_select": True,
            "recovery_by_sms": True,
            "recovery_by_email": True,
            "password_min_length": 8,
            "password_require_classes": True,  # DTEK's rule; the demo password passes it
        },
    )
    return profile


# The utility's orderable services (DTEK's "order services online"): code, names in uk/ru/en,
# price (None is free), the fields the order asks for, what it is ordered for.
SERVICE_CATALOGUE = (
    (
        "meter-replacement",
        "Заміна лічильника",
        "Замена счётчика",
        "Meter replacement",
        "850.00",
        (
            "Заводський номер лічильника\nЗручна дата і час",
            "Заводской номер счётчика\nУдобные дата и время",
            "Meter serial number\nA convenient date and time",
        ),
        ServiceKind.Target.ANY,
    ),
    (
        "meter-verification",
        "Повірка лічильника",
        "Поверка счётчика",
        "Meter verification",
        "420.00",
        ("Заводський номер лічильника", "Заводской номер счётчика", "Meter serial number"),
        ServiceKind.Target.ANY,
    ),
    (
        "reconnection",
        "Відновлення постачання",
        "Возобновление поставки",
        "Reconnection",
        "560.00",
        ("", "", ""),
        ServiceKind.Target.ACCOUNT,
    ),
    (
        "no-debt-certificate",
        "Довідка про відсутність заборгованості",
        "Справка об отсутствии задолженности",
        "Certificate of no debt",
        None,
        ("Для чого потрібна довідка", "Для чего нужна справка", "What the certificate is for"),
        ServiceKind.Target.ACCOUNT,
    ),
    (
        "document-copy",
        "Копія документа",
        "Копия документа",
        "Copy of a document",
        "45.00",
        (
            "Який документ і за який період",
            "Какой документ и за какой период",
            "Which document, for which period",
        ),
        ServiceKind.Target.ANY,
    ),
)


def service_catalogue_create() -> None:
    """The catalogue staff keep in the back office, filled once for the demo."""
    ServiceKind.objects.bulk_create(
        [
            ServiceKind(
                code=code,
                name=uk,
                name_ru=ru,
                name_en=en,
                price=price,
                fields=fields[0],
                fields_ru=fields[1],
                fields_en=fields[2],
                target=target,
                position=position,
            )
            for position, (code, uk, ru, en, price, fields, target) in enumerate(SERVICE_CATALOGUE)
        ],
        ignore_conflicts=True,
    )


def announcements_create(*, today: dt.date) -> None:
    """The data-update schedule, the readings deadline, and one branch's planned works."""
    tz = timezone.get_current_timezone()
    shown = dt.datetime.combine(today - dt.timedelta(days=7), dt.time(8), tzinfo=tz)
    works_on = today + dt.timedelta(days=5)
    Announcement.objects.create(
        starts_at=shown,
        title="Графік оновлення даних",
        body=(
            "Дані в особистому кабінеті оновлюються щодня о 06:00 станом на кінець попередньої "
            "доби. Оплати, здійснені сьогодні, з'являться в кабінеті завтра. Нарахування за "
            "минулий місяць з'являються до 5-го числа; оплатити минулий місяць можна після "
            "10-го числа поточного місяця."
        ),
        title_ru="График обновления данных",
        body_ru=(
            "Данные в личном кабинете обновляются ежедневно в 06:00 по состоянию на конец "
            "предыдущих суток. Оплаты, сделанные сегодня, появятся в кабинете завтра. "
            "Начисления за прошлый месяц появляются до 5-го числа; оплатить прошлый месяц "
            "можно после 10-го числа текущего месяца."
        ),
        title_en="Data update schedule",
        body_en=(
            "The cabinet's data are updated every day at 06:00 as of the end of the previous "
            "day. Payments made today appear tomorrow. Last month's charges appear by the 5th; "
            "last month can be paid after the 10th of the current month."
        ),
    )
    Announcement.objects.create(
        starts_at=shown,
        title="Передача показань лічильників",
        body=(
            "Показання лічильників приймаються з 25-го до останнього числа місяця. Показання, "
            "передані пізніше, буде враховано в наступному розрахунковому періоді. Передані "
            "показання можна виправити або видалити протягом доби. Показання для розподілу "
            "електроенергії передавайте оператору системи розподілу."
        ),
        title_ru="Передача показаний счётчиков",
        body_ru=(
            "Показания счётчиков принимаются с 25-го по последнее число месяца. Показания, "
            "переданные позже, будут учтены в следующем расчётном периоде. Переданные "
            "показания можно исправить или удалить в течение суток. Показания для "
            "распределения электроэнергии передавайте сетевой организации."
        ),
        title_en="Meter readings",
        body_en=(
            "Meter readings are accepted from the 25th to the last day of the month. Readings "
            "sent later count in the next billing period. A reading can be corrected or "
            "deleted within one day. Readings for electricity distribution go to the "
            "distribution system operator."
        ),
    )
    day = works_on.strftime("%d.%m.%Y")
    Announcement.objects.create(
        starts_at=shown,
        ends_at=dt.datetime.combine(works_on + dt.timedelta(days=1), dt.time(0), tzinfo=tz),
        branch=Branch.objects.filter(code="hadiach").first(),
        on_login_page=False,
        title="Планові роботи на газопроводі",
        body=(
            f"{day} з 9.00 до 16.00 у м. Гадяч (вул. Соборна, вул. Шевченка) можливе "
            "тимчасове припинення газопостачання через планові роботи. Перепрошуємо за "
            "незручності."
        ),
        title_ru="Плановые работы на газопроводе",
        body_ru=(
            f"{day} с 9.00 до 16.00 в г. Гадяч (ул. Соборная, ул. Шевченко) возможно "
            "временное прекращение газоснабжения из-за плановых работ. Приносим извинения "
            "за неудобства."
        ),
        title_en="Planned works on the gas pipeline",
        body_en=(
            f"On {day}, 9:00-16:00, gas supply in Hadiach (Soborna St, Shevchenka St) may be "
            "interrupted for planned works. We apologise for the inconvenience."
        ),
    )


# The demo staff's authenticator key: RFC 6238's test secret "12345678901234567890", so the
# printed base32 form can be typed into any authenticator app. Never a real deployment's key.
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"
DEMO_TOTP_BASE32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


def staff_authenticators_create() -> None:
    """Every demo staff member gets a TOTP device with the demo key (the back office asks)."""
    for user in User.objects.filter(is_staff=True, totpdevice__isnull=True):
        totp_device_for(user, key_hex=DEMO_TOTP_KEY)


def logins_table() -> str:
    """The demo logins as a plain-text table, for the console and the Makefile."""
    header = ("flow", "login", "password", "what it shows")
    rows = [(lg.flow, lg.username, DEMO_PASSWORD, lg.shows) for lg in DEMO_LOGINS]
    widths = [max(len(row[c]) for row in [header, *rows]) for c in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))

    rule = "  ".join("-" * width for width in widths)
    return "\n".join(
        [
            "Demo logins (customer pages at /, back office at /admin/):",
            line(header).rstrip(),
            rule,
            *(line(row).rstrip() for row in rows),
            "The back office also asks for an authenticator code: add the key "
            f"{DEMO_TOTP_BASE32} to an authenticator app,",
            "or print the current code: "
            "`DEMO=1 .venv/bin/python manage.py staff_totp --code admin`",
        ]
    )
