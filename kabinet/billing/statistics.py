"""An account's statistics: the months of a chosen year, a chart comparing years, downloads."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.dates import MONTHS
from django.utils.formats import get_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kabinet.customers.models import Account, AccountLink
from kabinet.customers.selectors import link_for, links_with_current
from kabinet.identity.models import User

from . import charts, selectors
from .models import Statement

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Year:
    """The chosen year's statements and totals, and the series the chart compares."""

    account: Account
    years: list[int]
    year: int | None
    statements: list[Statement]
    series: dict[int, list[Decimal | None]]

    @property
    def volume(self) -> Decimal:
        return sum((s.volume for s in self.statements), Decimal(0))

    @property
    def charged(self) -> Decimal:
        return sum((s.charged for s in self.statements), Decimal(0))

    @property
    def paid(self) -> Decimal:
        return sum((s.paid for s in self.statements), Decimal(0))


def chosen_year(account: Account, requested: str | None) -> Year:
    """The requested year if it has statements, else the latest; with up to 3 years to compare."""
    years = selectors.statement_years(account)
    year = years[-1] if years else None
    if requested and requested.isdigit() and int(requested) in years:
        year = int(requested)
    compared = [y for y in years if year is not None and y <= year][-selectors.COMPARED_YEARS :]
    statements = selectors.statements_in(account, compared)
    series: dict[int, list[Decimal | None]] = {y: [None] * 12 for y in compared}
    for statement in statements:
        series[statement.period.year][statement.period.month - 1] = statement.volume
    return Year(
        account=account,
        years=years,
        year=year,
        statements=[s for s in statements if s.period.year == year],
        series=series,
    )


def _load(request: HttpRequest, pk: int) -> tuple[AccountLink, Year]:
    link = link_for(cast(User, request.user), pk)
    return link, chosen_year(link.account, request.GET.get("year"))


@login_required
def statistics(request: HttpRequest, pk: int) -> HttpResponse:
    links, current = links_with_current(cast(User, request.user), pk)
    data = chosen_year(current.account, request.GET.get("year"))
    chart = charts.consumption_chart(
        data.series, unit=data.account.unit, chart_id="consumption-chart", described_by="stats"
    )
    rows = [
        (str(MONTHS[s.period.month]).capitalize(), charts.format_volume(s.volume), s)
        for s in data.statements
    ]
    return render(
        request,
        "billing/statistics.html",
        {
            "links": links,
            "current": current,
            "account": data.account,
            "data": data,
            "rows": rows,
            "chart": chart,
            "total_volume": charts.format_volume(data.volume),
        },
    )


def _filename(data: Year, extension: str) -> str:
    return f"statistics-{data.account.number}-{data.year or 'empty'}.{extension}"


def _download(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _header(account: Account) -> list[str]:
    return [
        _("Period"),
        _("Volume, %(unit)s") % {"unit": account.unit},
        _("Charged"),
        _("Paid"),
        _("Balance"),
    ]


@login_required
def statistics_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """UTF-8 with a BOM and `;` so Excel opens Cyrillic; the language's decimal separator."""
    _current, data = _load(request, pk)
    separator = str(get_format("DECIMAL_SEPARATOR", get_language()))

    def number(value: Decimal) -> str:
        return str(value).replace(".", separator)

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(_header(data.account))
    for s in data.statements:
        writer.writerow(
            [
                f"{s.period:%Y-%m}",
                number(s.volume),
                number(s.charged),
                number(s.paid),
                number(s.closing_balance),
            ]
        )
    writer.writerow([_("Total"), number(data.volume), number(data.charged), number(data.paid), ""])
    response = HttpResponse(("\ufeff" + out.getvalue()).encode(), content_type="text/csv")
    return _download(response, _filename(data, "csv"))


@login_required
def statistics_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """Numbers as numbers (Decimal, never float) with a number format; periods as dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    _current, data = _load(request, pk)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = str(data.year or "-")
    sheet.append(_header(data.account))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    formats = ("YYYY-MM", "#,##0.000", "#,##0.00", "#,##0.00", "#,##0.00")
    for s in data.statements:
        sheet.append([s.period, s.volume, s.charged, s.paid, s.closing_balance])
    sheet.append([_("Total"), data.volume, data.charged, data.paid])
    for row in sheet.iter_rows(min_row=2):
        for cell, number_format in zip(row, formats, strict=False):
            cell.number_format = number_format
    for column, width in zip("ABCDE", (12, 16, 14, 14, 14), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return _download(HttpResponse(out.getvalue(), content_type=XLSX), _filename(data, "xlsx"))


urlpatterns: list[URLPattern] = [
    path("accounts/<int:pk>/statistics/", statistics, name="statistics"),
    path("accounts/<int:pk>/statistics.csv", statistics_csv, name="statistics_csv"),
    path("accounts/<int:pk>/statistics.xlsx", statistics_xlsx, name="statistics_xlsx"),
]
