"""The reading rules as pure functions: the submission window, the register's format, rollovers
and implausible jumps. No database here, so hypothesis can try them by the thousand."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# A register rolls over when the consumption that implies is below this share of its range;
# a lower value that would need more is a mistake, not a rollover.
ROLLOVER_SHARE = Decimal("0.5")
# Usual consumption below one unit a month (an empty flat) is taken as one unit.
MIN_USUAL = Decimal(1)


@dataclass(frozen=True)
class Window:
    """The days readings are taken in, both inclusive."""

    opens_on: dt.date
    closes_on: dt.date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.opens_on <= day <= self.closes_on


def _day(year: int, month: int, day: int) -> dt.date:
    """The day in that month, or its last day (a window on the 31st opens on 30 April)."""
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _window_from(year: int, month: int, opens: int, closes: int) -> Window:
    start = _day(year, month, opens)
    if closes >= opens:
        return Window(start, _day(year, month, closes))
    return Window(start, _day(*_next_month(year, month), closes))


def window_at(opens: int | None, closes: int | None, today: dt.date) -> Window | None:
    """The window that contains `today`, or None when it is closed. Always open (no days
    configured) means the calendar month is the window."""
    if opens is None or closes is None:
        return Window(today.replace(day=1), _day(today.year, today.month, 31))
    previous = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    for year, month in (previous, (today.year, today.month)):
        window = _window_from(year, month, opens, closes)
        if today in window:
            return window
    return None


def next_window(opens: int, closes: int, today: dt.date) -> Window:
    """The next window that opens after `today` (for “readings are taken from … to …”)."""
    window = _window_from(today.year, today.month, opens, closes)
    if window.opens_on > today:
        return window
    return _window_from(*_next_month(today.year, today.month), opens, closes)


def parse_value(text: str, *, digits: int, decimals: int) -> Decimal:
    """A register value as typed: up to `digits` whole digits (leading zeros kept as typed,
    e.g. 00001) and up to `decimals` after a comma or point."""
    text = text.strip().replace(" ", "")
    if not text:
        raise ValidationError(_("Enter the value shown on the meter."), code="required")
    fraction = rf"(?:[.,](\d{{1,{decimals}}}))?" if decimals else ""
    match = re.fullmatch(rf"(\d+){fraction}", text)
    if match is None:
        if decimals:
            message = _("Use digits only, with at most %(decimals)d after the comma.")
        else:
            message = _("Use digits only: this meter shows no decimals.")
        raise ValidationError(message % {"decimals": decimals}, code="format")
    if len(match.group(1).lstrip("0")) > digits:
        raise ValidationError(
            _("This meter has %(digits)d digits: the value cannot have more.") % {"digits": digits},
            code="digits",
        )
    return Decimal(text.replace(",", "."))


def format_register(value: Decimal, *, digits: int, decimals: int) -> str:
    """The value as the register shows it: 00001 for 1 on a five-digit meter."""
    whole = int(value)
    text = f"{whole:0{digits}d}"
    if decimals:
        fraction = (value - whole).quantize(Decimal(1).scaleb(-decimals))
        text += "," + str(fraction)[2:].ljust(decimals, "0")
    return text


@dataclass(frozen=True)
class Step:
    """What a new value means against the previous one on the same register."""

    consumption: Decimal | None  # None: the value is lower and no rollover explains it
    rollover: bool


def step(previous: Decimal | None, value: Decimal, *, digits: int) -> Step:
    """Consumption since the previous value; a lower value is a rollover past 99…9 when the
    consumption that implies is small against the register's range."""
    if previous is None:
        return Step(None if value < 0 else Decimal(0), False)
    if value >= previous:
        return Step(value - previous, False)
    span = Decimal(10) ** digits
    through_zero = span - previous + value
    if through_zero < span * ROLLOVER_SHARE:
        return Step(through_zero, True)
    return Step(None, False)


def implausible(consumption: Decimal, *, usual: Decimal | None, factor: Decimal) -> bool:
    """Far above the usual consumption of the same length of time (None: nothing to compare)."""
    if usual is None:
        return False
    return consumption > factor * max(usual, MIN_USUAL)


def usual_for(monthly: Decimal | None, *, days: int) -> Decimal | None:
    """The usual consumption over `days` days from a usual monthly one (at least a month)."""
    if monthly is None:
        return None
    return monthly * max(Decimal(days), Decimal(30)) / Decimal(30)
