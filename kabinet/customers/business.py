"""Read-side queries of a business customer's pages: its contracts with balances, one contract
for the user, its service points with meters and their last readings. A fixed number of
queries each, whatever the number of contracts, service points, meters and months."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404

from kabinet.billing.models import Statement
from kabinet.metering.models import Meter, Reading

from . import roles
from .models import Account, Contract, Customer, ServicePoint


def acting_customer(user: Any, action: str = roles.VIEW) -> tuple[Customer, frozenset[str]]:
    """The business customer the user acts for and what they may do; 404 when none or when
    the role does not allow `action` (2 queries)."""
    customer = Customer.objects.filter(pk=user.customer_id).first() if user.customer_id else None
    if customer is None or not customer.is_business:
        raise Http404
    allowed = roles.allowed_actions(user, customer)
    if action not in allowed:
        raise Http404
    return customer, allowed


def contract_for(user: Any, pk: int) -> tuple[Contract, frozenset[str]]:
    """One of the user's company's contracts and the user's actions on it; 404 for another
    company's contract or a user who does not act for the company (2 queries)."""
    contract = (
        Contract.objects.select_related("customer")
        .filter(pk=pk, customer_id=user.customer_id)
        .first()
        if user.customer_id
        else None
    )
    if contract is None:
        raise Http404
    allowed = roles.allowed_actions(user, contract.customer)
    if roles.VIEW not in allowed:
        raise Http404
    return contract, allowed


def last_closing() -> Subquery:
    return Subquery(
        Statement.objects.filter(account=OuterRef("pk"))
        .order_by("-period")
        .values("closing_balance")[:1]
    )


def accounts_of(contracts: list[Contract]) -> list[Account]:
    """The contracts' accounts with their latest closing balance (`balance`), one query."""
    return list(
        Account.objects.filter(contract__in=contracts)
        .annotate(balance=last_closing())
        .order_by("number")
    )


def contracts_with_balances(customer: Customer) -> list[Contract]:
    """The customer's contracts, each with `balance` (the sum of its accounts' latest closing
    balances) and `account_count`. Two queries."""
    contracts = list(Contract.objects.filter(customer=customer).order_by("number"))
    totals: dict[int, Decimal] = {}
    counts: dict[int, int] = {}
    for account in accounts_of(contracts):
        key = account.contract_id or 0
        totals[key] = totals.get(key, Decimal(0)) + (account.balance or Decimal(0))  # type: ignore[attr-defined]
        counts[key] = counts.get(key, 0) + 1
    for contract in contracts:
        contract.balance = totals.get(contract.pk, Decimal(0))  # type: ignore[attr-defined]
        contract.account_count = counts.get(contract.pk, 0)  # type: ignore[attr-defined]
    return contracts


def _last(field: str) -> Subquery:
    return Subquery(
        Reading.objects.filter(meter=OuterRef("pk"))
        .exclude(status=Reading.Status.REJECTED)
        .order_by("-taken_on", "-id")
        .values(field)[:1]
    )


def service_points_of(contract: Contract) -> QuerySet[ServicePoint]:
    """The contract's service points with their account and meters; each meter carries its
    last (not rejected) reading as `last_taken_on`, `last_value1..3`. Three queries."""
    meters = Meter.objects.annotate(
        last_taken_on=_last("taken_on"),
        last_value1=_last("value1"),
        last_value2=_last("value2"),
        last_value3=_last("value3"),
    ).order_by("serial")
    return (
        ServicePoint.objects.filter(contract=contract)
        .select_related("account")
        .prefetch_related(Prefetch("meters", queryset=meters))
        .order_by("code")
    )
