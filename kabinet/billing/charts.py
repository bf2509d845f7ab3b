"""Server-rendered SVG charts: no JavaScript, readable on a 360 px phone, accessible.

The chart scales with its container (viewBox, width 100%), names itself with <title> and
<desc>, and points at the table that holds the same figures (aria-describedby). Years are told
apart by colours from the Okabe–Ito palette, safe for the common kinds of colour blindness,
and by a legend; every bar carries its own <title> with the exact value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.utils.dates import MONTHS_3
from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# Okabe & Ito (2008): blue, orange, bluish green — distinguishable with deuteranopia,
# protanopia and tritanopia; the newest year gets the strongest colour.
PALETTE = ("#0072B2", "#D55E00", "#009E73")

# Small enough a canvas that 15-unit text stays about 11 px high on a 360 px phone.
WIDTH, HEIGHT = 480, 320
LEFT, RIGHT, TOP, BOTTOM = 60, 8, 44, 52
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
TICKS = 4


def nice_ceiling(value: Decimal) -> Decimal:
    """The smallest of 1, 2, 2.5, 5 × 10^n that is at least `value` (a readable axis top)."""
    if value <= 0:
        return Decimal(1)
    power = Decimal(10) ** (value.adjusted())
    for step in (1, 2, Decimal("2.5"), 5, 10):
        top = power * step
        if top >= value:
            return top
    return power * 10  # pragma: no cover - the loop always returns


def format_volume(value: Decimal) -> str:
    """`1 234,5` / `1,234.5`: a volume without trailing zeros, in the active language."""
    exponent = value.normalize().as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    return number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


def consumption_chart(
    series: Mapping[int, Sequence[Decimal | None]],
    *,
    unit: str,
    chart_id: str,
    described_by: str = "",
) -> SafeString | None:
    """Bars of monthly consumption, one set per year (`series`: year → 12 values or None).

    Returns None when no month has data, so the page shows a message instead of empty axes.
    """
    years = sorted(series)[-len(PALETTE) :]
    values = [v for year in years for v in series[year] if v is not None]
    if not values:
        return None
    top = nice_ceiling(max(max(values), Decimal(0)))
    group = Decimal(PLOT_W) / 12
    bar_w = group * Decimal("0.8") / len(years)

    def y_of(value: Decimal) -> Decimal:
        return TOP + PLOT_H - (value / top) * PLOT_H

    title = _("Consumption by month, %(unit)s") % {"unit": unit}
    desc = _("Bars compare the monthly consumption of the years %(years)s.") % {
        "years": ", ".join(str(year) for year in years)
    }
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" preserveAspectRatio="xMidYMid meet" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc"'
        + (f' aria-describedby="{described_by}"' if described_by else "")
        + ">",
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    # grid lines and the value axis
    for i in range(TICKS + 1):
        value = top * i / TICKS
        y = y_of(value)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#d0d5dd" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="15" '
            f'fill="#333">{escape(format_volume(value))}</text>'
        )
    parts.append(
        f'<text class="axis-label" x="16" y="{TOP + PLOT_H / 2}" font-size="15" fill="#333" '
        f'text-anchor="middle" transform="rotate(-90 16 {TOP + PLOT_H / 2})">'
        f"{escape(unit)}</text>"
    )
    # the bars
    for index, year in enumerate(years):
        colour = PALETTE[index]
        for month, amount in enumerate(series[year][:12], start=1):
            if amount is None:
                continue
            x = LEFT + group * (month - 1) + group * Decimal("0.1") + bar_w * index
            height = (max(amount, Decimal(0)) / top) * PLOT_H
            label = f"{MONTHS_3[month]} {year}: {format_volume(amount)} {unit}"
            parts.append(
                f'<rect class="bar" data-year="{year}" data-month="{month}" '
                f'data-amount="{amount}" x="{x:.2f}" y="{TOP + PLOT_H - height:.2f}" '
                f'width="{bar_w:.2f}" height="{height:.2f}" fill="{colour}">'
                f"<title>{escape(label)}</title></rect>"
            )
    # the month axis
    base = TOP + PLOT_H
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{base}" y2="{base}" stroke="#333"/>')
    for month in range(1, 13):
        x = LEFT + group * (month - Decimal("0.5"))
        parts.append(
            f'<text x="{x:.1f}" y="{base + 20}" text-anchor="middle" font-size="15" '
            f'fill="#333">{escape(str(MONTHS_3[month]).capitalize())}</text>'
        )
    parts.append(
        f'<text class="axis-label" x="{LEFT + PLOT_W / 2}" y="{HEIGHT - 8}" '
        f'text-anchor="middle" font-size="15" fill="#333">{escape(_("Month"))}</text>'
    )
    # the legend
    for index, year in enumerate(years):
        lx = LEFT + index * 80
        parts.append(
            f'<g class="legend"><rect x="{lx}" y="10" width="16" height="16" '
            f'fill="{PALETTE[index]}"/><text x="{lx + 22}" y="24" font-size="16" '
            f'fill="#333">{year}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
