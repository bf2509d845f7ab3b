"""The reading rules as pure functions, tried by hypothesis and at their edges."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from kabinet.metering import rules

digits_st = st.integers(min_value=3, max_value=10)
decimals_st = st.integers(min_value=0, max_value=3)


@st.composite
def register_value(draw):
    digits, decimals = draw(digits_st), draw(decimals_st)
    whole = draw(st.integers(min_value=0, max_value=10**digits - 1))
    fraction = draw(st.integers(min_value=0, max_value=10**decimals - 1)) if decimals else 0
    value = Decimal(whole) + (Decimal(fraction).scaleb(-decimals) if decimals else 0)
    return digits, decimals, value


@given(register_value())
def test_what_the_register_shows_parses_back_to_the_same_value(case):
    digits, decimals, value = case
    shown = rules.format_register(value, digits=digits, decimals=decimals)
    assert len(shown.split(",")[0]) == digits  # leading zeros: 00001
    assert rules.parse_value(shown, digits=digits, decimals=decimals) == value


@given(digits_st, decimals_st, st.integers(min_value=1, max_value=5))
def test_more_whole_digits_than_the_register_has_are_refused(digits, decimals, extra):
    text = "1" * (digits + extra)
    with pytest.raises(ValidationError) as caught:
        rules.parse_value(text, digits=digits, decimals=decimals)
    assert caught.value.code == "digits"


@given(digits_st, st.integers(min_value=1, max_value=3), st.integers(min_value=1, max_value=3))
def test_more_decimals_than_the_register_has_are_refused(digits, decimals, extra):
    with pytest.raises(ValidationError):
        rules.parse_value("1," + "5" * (decimals + extra), digits=digits, decimals=decimals)


@pytest.mark.parametrize("text", ["", " ", "12a", "-5", "1e3", "1,2", "1.", "½"])
def test_garbage_is_refused_for_a_whole_number_register(text):
    with pytest.raises(ValidationError):
        rules.parse_value(text, digits=5, decimals=0)


def test_leading_zeros_are_accepted():
    assert rules.parse_value("00001", digits=5, decimals=0) == Decimal(1)
    assert rules.parse_value("0000012,5", digits=5, decimals=1) == Decimal("12.5")


@given(
    digits_st,
    st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=30),
    st.integers(min_value=0, max_value=10**10),
)
def test_a_random_sequence_of_readings_adds_up_including_rollovers(digits, steps, start):
    """Feed consumptions below half the register's range: each step (rolled or not) gives
    back the consumption, and a rollover is recognised exactly when the register passed 9…9."""
    span = 10**digits
    value = Decimal(start % span)
    for raw in steps:
        consumption = Decimal(raw % (span // 2))
        new = (value + consumption) % span
        found = rules.step(value, new, digits=digits)
        assert found.consumption == consumption
        assert found.rollover == (value + consumption >= span)
        value = new


@given(digits_st, st.integers(min_value=0, max_value=10**10), st.integers(min_value=1))
def test_a_lower_value_far_below_is_a_mistake_not_a_rollover(digits, previous, drop):
    span = 10**digits
    previous_value = Decimal(previous % span)
    drop_value = Decimal(drop % span)
    new = previous_value - drop_value
    if new < 0 or drop_value == 0:
        return
    found = rules.step(previous_value, new, digits=digits)
    # passing through zero would need span - drop: a rollover only if that is under half
    assert (found.consumption is None) == (span - drop_value >= span // 2)


def test_implausible_jump():
    assert rules.implausible(Decimal(301), usual=Decimal(100), factor=Decimal(3))
    assert not rules.implausible(Decimal(300), usual=Decimal(100), factor=Decimal(3))
    assert not rules.implausible(Decimal(10**6), usual=None, factor=Decimal(3))
    assert rules.implausible(Decimal(4), usual=Decimal(0), factor=Decimal(3))  # an empty flat
    assert rules.usual_for(Decimal(30), days=60) == Decimal(60)
    assert rules.usual_for(Decimal(30), days=3) == Decimal(30)  # at least a month


D = dt.date


@pytest.mark.parametrize(
    ("opens", "closes", "today", "expected"),
    [
        (1, 5, D(2026, 3, 1), (D(2026, 3, 1), D(2026, 3, 5))),
        (1, 5, D(2026, 3, 5), (D(2026, 3, 1), D(2026, 3, 5))),
        (1, 5, D(2026, 3, 6), None),
        (1, 5, D(2026, 2, 28), None),
        (25, 3, D(2026, 1, 24), None),
        (25, 3, D(2026, 1, 25), (D(2026, 1, 25), D(2026, 2, 3))),
        (25, 3, D(2026, 2, 3), (D(2026, 1, 25), D(2026, 2, 3))),
        (25, 3, D(2026, 2, 4), None),
        (25, 3, D(2026, 1, 2), (D(2025, 12, 25), D(2026, 1, 3))),  # across the new year
        (28, 31, D(2026, 2, 28), (D(2026, 2, 28), D(2026, 2, 28))),  # a short February
        (None, None, D(2026, 2, 14), (D(2026, 2, 1), D(2026, 2, 28))),
    ],
)
def test_the_window_at_its_edges(opens, closes, today, expected):
    window = rules.window_at(opens, closes, today)
    if expected is None:
        assert window is None
    else:
        assert window is not None and (window.opens_on, window.closes_on) == expected
        assert today in window


@given(
    st.integers(min_value=1, max_value=28),
    st.integers(min_value=1, max_value=28),
    st.dates(min_value=D(2000, 1, 1), max_value=D(2100, 1, 1)),
)
def test_a_day_is_in_a_window_exactly_when_its_day_of_month_is(opens, closes, today):
    window = rules.window_at(opens, closes, today)
    inside = (
        opens <= today.day <= closes
        if opens <= closes
        else today.day >= opens or today.day <= closes
    )
    assert (window is not None) == inside
    if window is None:
        upcoming = rules.next_window(opens, closes, today)
        assert upcoming.opens_on > today and upcoming.opens_on.day == opens
