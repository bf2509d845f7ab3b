"""An account's months: consumption, statements, recorded payments, meter readings, invoices.

This is the hot path of the generator (tens of millions of rows at full scale), so it works in
integers (volumes in thousandths of a unit, money in kopecks, tariffs in 1/100000 UAH) and
emits ready-to-write tuples; Decimal appears nowhere.

Amounts reach the database driver as `kopecks / 100` floats. That is exact where it matters:
all arithmetic is on integers, and the float nearest to k/100 is the one the driver would get
from the text "k/100" anyway (SQLite stores DecimalField values as REAL; PostgreSQL's COPY gets
the float's shortest repr, which is the two-decimal amount), so what Django reads back is the
same Decimal. Formatting strings instead doubled the generator's CPU time.

Rules that keep the data consistent, and that the tests check:
- closing = opening + charged - paid, and a month's opening is the previous month's closing;
- the statement's `paid` is the sum of the Payment rows dated in that month;
- a meter's readings differ by exactly the statement volumes of the months between them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from dataclasses import dataclass, field

from kabinet.billing.models import Invoice, Payment, Statement
from kabinet.core.periods import add_months, month_start
from kabinet.demo.bulk import BulkWriter
from kabinet.metering.models import Reading

# Payer habits.
PUNCTUAL, LAGGING, DEBTOR, PREPAY = "punctual", "lagging", "debtor", "prepay"
CHANNELS = ("bank", "online", "cash", "post")

# Monthly consumption relative to the yearly mean, January first.
SEASONS: dict[str, tuple[float, ...]] = {
    "gas_heating": (2.3, 2.0, 1.6, 0.8, 0.3, 0.15, 0.12, 0.12, 0.2, 0.8, 1.5, 2.1),
    "gas_cooking": (1.1, 1.1, 1.05, 1.0, 0.95, 0.9, 0.9, 0.9, 0.95, 1.0, 1.05, 1.1),
    "electricity": (1.2, 1.12, 1.0, 0.92, 0.88, 0.9, 1.0, 0.98, 0.88, 0.95, 1.05, 1.15),
    "dacha": (0.3, 0.3, 0.5, 0.9, 1.5, 2.0, 2.2, 2.0, 1.2, 0.6, 0.3, 0.2),
    "water": (0.95, 0.95, 0.97, 1.0, 1.05, 1.08, 1.1, 1.08, 1.0, 0.97, 0.95, 0.95),
    "heat": (2.2, 1.9, 1.4, 0.4, 0, 0, 0, 0, 0, 0.5, 1.6, 2.0),
    "business": (1.1, 1.05, 1.0, 0.95, 0.95, 1.0, 1.05, 1.05, 0.95, 0.95, 1.0, 1.05),
}

# Household tariffs, UAH per unit, from the date they apply. Gas is Naftogaz's fixed household
# price, electricity the regulated household price (1.44 → 2.64 → 4.32), heat frozen since
# 2022; water and sewage are typical town rates.
HOUSEHOLD_TARIFFS: dict[str, list[tuple[dt.date, str]]] = {
    "gas": [(dt.date.min, "7.95689")],
    "electricity": [
        (dt.date.min, "1.44"),
        (dt.date(2023, 6, 1), "2.64"),
        (dt.date(2024, 6, 1), "4.32"),
    ],
    "water": [
        (dt.date.min, "24.82"),
        (dt.date(2024, 1, 1), "27.54"),
        (dt.date(2025, 1, 1), "30.18"),
    ],
    "sewage": [
        (dt.date.min, "19.56"),
        (dt.date(2024, 1, 1), "21.72"),
        (dt.date(2025, 1, 1), "23.94"),
    ],
    "heat": [(dt.date.min, "1654.41")],
}
# Businesses: electricity and gas at market prices that move monthly around these, water and
# sewage at the non-household rate.
BUSINESS_MARKET = {"electricity": 7.6, "gas": 19.4}
BUSINESS_MARKUP = {"water": 1.22, "sewage": 1.22, "heat": 1.15}


def _u5(text: str) -> int:
    whole, _sep, frac = text.partition(".")
    return int(whole) * 100_000 + int((frac + "00000")[:5])


def money(kopecks: int) -> float:
    """Kopecks as the driver gets them: see the module's note on floats."""
    return kopecks / 100


