"""The documents themselves: receipt, invoice (or household invoice-receipt), reconciliation.

Renderers take plain data (built by kabinet.documents.sources) and the language to write in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from .base import Payee, build, facts, grid, money, p, payee_block
from .qr import payment_qr, qr_drawing


def currency_sign(code: str) -> str:
    return {"UAH": _("UAH"), "RUB": _("RUB")}.get(code, code)


@dataclass(frozen=True)
class ReceiptData:
    order_id: str
    transaction_id: str
    provider: str
    paid_at: dt.datetime
    amount: Decimal
    currency: str
    payer: str
    subject: str  # "Personal account 0512345678" or "Contract D-1"
    address: str
    purpose: str
    comment: str = ""


def receipt_pdf(data: ReceiptData, *, payee: Payee, language: str) -> bytes:
    with translation.override(language):
        sign = currency_sign(data.currency)
        story: list[Flowable] = [
            *payee_block(payee),
            p(
                _("Receipt of an online payment No. %(number)s") % {"number": data.order_id},
                "title",
            ),
            facts(
                [
                    (_("Paid"), date_format(data.paid_at, "DATETIME_FORMAT")),
                    (_("Amount"), f"{money(data.amount)} {sign}"),
                    (_("Payer"), data.payer),
                    (_("Paid for"), data.subject),
                    (_("Address"), data.address),
                    (_("Purpose"), data.purpose),
                    (_("Comment"), data.comment or "—"),
                    (_("Payment system"), data.provider),
                    (_("Transaction id"), data.transaction_id),
                ]
            ),
            Spacer(1, 8 * mm),
            p(_("The payment reaches the account balance once billing confirms it."), "small"),
        ]
        return build(story, title=_("Receipt"), author=payee.name)


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    volume: Decimal | None
    unit: str
    tariff: Decimal | None
    amount: Decimal


@dataclass(frozen=True)
class InvoiceData:
    number: str
    period: dt.date
    issued_on: dt.date
    due_on: dt.date | None
    payer: str
    payer_tax_id: str
    subject: str
    address: str
    account_number: str
    lines: list[InvoiceLine]
    opening_balance: Decimal | None
    paid: Decimal | None
    to_pay: Decimal
    household: bool = False  # an invoice-receipt (рахунок-квитанція) with a tear-off part


def invoice_pdf(data: InvoiceData, *, payee: Payee, language: str) -> bytes:
    with translation.override(language):
        sign = currency_sign(payee.currency)
        period = date_format(data.period, "YEAR_MONTH_FORMAT")
        title = (
            _("Invoice-receipt No. %(number)s for %(period)s")
            if data.household
            else _("Invoice No. %(number)s for %(period)s")
        ) % {"number": data.number, "period": period}
        rows: list[list[object]] = [[_("Service"), _("Volume"), _("Tariff"), _("Amount")]]
        for line in data.lines:
            rows.append(
                [
                    p(line.description),
                    f"{line.volume:n} {line.unit}" if line.volume is not None else "",
                    money(line.tariff) if line.tariff is not None else "",
                    money(line.amount),
                ]
            )
        charged = sum((line.amount for line in data.lines), Decimal(0))
        rows.append(["", "", _("Charged"), money(charged)])
        if data.opening_balance is not None:
            rows.append(["", "", _("Opening balance"), money(data.opening_balance)])
        if data.paid is not None:
            rows.append(["", "", _("Paid"), money(data.paid)])
        rows.append(["", "", _("To pay"), f"{money(data.to_pay)} {sign}"])
        purpose = _("Payment for %(period)s, account %(account)s, %(payer)s") % {
            "period": period,
            "account": data.account_number,
            "payer": data.payer,
        }
        story: list[Flowable] = [
            *payee_block(payee),
            p(title, "title"),
            facts(
                [
                    (_("Issued"), date_format(data.issued_on, "SHORT_DATE_FORMAT")),
                    (
                        _("Due"),
                        date_format(data.due_on, "SHORT_DATE_FORMAT") if data.due_on else "—",
                    ),
                    (
                        _("Payer"),
                        data.payer + (f", {data.payer_tax_id}" if data.payer_tax_id else ""),
                    ),
                    (_("For"), data.subject),
                    (_("Address"), data.address),
                ]
            ),
            Spacer(1, 4 * mm),
            grid(rows, [85 * mm, 30 * mm, 25 * mm, 30 * mm]),
            Spacer(1, 6 * mm),
        ]
        qr = (
            payment_qr(payee, data.to_pay, purpose, data.account_number)
            if data.to_pay > 0
            else None
        )
        pay_lines = [
            p(_("Purpose of payment"), "bold"),
            p(purpose),
            p(_("Scan the code in your bank's app to pay."), "small") if qr else p(""),
        ]
        if qr:
            block = Table([[qr_drawing(qr, 35 * mm), pay_lines]], colWidths=[40 * mm, 130 * mm])
            block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story.append(block)
        else:
            story += pay_lines
        if data.household:
            story += [
                Spacer(1, 8 * mm),
                p("✂ " + "- " * 60, "small"),
                p(_("Receipt"), "bold"),
                facts(
                    [
                        (_("Payee"), payee.name),
                        (_("Account number"), data.account_number),
                        (_("Payer"), data.payer),
                        (_("Period"), period),
                        (_("Amount"), f"{money(data.to_pay)} {sign}"),
                    ]
                ),
            ]
        return build(story, title=title, author=payee.name)


@dataclass(frozen=True)
class StatementRow:
    day: dt.date
    description: str
    charged: Decimal
    paid: Decimal


@dataclass(frozen=True)
class ReconciliationData:
    customer: str
    customer_tax_id: str
    subject: str
    start: dt.date
    end: dt.date
    opening_balance: Decimal
    rows: list[StatementRow] = field(default_factory=list)

    @property
    def charged(self) -> Decimal:
        return sum((r.charged for r in self.rows), Decimal(0))

    @property
    def paid(self) -> Decimal:
        return sum((r.paid for r in self.rows), Decimal(0))

    @property
    def closing_balance(self) -> Decimal:
        return self.opening_balance + self.charged - self.paid


def reconciliation_pdf(data: ReconciliationData, *, payee: Payee, language: str) -> bytes:
    with translation.override(language):
        sign = currency_sign(payee.currency)
        start = date_format(data.start, "SHORT_DATE_FORMAT")
        end = date_format(data.end, "SHORT_DATE_FORMAT")
        title = _("Reconciliation statement from %(start)s to %(end)s") % {
            "start": start,
            "end": end,
        }
        rows: list[list[object]] = [[_("Date"), _("Document"), _("Charged"), _("Paid")]]
        rows.append(["", _("Opening balance"), money(data.opening_balance), ""])
        for row in data.rows:
            rows.append(
                [
                    date_format(row.day, "SHORT_DATE_FORMAT"),
                    p(row.description),
                    money(row.charged) if row.charged else "",
                    money(row.paid) if row.paid else "",
                ]
            )
        rows.append(["", _("Turnover for the period"), money(data.charged), money(data.paid)])
        rows.append(["", _("Closing balance"), f"{money(data.closing_balance)} {sign}", ""])
        closing = data.closing_balance
        verdict = (
            _("Debt of %(customer)s on %(day)s: %(amount)s %(sign)s")
            if closing > 0
            else _("Balance in favour of %(customer)s on %(day)s: %(amount)s %(sign)s")
        ) % {"customer": data.customer, "day": end, "amount": money(abs(closing)), "sign": sign}
        signatures = Table(
            [
                [p(payee.name, "bold"), p(data.customer, "bold")],
                [
                    p(_("Signature") + " ____________________"),
                    p(_("Signature") + " ____________________"),
                ],
                [p(_("Stamp"), "small"), p(_("Stamp"), "small")],
            ],
            colWidths=[85 * mm, 85 * mm],
        )
        story: list[Flowable] = [
            *payee_block(payee),
            p(title, "title"),
            facts(
                [
                    (_("Between"), payee.name),
                    (
                        _("And"),
                        data.customer
                        + (f", {data.customer_tax_id}" if data.customer_tax_id else ""),
                    ),
                    (_("For"), data.subject),
                ]
            ),
            Spacer(1, 4 * mm),
            grid(rows, [25 * mm, 85 * mm, 30 * mm, 30 * mm]),
            Spacer(1, 4 * mm),
            p(verdict, "bold"),
            Spacer(1, 12 * mm),
            signatures,
        ]
        return build(story, title=title, author=payee.name)
