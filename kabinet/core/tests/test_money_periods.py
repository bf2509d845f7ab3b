"""Money is Decimal rounded half-up to the kopeck; billing periods are months."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext
from hypothesis import given
from hypothesis import strategies as st

from kabinet.core.money import format_money, to_money
from kabinet.core.periods import add_months, month_range, month_start

NBSP = "\u00a0"

# --- to_money ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0.1, 1.0, float("nan")])
def test_to_money_refuses_floats(value: float) -> None:
    with pytest.raises(TypeError):
        to_money(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2.675", "2.68"),  # a float would give 2.67
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("-0.005", "-0.01"),  # half away from zero, both ways
        ("1.125", "1.13"),
        ("1.135", "1.14"),
        (5, "5.00"),
        (Decimal("10"), "10.00"),
        ("1 234,50", "1234.50"),
        (f"1{NBSP}234,50", "1234.50"),
        ("  99,9 ", "99.90"),
        ("-12,345", "-12.35"),
    ],
)
def test_to_money(value: Decimal | int | str, expected: str) -> None:
    result = to_money(value)
    assert result == Decimal(expected)
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize("value", ["", "abc", "1,234.50", "1.2.3", "NaN", "Infinity", "-inf"])
def test_to_money_refuses_what_is_not_an_amount(value: str) -> None:
    with pytest.raises(ValueError):
        to_money(value)


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False))
def test_to_money_is_half_up_rounding(value: Decimal) -> None:
    result = to_money(str(value))
    assert abs(result - value) <= Decimal("0.005")
    assert to_money(result) == result
    # Comma as the decimal separator means the same
    assert to_money(str(value).replace(".", ",")) == result


# --- format_money --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "number"),
    [("uk", f"1{NBSP}234,50"), ("ru", f"1{NBSP}234,50"), ("en", "1,234.50")],
)
def test_format_money(language: str, number: str) -> None:
    with translation.override(language):
        assert format_money(Decimal("1234.5")) == f"{number}{NBSP}{gettext('UAH')}"
        assert format_money(Decimal("1234.5"), "RUB") == f"{number}{NBSP}{gettext('RUB')}"


def test_format_money_rounds_and_groups() -> None:
    with translation.override("uk"):
        assert format_money(Decimal("-1234567.005")).startswith(f"-1{NBSP}234{NBSP}567,01")
        assert format_money(Decimal("0")).startswith("0,00")
        assert format_money(Decimal("7"), "EUR") == f"7,00{NBSP}EUR"


# --- Periods -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "months", "expected"),
    [
        (dt.date(2024, 12, 1), 1, dt.date(2025, 1, 1)),
        (dt.date(2025, 1, 1), -1, dt.date(2024, 12, 1)),
        (dt.date(2024, 1, 1), 12, dt.date(2025, 1, 1)),
        (dt.date(2024, 3, 1), -13, dt.date(2023, 2, 1)),
        (dt.date(2024, 5, 1), 0, dt.date(2024, 5, 1)),
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 1)),  # never Feb 31st: periods are 1st days
    ],
)
def test_add_months(period: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(period, months) == expected


def test_month_range_across_the_new_year_and_a_leap_february() -> None:
    assert month_range(dt.date(2023, 12, 15), dt.date(2024, 3, 1)) == [
        dt.date(2023, 12, 1),
        dt.date(2024, 1, 1),
        dt.date(2024, 2, 1),
        dt.date(2024, 3, 1),
    ]
    assert month_range(dt.date(2024, 2, 29), dt.date(2024, 2, 29)) == [dt.date(2024, 2, 1)]
    assert month_range(dt.date(2024, 2, 29), dt.date(2025, 2, 28))[-1] == dt.date(2025, 2, 1)
    assert month_range(dt.date(2024, 3, 1), dt.date(2024, 2, 29)) == []


def test_month_start() -> None:
    assert month_start(dt.date(2024, 2, 29)) == dt.date(2024, 2, 1)
    assert month_start(dt.date(2024, 12, 31)) == dt.date(2024, 12, 1)


days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31))


@given(days, st.integers(min_value=-240, max_value=240))
def test_add_months_round_trips(day: dt.date, months: int) -> None:
    moved = add_months(day, months)
    assert moved.day == 1
    assert add_months(moved, -months) == month_start(day)
    assert (moved.year - day.year) * 12 + moved.month - day.month == months


@given(days, st.integers(min_value=0, max_value=120))
def test_month_range_has_one_period_per_month(day: dt.date, months: int) -> None:
    periods = month_range(day, add_months(day, months))
    assert len(periods) == months + 1
    assert periods[0] == month_start(day)
    assert all(add_months(a, 1) == b for a, b in itertools.pairwise(periods))