class Calendar:
    """The M billing periods ending with last month, and every date string they need."""

    def __init__(self, *, today: dt.date, months: int, tz_suffix: str) -> None:
        last = add_months(month_start(today), -1)
        self.periods = [add_months(last, -k) for k in range(months - 1, -1, -1)]
        self.n = len(self.periods)
        self.period_str = [p.isoformat() for p in self.periods]
        self.month = [p.month for p in self.periods]
        self.yyyymm = [f"{p.year}{p.month:02d}" for p in self.periods]
        self.last_day = [calendar.monthrange(p.year, p.month)[1] for p in self.periods]
        self.days = [
            ["", *(p.replace(day=d).isoformat() for d in range(1, last_day + 1))]
            for p, last_day in zip(self.periods, self.last_day, strict=True)
        ]
        nexts = [add_months(p, 1) for p in self.periods]
        self.issued = [p.isoformat() for p in nexts]
        self.due = [p.replace(day=20).isoformat() for p in nexts]
        self.today = today
        self.tz_suffix = tz_suffix
        # Billing's last import: this morning, 06:00 Kyiv time.
        self.as_of = f"{today.isoformat()} 04:00:00{tz_suffix}"

    def timestamp(self, date: str, minute_of_day: int) -> str:
        return f"{date} {minute_of_day // 60:02d}:{minute_of_day % 60:02d}:00{self.tz_suffix}"


def tariff_table(rng: random.Random, cal: Calendar) -> dict[tuple[bool, str], list[int]]:
    """(business?, service) → the tariff of each period, in 1/100000 UAH."""
    table: dict[tuple[bool, str], list[int]] = {}
    for service, steps in HOUSEHOLD_TARIFFS.items():
        values = []
        for period in cal.periods:
            value = steps[0][1]
            for since, price in steps:
                if period >= since:
                    value = price
            values.append(_u5(value))
        table[(False, service)] = values
        markup = BUSINESS_MARKUP.get(service)
        if markup:
            table[(True, service)] = [round(v * markup / 100) * 100 for v in values]
    for service, level in BUSINESS_MARKET.items():
        walk, values = 0.0, []
        for _period in cal.periods:
            walk = max(-0.15, min(0.15, walk + rng.uniform(-0.04, 0.04)))
            values.append(round(level * (1 + walk) * 100) * 1000)
        table[(True, service)] = values
    return table


@dataclass(slots=True)
class MeterPlan:
    id: int
    digits: int
    zones: int = 1
    remote: bool = False
    history: int = 12  # months of readings kept
    fresh: bool = False  # a new meter: readings start near 00000


@dataclass(slots=True)
class AccountPlan:
    id: int
    number: str
    service: str
    business: bool
    base: float  # mean monthly volume, in units
    season: tuple[float, ...]
    start: int = 0  # first period index with a statement
    end: int = 0  # one past the last; 0 means the last period
    closed: bool = False
    opening: int = 0  # balance before the first period, kopecks
    payer: str = PUNCTUAL
    instalment: int = 0  # PREPAY: the fixed monthly payment, kopecks
    channel: str = "bank"
    pay_days: tuple[int, int] = (5, 20)
    whole_units: bool = True
    meter: MeterPlan | None = None
    invoices: bool = False
    previous_before: int = 0  # periods before this index came from the previous cabinet
    volumes: list[int] | None = field(default=None)  # given: reuse (sewage = water)


