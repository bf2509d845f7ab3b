"""Billing periods are months, stored as the date of their first day."""

from __future__ import annotations

import datetime as dt


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(period: dt.date, months: int) -> dt.date:
    index = period.year * 12 + (period.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_range(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every period from `first` to `last` inclusive, both taken as their months."""
    start, end = month_start(first), month_start(last)
    periods = []
    while start <= end:
        periods.append(start)
        start = add_months(start, 1)
    return periods
