"""Document downloads: a household account's invoices by month and reconciliation statement,
a contract's invoices and reconciliation statement. Only to their owner (404 otherwise),
always as attachments (SECURITY.md 23)."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kabinet.billing.models import Statement
from kabinet.billing.selectors import contract_invoices
from kabinet.customers import business
from kabinet.customers.models import Account
from kabinet.customers.selectors import link_for, links_with_current
from kabinet.identity.models import User

from .cache import cached_pdf
from .pdf.base import Payee
from .pdf.documents import invoice_pdf, reconciliation_pdf
from .sources import contract_invoice_data, month_invoice_data, reconciliation_data


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    # RFC 6266/5987: an ASCII fallback and the UTF-8 name (invoice numbers may be Cyrillic)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def parse_month(value: str | None) -> dt.date | None:
    try:
        return dt.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return None


def parse_period(request: HttpRequest) -> tuple[dt.date, dt.date]:
    """?start=YYYY-MM-DD&end=YYYY-MM-DD; the current year to date when absent or wrong."""
    today = timezone.localdate()
    try:
        start = dt.date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        start = today.replace(month=1, day=1)
    try:
        end = dt.date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        end = today
    if end < start:
        start, end = end, start
    return start, end


@login_required
@require_safe
def account_invoices(request: HttpRequest, pk: int) -> HttpResponse:
    """Invoices for a chosen month: the months billing has, the chosen one's figures."""
    links, current = links_with_current(cast(User, request.user), pk)
    account = current.account
    months = list(Statement.objects.filter(account=account).dates("period", "month", "DESC"))
    chosen = parse_month(request.GET.get("month"))
    if chosen not in months:
        chosen = months[0] if months else None
    statement = Statement.objects.filter(account=account, period=chosen).first() if chosen else None
    return render(
        request,
        "documents/account_invoices.html",
        {
            "links": links,
            "current": current,
            "account": account,
            "months": months,
            "chosen": chosen,
            "statement": statement,
        },
    )


def _address_account(user: User, pk: int) -> Account:
    return link_for(user, pk).account


@login_required
@require_safe
def account_invoice_pdf(request: HttpRequest, pk: int, year: int, month: int) -> HttpResponse:
    account = _address_account(cast(User, request.user), pk)
    account = Account.objects.select_related(
        "customer", "building__street__settlement", "apartment"
    ).get(pk=account.pk)
    try:
        period = dt.date(year, month, 1)
    except ValueError as exc:
        raise Http404 from exc
    statement = Statement.objects.filter(account=account, period=period).first()
    if statement is None:
        raise Http404
    language = get_language() or "uk"
    key = f"month-invoice:{account.pk}:{period:%Y%m}:{statement.as_of.timestamp():.0f}:{language}"
    content = cached_pdf(
        key,
        lambda: invoice_pdf(
            month_invoice_data(account, statement), payee=Payee.current(), language=language
        ),
    )
    return pdf_response(content, f"invoice-{account.number}-{period:%Y-%m}.pdf")


@login_required
@require_safe
def account_reconciliation_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    account = _address_account(cast(User, request.user), pk)
    account = Account.objects.select_related("customer").get(pk=account.pk)
    start, end = parse_period(request)
    data = reconciliation_data(
        accounts=[account.pk],
        customer=account.customer,
        subject=_("Personal account %(number)s") % {"number": account.number},
        start=start,
        end=end,
    )
    content = reconciliation_pdf(data, payee=Payee.current(), language=get_language() or "uk")
    return pdf_response(content, f"reconciliation-{account.number}-{start}-{end}.pdf")


@login_required
@require_safe
def contract_invoice_pdf(request: HttpRequest, pk: int, invoice_pk: int) -> HttpResponse:
    contract, _allowed = business.contract_for(request.user, pk)
    # the contract's own invoices and its accounts' (as the Invoices tab lists them)
    invoice = contract_invoices(contract.pk).filter(pk=invoice_pk).first()
    if invoice is None:
        raise Http404
    language = get_language() or "uk"
    key = f"contract-invoice:{invoice.pk}:{invoice.as_of.timestamp():.0f}:{language}"
    content = cached_pdf(
        key,
        lambda: invoice_pdf(
            contract_invoice_data(invoice, contract), payee=Payee.current(), language=language
        ),
    )
    return pdf_response(content, f"invoice-{invoice.number}.pdf")


@login_required
@require_safe
def contract_reconciliation_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    contract, _allowed = business.contract_for(request.user, pk)
    start, end = parse_period(request)
    data = reconciliation_data(
        accounts=list(contract.accounts.values_list("pk", flat=True)),
        customer=contract.customer,
        subject=_("Contract %(number)s “%(title)s”")
        % {"number": contract.number, "title": contract.title},
        start=start,
        end=end,
    )
    content = reconciliation_pdf(data, payee=Payee.current(), language=get_language() or "uk")
    return pdf_response(content, f"reconciliation-{contract.number}-{start}-{end}.pdf")


urlpatterns: list[URLPattern] = [
    path("cabinet/accounts/<int:pk>/invoices/", account_invoices, name="account_invoices"),
    path(
        "cabinet/accounts/<int:pk>/invoices/<int:year>-<int:month>.pdf",
        account_invoice_pdf,
        name="account_invoice_pdf",
    ),
    path(
        "cabinet/accounts/<int:pk>/reconciliation.pdf",
        account_reconciliation_pdf,
        name="account_reconciliation_pdf",
    ),
    path(
        "cabinet/contracts/<int:pk>/invoices/<int:invoice_pk>.pdf",
        contract_invoice_pdf,
        name="contract_invoice_pdf",
    ),
    path(
        "cabinet/contracts/<int:pk>/reconciliation.pdf",
        contract_reconciliation_pdf,
        name="contract_reconciliation_pdf",
    ),
]