class History:
    """Writes the statements, payments, readings and invoices of one account at a time."""

    def __init__(self, *, writer: BulkWriter, cal: Calendar, rng: random.Random) -> None:
        self.writer = writer
        self.cal = cal
        self.tariffs = tariff_table(rng, cal)
        self.tariff_values = {
            key: [v / 100_000 for v in values] for key, values in self.tariffs.items()
        }
        self.statements = writer.table(
            Statement,
            [
                "account", "period", "volume", "opening_balance", "charged", "paid",
                "closing_balance", "tariff", "source", "as_of",
            ],
        )  # fmt: skip
        self.payments = writer.table(
            Payment, ["account", "reference", "paid_on", "amount", "channel", "source", "as_of"]
        )
        self.readings = writer.table(
            Reading,
            [
                "meter", "taken_on", "value1", "value2", "value3", "status", "origin",
                "reject_reason", "submitted_at",
            ],
        )  # fmt: skip
        self.payment_seq = 0
        self.invoices = writer.table(
            Invoice,
            [
                "number",
                "account",
                "contract",
                "period",
                "issued_on",
                "due_on",
                "amount",
                "pdf",
                "as_of",
            ],
        )

    def volumes(self, rng: random.Random, plan: AccountPlan) -> list[int]:
        """Thousandths of a unit per period from plan.start to plan.end."""
        rnd, season, month, base = rng.random, plan.season, self.cal.month, plan.base
        if plan.whole_units:
            return [
                int(base * season[month[i] - 1] * (0.85 + 0.3 * rnd()) + 0.5) * 1000
                for i in range(plan.start, plan.end)
            ]
        return [
            int(base * season[month[i] - 1] * (0.85 + 0.3 * rnd()) * 1000 + 0.5)
            for i in range(plan.start, plan.end)
        ]

    def account(self, rng: random.Random, plan: AccountPlan) -> tuple[list[int], list[int]]:
        """Emit the account's rows; returns (charged per period, volumes) from plan.start.

        Written for speed: rows go straight onto the tables' lists (the writer is told how
        many at the end), and everything looked up per row is a local variable.
        """
        cal = self.cal
        start, end = plan.start, plan.end or cal.n
        plan.end = end
        vols = plan.volumes if plan.volumes is not None else self.volumes(rng, plan)
        key = (plan.business, plan.service)
        tariffs, tariff = self.tariffs[key], self.tariff_values[key]
        rnd, as_of = rng.random, cal.as_of
        add_statement = self.statements.rows.append
        add_payment = self.payments.rows.append
        add_invoice = self.invoices.rows.append if plan.invoices else None
        period_str, yyyymm, last_day, days = cal.period_str, cal.yyyymm, cal.last_day, cal.days
        aid, payer, closing_period = plan.id, plan.payer, end - 1 if plan.closed else -1
        lo, span = plan.pay_days[0], plan.pay_days[1] - plan.pay_days[0] + 1
        channel, instalment, previous = plan.channel, plan.instalment, plan.previous_before
        sequence = self.payment_seq
        balance = plan.opening
        charges = []
        for i in range(start, end):
            volume = vols[i - start]
            charged = (volume * tariffs[i] + 500_000) // 1_000_000
            charges.append(charged)
            paid = 0
            if i == closing_period:
                paid = max(balance + charged, 0)
            elif payer == PUNCTUAL:
                if balance > 0 and rnd() > 0.03:
                    paid = balance if rnd() > 0.15 else (balance + 999) // 1000 * 1000
            elif payer == LAGGING:
                if balance > 0 and rnd() < 0.7:
                    paid = balance
            elif payer == DEBTOR:
                if balance > 0 and rnd() < 0.35:
                    part = int(balance * (0.3 + 0.5 * rnd())) // 1000 * 1000
                    paid = min(balance, max(1000, part))
            elif balance > -3 * instalment:  # PREPAY: equal instalments
                paid = instalment
            if paid > 0:
                parts: tuple[int, ...] = (paid,)
                if paid >= 20_000 and rnd() < 0.06:
                    half = paid // 2000 * 1000
                    parts = (half, paid - half)
                for amount in parts:
                    day = min(lo + int(rnd() * span), last_day[i])
                    # Billing's running number: increasing, so the unique index only grows at
                    # its end (random keys make SQLite's inserts much slower).
                    sequence += 1
                    add_payment((
                        aid, f"{sequence:09d}-{yyyymm[i]}", days[i][day], amount / 100,
                        channel if rnd() < 0.85 else CHANNELS[int(rnd() * 4)], "billing", as_of,
                    ))  # fmt: skip
            closing = balance + charged - paid
            add_statement((
                aid, period_str[i], volume / 1000, balance / 100, charged / 100, paid / 100,
                closing / 100, tariff[i], "previous" if i < previous else "billing", as_of,
            ))  # fmt: skip
            if add_invoice is not None:
                add_invoice((
                    f"{plan.number}-{yyyymm[i]}", aid, None, period_str[i], cal.issued[i],
                    cal.due[i], charged / 100, "", as_of,
                ))  # fmt: skip
            balance = closing
        months = end - start
        self.writer.pending += months * (2 if add_invoice else 1) + sequence - self.payment_seq
        self.payment_seq = sequence
        if plan.meter is not None:
            self._readings(rng, plan, plan.meter, vols)
        return charges, vols

    def _readings(
        self, rng: random.Random, plan: AccountPlan, meter: MeterPlan, vols: list[int]
    ) -> None:
        """Readings at the end of each of the last months, and one at the start of the first."""
        cal, rnd, add = self.cal, rng.random, self.readings.rows.append
        count = min(meter.history, plan.end - plan.start)
        first = plan.end - count
        recorded = [v // 1000 for v in vols[len(vols) - count :]]
        two = meter.zones == 2
        share = 0.6 + 0.1 * rnd() if two else 1.0
        room = max(10**meter.digits - int(sum(recorded) * 1.2) - 1, 0)
        starts = [int(rnd() * 50) if meter.fresh else int(rnd() * room * 0.8) for _ in range(2)]
        day, night = starts[0], starts[1] if two else None
        taken = cal.days[first][1]
        at = cal.timestamp(taken, 540)
        mid, suffix = meter.id, cal.tz_suffix
        add((mid, taken, day, night, None, "accepted", "inspector", "", at))
        origin = "remote" if meter.remote else "customer"
        days, last_day = cal.days, cal.last_day
        for i in range(first, plan.end):
            volume = recorded[i - first]
            if two:
                day_part = int(volume * share + 0.5)
                day += day_part
                night += volume - day_part  # type: ignore[operator]
            else:
                day += volume
            taken = days[i][last_day[i] - int(rnd() * 5)]
            minute = 300 + int(rnd() * 900)
            at = f"{taken} {minute // 60:02d}:{minute % 60:02d}:00{suffix}"
            this_origin = origin if rnd() > 0.1 else "inspector"
            add((mid, taken, day, night, None, "accepted", this_origin, "", at))
        self.writer.pending += count + 1
