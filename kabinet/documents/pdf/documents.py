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

from .base import LEFT, STYLES, Payee, Sheet, money, wrap
from .qr import draw_qr, payment_qr


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
        sheet = Sheet(title=_("Receipt"), author=payee.name)
        sheet.payee(payee)
        sheet.paragraph(
            _("Receipt of an online payment No. %(number)s") % {"number": data.order_id},
            "title",
            after=4,
        )
        sheet.facts(
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
        )
        sheet.space(8 * mm)
        sheet.paragraph(
            _("The payment reaches the account balance once billing confirms it."), "small"
        )
        return sheet.save()


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
        rows: list[list[str | None]] = [[_("Service"), _("Volume"), _("Tariff"), _("Amount")]]
        for line in data.lines:
            rows.append(
                [
                    line.description,
                    f"{line.volume:n} {line.unit}" if line.volume is not None else "",
                    money(line.tariff) if line.tariff is not None else "",
                    money(line.amount),
                ]
            )
        charged = sum((line.amount for line in data.lines), Decimal(0))
        rows.append([_("Charged"), None, None, money(charged)])
        if data.opening_balance is not None:
            rows.append([_("Opening balance"), None, None, money(data.opening_balance)])
        if data.paid is not None:
            rows.append([_("Paid"), None, None, money(data.paid)])
        rows.append([_("To pay"), None, None, f"{money(data.to_pay)} {sign}"])
        purpose = _("Payment for %(period)s, account %(account)s, %(payer)s") % {
            "period": period,
            "account": data.account_number,
            "payer": data.payer,
        }
        sheet = Sheet(title=title, author=payee.name)
        sheet.payee(payee)
        sheet.paragraph(title, "title", after=4)
        sheet.facts(
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
        )
        sheet.space(4 * mm)
        sheet.table(rows, [85 * mm, 30 * mm, 25 * mm, 30 * mm], align="LRRR", bold=1)
        sheet.space(6 * mm)
        qr = (
            payment_qr(payee, data.to_pay, purpose, data.account_number)
            if data.to_pay > 0
            else None
        )
        if qr:
            # the code on the left, 35 mm square; the purpose of payment beside it
            body, small = STYLES["body"], STYLES["small"]
            side = 35 * mm
            text = [
                (_("Purpose of payment"), STYLES["bold"]),
                *((words, body) for words in wrap(purpose, body, 130 * mm - 12)),
                *(
                    (words, small)
                    for words in wrap(
                        _("Scan the code in your bank's app to pay."), small, 130 * mm - 12
                    )
                ),
            ]
            sheet.need(max(side, sum(style.leading for _words, style in text)) + 6)
            top = sheet.y - 3
            draw_qr(sheet.canvas, qr, x=LEFT + 6, y=top - side, size=side)
            for words, style in text:
                sheet.lines([words], style, x=LEFT + 40 * mm + 6, top=top)
                top -= style.leading
            sheet.space(side + 6)
        else:
            sheet.paragraph(_("Purpose of payment"), "bold")
            sheet.paragraph(purpose)
        if data.household:
            sheet.space(8 * mm)
            sheet.need(8 * mm)
            sheet.paragraph("✂ " + "- " * 60, "small")
            sheet.paragraph(_("Receipt"), "bold")
            sheet.facts(
                [
                    (_("Payee"), payee.name),
                    (_("Account number"), data.account_number),
                    (_("Payer"), data.payer),
                    (_("Period"), period),
                    (_("Amount"), f"{money(data.to_pay)} {sign}"),
                ]
            )
        return sheet.save()


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
        rows: list[list[str | None]] = [[_("Date"), _("Document"), _("Charged"), _("Paid")]]
        rows.append(["", _("Opening balance"), money(data.opening_balance), ""])
        for row in data.rows:
            rows.append(
                [
                    date_format(row.day, "SHORT_DATE_FORMAT"),
                    row.description,
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
        sheet = Sheet(title=title, author=payee.name)
        sheet.payee(payee)
        sheet.paragraph(title, "title", after=4)
        sheet.facts(
            [
                (_("Between"), payee.name),
                (
                    _("And"),
                    data.customer + (f", {data.customer_tax_id}" if data.customer_tax_id else ""),
                ),
                (_("For"), data.subject),
            ]
        )
        sheet.space(4 * mm)
        sheet.table(rows, [25 * mm, 85 * mm, 30 * mm, 30 * mm], align="LLRR")
        sheet.space(4 * mm)
        sheet.paragraph(verdict, "bold")
        sheet.space(12 * mm)
        # the two parties side by side: name, signature line, stamp
        bold, body, small = STYLES["bold"], STYLES["body"], STYLES["small"]
        signature = _("Signature") + " ____________________"
        columns = [wrap(payee.name, bold, 85 * mm - 12), wrap(data.customer, bold, 85 * mm - 12)]
        names = max(len(lines) for lines in columns) * bold.leading + 6
        sheet.need(names + body.leading + small.leading + 12)
        for column, lines in enumerate(columns):
            x = LEFT + 6 + column * 85 * mm
            sheet.lines(lines, bold, x=x, top=sheet.y - 3)
            sheet.lines([signature], body, x=x, top=sheet.y - names - 3)
            sheet.lines([_("Stamp")], small, x=x, top=sheet.y - names - body.leading - 9)
        sheet.space(names + body.leading + small.leading + 12)
        return sheet.save()
