"""Read-side queries of billing data for the cabinet: one query each, whatever the history."""

from __future__ import annotations

from django.db.models import QuerySet

from kabinet.core.queries import any_of
from kabinet.customers.models import Account

from .models import Invoice, Payment, Statement

LAST_PAYMENTS = 5
COMPARED_YEARS = 3


def last_statement(account: Account) -> Statement | None:
    """The account's latest month, or None before the first import."""
    return Statement.objects.filter(account=account).order_by("-period").first()


def last_payments(account: Account, count: int = LAST_PAYMENTS) -> list[Payment]:
    """The latest payments billing has recorded, newest first."""
    return list(Payment.objects.filter(account=account).order_by("-paid_on", "-id")[:count])


def statement_years(account: Account) -> list[int]:
    """The years that have statements, oldest first."""
    dates = Statement.objects.filter(account=account).dates("period", "year")
    return [day.year for day in dates]


def statements_in(account: Account, years: list[int]) -> list[Statement]:
    """The account's statements of the given years, in calendar order."""
    if not years:
        return []
    return list(
        Statement.objects.filter(account=account, period__year__in=years).order_by("period")
    )


def contract_invoices(contract_id: int) -> QuerySet[Invoice]:
    """A contract's own invoices and its accounts' (each side by its own index: see any_of)."""
    return Invoice.objects.filter(
        any_of(
            Invoice.objects.filter(contract_id=contract_id),
            Invoice.objects.filter(account__contract_id=contract_id),
        )
    )
