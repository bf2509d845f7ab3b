"""A business customer's contracts (KrasKom steps 6-11): the list with balances, and each
contract's tabs — information, subscribers (service points), balance (a reconciliation
statement), invoices, consumption, payment.

The payments issue adds the payment form and the PDFs; the templates keep one named block
for each of them: `payment_link` (contract_payment.html), `balance_pdf`
(contract_balance.html), `invoice_print` (contract_invoices.html) and `invoice_pdf`
(contract_invoice.html).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from kabinet.billing import charts
from kabinet.billing.models import Invoice, Statement
from kabinet.billing.reconciliation import reconciliation_for
from kabinet.billing.selectors import contract_invoices as invoices_under
from kabinet.core.models import SERVICE_UNITS, Service, UtilityProfile
from kabinet.core.periods import add_months, month_start
from kabinet.identity.models import User

from . import business, roles
from .dashboard import CURRENCY_SIGNS
from .models import Account, Contract
from .selectors import links_for

# The payments issue's page for paying a contract; linked from the Payment tab once it exists.
PAYMENT_URL_NAME = "payments:contract_pay"
DEFAULT_MONTHS = 12


class PeriodForm(forms.Form):
    """From month to month, as <input type=month> sends it (YYYY-MM)."""

    start = forms.DateField(
        label=_("From month"),
        input_formats=["%Y-%m", "%Y-%m-%d", "%m.%Y"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    end = forms.DateField(
        label=_("To month"),
        input_formats=["%Y-%m", "%Y-%m-%d", "%m.%Y"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end of the period is before its start."))
        return data


def chosen_period(request: HttpRequest) -> tuple[PeriodForm, dt.date, dt.date, bool]:
    """The requested period, or the last 12 months; with whether the request was valid."""
    today = timezone.localdate()
    end = month_start(today)
    start = add_months(end, -(DEFAULT_MONTHS - 1))
    if "start" in request.GET or "end" in request.GET:
        form = PeriodForm(request.GET)
        if form.is_valid():
            return form, form.cleaned_data["start"], form.cleaned_data["end"], True
        return form, start, end, False
    return PeriodForm(initial={"start": start, "end": end}), start, end, True


def _page(
    request: HttpRequest, template: str, contract: Contract, allowed: frozenset[str], **extra: Any
) -> HttpResponse:
    profile = UtilityProfile.get()
    context = {
        "links": list(links_for(cast(User, request.user))),
        "current": None,
        "contract": contract,
        "customer": contract.customer,
        "allowed": allowed,
        "currency": CURRENCY_SIGNS.get(profile.currency, profile.currency),
        **extra,
    }
    return render(request, template, context)


@login_required
def contract_list(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    customer, allowed = business.acting_customer(user)
    profile = UtilityProfile.get()
    return render(
        request,
        "customers/contract_list.html",
        {
            "links": list(links_for(user)),
            "current": None,
            "customer": customer,
            "allowed": allowed,
            "contracts": business.contracts_with_balances(customer),
            "currency": CURRENCY_SIGNS.get(profile.currency, profile.currency),
        },
    )


@login_required
def company_accounts(request: HttpRequest) -> HttpResponse:
    """Every personal account of the business (DTEK: all accounts of the EDRPOU) with its
    contract and latest balance; each opens the account's own pages."""
    user = cast(User, request.user)
    customer, _allowed = business.acting_customer(user)
    links = list(links_for(user))
    balances = dict(
        Account.objects.filter(customer=customer)
        .annotate(balance=business.last_closing())
        .values_list("pk", "balance")
    )
    rows = [link for link in links if link.account.customer_id == customer.pk]
    for link in rows:
        link.balance = balances.get(link.account_id)  # type: ignore[attr-defined]
    profile = UtilityProfile.get()
    return render(
        request,
        "customers/company_accounts.html",
        {
            "links": links,
            "current": None,
            "customer": customer,
            "rows": rows,
            "currency": CURRENCY_SIGNS.get(profile.currency, profile.currency),
        },
    )


@login_required
def contract_info(request: HttpRequest, pk: int) -> HttpResponse:
    contract, allowed = business.contract_for(request.user, pk)
    return _page(request, "customers/contract_info.html", contract, allowed, tab="info")


@login_required
def contract_subscribers(request: HttpRequest, pk: int) -> HttpResponse:
    contract, allowed = business.contract_for(request.user, pk)
    points = list(business.service_points_of(contract))
    return _page(
        request,
        "customers/contract_subscribers.html",
        contract,
        allowed,
        tab="subscribers",
        points=points,
    )


@login_required
def contract_balance(request: HttpRequest, pk: int) -> HttpResponse:
    contract, allowed = business.contract_for(request.user, pk)
    form, start, end, valid = chosen_period(request)
    statement = None
    if valid:
        accounts = list(contract.accounts.all())
        statement = reconciliation_for(accounts=accounts, start=start, end=end)
    return _page(
        request,
        "customers/contract_balance.html",
        contract,
        allowed,
        tab="balance",
        form=form,
        statement=statement,
    )


def invoices_of(contract: Contract, start: dt.date, end: dt.date) -> list[Invoice]:
    """The contract's own invoices and its accounts', of the periods from `start` to `end`."""
    return list(
        invoices_under(contract.pk)
        .filter(period__gte=month_start(start), period__lte=month_start(end))
        .select_related("account")
        .order_by("-period", "number")
    )


@login_required
def contract_invoices(request: HttpRequest, pk: int) -> HttpResponse:
    contract, allowed = business.contract_for(request.user, pk)
    form, start, end, valid = chosen_period(request)
    return _page(
        request,
        "customers/contract_invoices.html",
        contract,
        allowed,
        tab="invoices",
        form=form,
        invoices=invoices_of(contract, start, end) if valid else [],
        valid=valid,
    )


