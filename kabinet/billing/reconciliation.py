"""A reconciliation statement (акт звірки) of some accounts over a period of months: the
opening balance, every monthly charge and every recorded payment in date order, the closing
balance. A plain function the HTML page (customers.contracts) and a PDF can both render.

Balances are signed like Statement's: positive is the customer's debt. The opening balance is
each account's closing balance of the last month before the period (or, for an account whose
history starts inside the period, its first month's opening balance). Three queries, whatever
the number of accounts, months and payments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, Subquery

from kabinet.core.periods import add_months, month_start
from kabinet.customers.models import Account

from .models import Payment, Source, Statement


@dataclass(frozen=True)
class Entry:
    """One line: a month's charge (debit) or a payment (credit)."""

    day: dt.date
    account: Account
    charged: Decimal
    paid: Decimal
    source: str
    is_charge: bool
    period: dt.date | None = None
    reference: str = ""
    channel: str = ""

    @property
    def imported(self) -> bool:
        """Came from the former system (the previous cabinet), shown marked and read-only."""
        return self.source == Source.PREVIOUS

    @property
    def source_label(self) -> str:
        return str(Source(self.source).label)


@dataclass
class Reconciliation:
    start: dt.date
    end: dt.date
    opening: Decimal
    entries: list[Entry] = field(default_factory=list)

    @property
    def charged(self) -> Decimal:
        return sum((e.charged for e in self.entries), Decimal(0))

    @property
    def paid(self) -> Decimal:
        return sum((e.paid for e in self.entries), Decimal(0))

    @property
    def closing(self) -> Decimal:
        return self.opening + self.charged - self.paid


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The first day of `start`'s month and the last day of `end`'s month (swapped if
    reversed)."""
    if end < start:
        start, end = end, start
    return month_start(start), add_months(month_start(end), 1) - dt.timedelta(days=1)


def reconciliation_for(
    *, accounts: Iterable[Account], start: dt.date, end: dt.date
) -> Reconciliation:
    """The statement for `accounts` from `start`'s month to `end`'s month inclusive."""
    first, last = period_bounds(start, end)
    ids = [a.pk for a in accounts]
    by_id = {
        a.pk: a
        for a in Account.objects.filter(pk__in=ids)
        .annotate(
            before=Subquery(
                Statement.objects.filter(account=OuterRef("pk"), period__lt=first)
                .order_by("-period")
                .values("closing_balance")[:1]
            ),
            first_opening=Subquery(
                Statement.objects.filter(account=OuterRef("pk"), period__gte=first)
                .order_by("period")
                .values("opening_balance")[:1]
            ),
        )
        .order_by("number")
    }
    opening = Decimal(0)
    for account in by_id.values():
        before = account.before
        start_value = before if before is not None else account.first_opening
        opening += start_value or Decimal(0)
    entries = [
        Entry(
            day=s.period,
            account=by_id[s.account_id],
            charged=s.charged,
            paid=Decimal(0),
            source=s.source,
            is_charge=True,
            period=s.period,
        )
        for s in Statement.objects.filter(
            account_id__in=by_id, period__gte=first, period__lte=last
        ).exclude(charged=0)
    ]
    entries += [
        Entry(
            day=p.paid_on,
            account=by_id[p.account_id],
            charged=Decimal(0),
            paid=p.amount,
            source=p.source,
            is_charge=False,
            reference=p.reference,
            channel=p.get_channel_display(),
        )
        for p in Payment.objects.filter(account_id__in=by_id, paid_on__gte=first, paid_on__lte=last)
    ]
    entries.sort(key=lambda e: (e.day, not e.is_charge, e.account.number, e.reference))
    return Reconciliation(start=first, end=last, opening=opening, entries=entries)
