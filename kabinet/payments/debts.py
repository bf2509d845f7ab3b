"""How much a customer owes and may pay now, under the utility's payment rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from kabinet.billing.models import Payment, Source, Statement
from kabinet.core.periods import add_months, month_start
from kabinet.customers.models import Account, Contract

from .models import PaymentRules


@dataclass(frozen=True)
class Debt:
    total: Decimal  # what billing says is owed, less what was paid online since
    payable: Decimal  # what may be paid today (last month's charges held back before day N)
    held_back: Decimal  # last month's charges not payable yet
    awaiting: Decimal  # paid online, not yet in billing's figures


def _debt(
    statements: list[Statement], awaiting: Decimal, rules: PaymentRules, today: dt.date
) -> Debt:
    closing = sum((s.closing_balance for s in statements), Decimal(0))
    total = max(closing - awaiting, Decimal(0))
    last_month = add_months(month_start(today), -1)
    held = Decimal(0)
    if today.day < rules.payable_from_day:
        held = sum((s.charged for s in statements if s.period == last_month), Decimal(0))
    payable = max(total - held, Decimal(0))
    return Debt(total=total, payable=payable, held_back=min(held, total), awaiting=awaiting)


def _awaiting(accounts: list[int]) -> Decimal:
    value = Payment.objects.filter(account_id__in=accounts, source=Source.ONLINE).aggregate(
        total=Sum("amount")
    )["total"]
    return value or Decimal(0)


def account_debt(account: Account, *, rules: PaymentRules, today: dt.date) -> Debt:
    statement = Statement.objects.filter(account=account).order_by("-period").first()
    return _debt([statement] if statement else [], _awaiting([account.pk]), rules, today)


def contract_debt(contract: Contract, *, rules: PaymentRules, today: dt.date) -> Debt:
    """The contract's accounts' latest months, summed (two queries whatever their number)."""
    latest = (
        Statement.objects.filter(account__contract=contract)
        .order_by("account_id", "-period")
        .values_list("account_id", "period")
    )
    seen: dict[int, dt.date] = {}
    for account_id, period in latest:
        seen.setdefault(account_id, period)
    statements = [
        s
        for s in Statement.objects.filter(account__contract=contract, period__in=set(seen.values()))
        if seen.get(s.account_id) == s.period
    ]
    return _debt(statements, _awaiting(list(seen)), rules, today)