def _invoice(contract: Contract, invoice_pk: int) -> Invoice:
    invoice = invoices_under(contract.pk).select_related("account").filter(pk=invoice_pk).first()
    if invoice is None:
        raise Http404
    return invoice


@login_required
def contract_invoice_file(request: HttpRequest, pk: int, invoice_pk: int) -> FileResponse:
    """The PDF billing sent with the invoice, when it sent one."""
    contract, _allowed = business.contract_for(request.user, pk)
    invoice = _invoice(contract, invoice_pk)
    if not invoice.pdf:
        raise Http404
    response = FileResponse(
        invoice.pdf.open("rb"), content_type="application/pdf", filename=f"{invoice.number}.pdf"
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def contract_invoice(request: HttpRequest, pk: int, invoice_pk: int) -> HttpResponse:
    """One invoice laid out for printing (the browser's Print), with billing's PDF if any."""
    contract, allowed = business.contract_for(request.user, pk)
    invoice = _invoice(contract, invoice_pk)
    return _page(
        request,
        "customers/contract_invoice.html",
        contract,
        allowed,
        tab="invoices",
        invoice=invoice,
        utility=UtilityProfile.get(),
    )


@login_required
def contract_invoice_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The Invoices tab's "Print" button: the chosen invoice's printable page."""
    contract, _allowed = business.contract_for(request.user, pk)
    chosen = request.GET.get("invoice", "")
    if not chosen.isdigit() or len(chosen) > 12:
        return redirect("customers:contract_invoices", contract.pk)
    return redirect("customers:contract_invoice", contract.pk, int(chosen))


def _consumption_services(contract: Contract) -> list[str]:
    """The services the contract's accounts are billed for (the contract's own list when it
    has no accounts yet), in the catalogue's order."""
    billed = set(contract.accounts.values_list("service", flat=True))
    services = [s for s in Service.values if s in billed] or [
        s for s in contract.services if s in Service.values
    ]
    return services or [Service.WATER]


@login_required
def contract_consumption(request: HttpRequest, pk: int) -> HttpResponse:
    """Consumption by month summed over the contract's accounts of one service; the chart
    compares up to three years like the household statistics."""
    contract, allowed = business.contract_for(request.user, pk)
    services = _consumption_services(contract)
    service = request.GET.get("service")
    service = service if service in services else services[0]
    statements = Statement.objects.filter(account__contract=contract, account__service=service)
    years = [d.year for d in statements.dates("period", "year")]
    year = years[-1] if years else None
    requested = request.GET.get("year", "")
    if requested.isdigit() and int(requested) in years:
        year = int(requested)
    compared = [y for y in years if year is not None and y <= year][-3:]
    sums = (
        statements.filter(period__year__in=compared)
        .values("period")
        .annotate(volume=Sum("volume"), charged=Sum("charged"), paid=Sum("paid"))
        .order_by("period")
    )
    series: dict[int, list[Decimal | None]] = {y: [None] * 12 for y in compared}
    rows = []
    for row in sums:
        period = row["period"]
        series[period.year][period.month - 1] = row["volume"]
        if period.year == year:
            month = str(MONTHS[period.month]).capitalize()
            rows.append((month, charts.format_volume(row["volume"]), row))
    unit = str(SERVICE_UNITS[service])
    chart = charts.consumption_chart(
        series, unit=unit, chart_id="contract-chart", described_by="contract-months"
    )
    return _page(
        request,
        "customers/contract_consumption.html",
        contract,
        allowed,
        tab="consumption",
        services=[(s, Service(s).label) for s in services],
        service=service,
        years=years,
        year=year,
        rows=rows,
        chart=chart,
        unit=unit,
        total=charts.format_volume(sum((r[2]["volume"] for r in rows), Decimal(0))),
        accounts=[a for a in contract.accounts.all() if a.service == service],
    )


@login_required
def contract_payment(request: HttpRequest, pk: int) -> HttpResponse:
    contract, allowed = business.contract_for(request.user, pk)
    accounts = business.accounts_of([contract])
    balance = sum((a.balance or Decimal(0) for a in accounts), Decimal(0))  # type: ignore[attr-defined]
    try:
        pay_url = reverse(PAYMENT_URL_NAME, args=[contract.pk])
    except NoReverseMatch:
        pay_url = ""
    return _page(
        request,
        "customers/contract_payment.html",
        contract,
        allowed,
        tab="payment",
        balance=balance,
        can_pay=roles.PAY in allowed,
        pay_url=pay_url,
        accounts=accounts,
    )


urlpatterns: list[URLPattern] = [
    path("company/accounts/", company_accounts, name="company_accounts"),
    path("contracts/", contract_list, name="contracts"),
    path("contracts/<int:pk>/", contract_info, name="contract"),
    path("contracts/<int:pk>/subscribers/", contract_subscribers, name="contract_subscribers"),
    path("contracts/<int:pk>/balance/", contract_balance, name="contract_balance"),
    path("contracts/<int:pk>/invoices/", contract_invoices, name="contract_invoices"),
    path(
        "contracts/<int:pk>/invoices/<int:invoice_pk>/",
        contract_invoice,
        name="contract_invoice",
    ),
    path(
        "contracts/<int:pk>/invoices/<int:invoice_pk>/billing.pdf",
        contract_invoice_file,
        name="contract_invoice_file",
    ),
    path(
        "contracts/<int:pk>/invoices/print/",
        contract_invoice_print,
        name="contract_invoice_print",
    ),
    path("contracts/<int:pk>/consumption/", contract_consumption, name="contract_consumption"),
    path("contracts/<int:pk>/payment/", contract_payment, name="contract_payment"),
]
