"""PDFs per second: our ReportLab receipt, invoice-receipt (with its payment QR) and
reconciliation statement, side by side with the same documents rendered from HTML by
WeasyPrint in the same run (the ratio is the figure; WeasyPrint is the `bench` extra).

    .venv/bin/pip install -e ".[bench]"
    .venv/bin/python bench/pdf.py [--seconds 3] [--weasy-renders 4]

WeasyPrint gets a fixed, small number of renders per document (it costs ~0.3-1 s each), so
the whole run stays well under a minute of CPU.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kabinet.settings")

import logging

import django

django.setup()
logging.getLogger("weasyprint").setLevel(logging.WARNING)  # its progress lines are INFO

from django.template import engines  # noqa: E402
from django.utils import translation  # noqa: E402

from kabinet.documents.pdf.base import Payee  # noqa: E402
from kabinet.documents.pdf.documents import (  # noqa: E402
    InvoiceData,
    InvoiceLine,
    ReceiptData,
    ReconciliationData,
    StatementRow,
    invoice_pdf,
    receipt_pdf,
    reconciliation_pdf,
)
from kabinet.documents.pdf.qr import nbu_payload, qr_matrix  # noqa: E402

PAYEE = Payee(
    name="ТОВ «Кременчукгаз-постачання»",
    address="м. Кременчук, пров. Г. Бреста, 46",
    tax_id="12345678",
    kpp="",
    bank_account="UA213223130000026007233566001",
    bank_name="АТ «Банк»",
    bank_code="322313",
    correspondent_account="",
    phones="(0536) 70-12-12",
    currency="UAH",
)
RECEIPT = ReceiptData(
    order_id="K20261204-1A2B3C4D5E6F",
    transaction_id="SBX-0011223344556677",
    provider="LiqPay",
    paid_at=dt.datetime(2026, 12, 4, 9, 30, tzinfo=dt.UTC),
    amount=Decimal("1250.40"),
    currency="UAH",
    payer="Коваленко Олена Петрівна",
    subject="Особовий рахунок 0512345678",
    address="Кременчук, вул. Соборна, 12, кв. 7",
    purpose="Оплата за природний газ, особовий рахунок 0512345678",
)
INVOICE = InvoiceData(
    number="0512345678-202611",
    period=dt.date(2026, 11, 1),
    issued_on=dt.date(2026, 12, 1),
    due_on=dt.date(2026, 12, 31),
    payer="Коваленко Олена Петрівна",
    payer_tax_id="",
    subject="Особовий рахунок 0512345678",
    address="Кременчук, вул. Соборна, 12, кв. 7",
    account_number="0512345678",
    lines=[
        InvoiceLine("Природний газ", Decimal("85.000"), "м³", Decimal("7.95689"), Decimal("676.34"))
    ],
    opening_balance=Decimal("574.06"),
    paid=Decimal("0"),
    to_pay=Decimal("1250.40"),
    household=True,
)
STATEMENT = ReconciliationData(
    customer="ТОВ «Водограй»",
    customer_tax_id="12345678",
    subject="Договір D-000001 «Вода і стоки»",
    start=dt.date(2026, 1, 1),
    end=dt.date(2026, 11, 30),
    opening_balance=Decimal("1200.00"),
    rows=[
        row
        for month in range(1, 12)
        for row in (
            StatementRow(
                dt.date(2026, month, 28),
                f"Нараховано за {month:02d}.2026",
                Decimal("4830.60"),
                Decimal(0),
            ),
            StatementRow(dt.date(2026, month, 15), "Оплата (Банк)", Decimal(0), Decimal("4000.00")),
        )
    ],
)

HTML = engines["django"].from_string(
    """<!doctype html><html><head><meta charset="utf-8"><style>
@page { size: A4; margin: 15mm 15mm 15mm 20mm }
body { font-family: "DejaVu Sans"; font-size: 9.5pt }
h1 { font-size: 14pt } table { border-collapse: collapse; width: 100% }
td, th { border: 0.4pt solid grey; padding: 2pt 4pt }
.small { font-size: 8pt }
</style></head><body>
<p class="small">{{ payee.name }}<br>{{ payee.address }}<br>
{{ payee.tax_id }} {{ payee.bank_account }}</p>
<h1>{{ title }}</h1>
<table>{% for row in rows %}
<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}</table>
{% if qr %}<img src="{{ qr }}" style="width:35mm">{% endif %}
<p>{{ footer }}</p></body></html>"""
)


def html_receipt() -> str:
    d = RECEIPT
    rows = [
        ("Сплачено", d.paid_at),
        ("Сума", d.amount),
        ("Платник", d.payer),
        ("За", d.subject),
        ("Адреса", d.address),
        ("Призначення", d.purpose),
        ("Транзакція", d.transaction_id),
    ]
    return HTML.render({"payee": PAYEE, "title": f"Квитанція № {d.order_id}", "rows": rows})


def qr_svg(payload: str) -> str:
    """The same symbol as our invoice's (qr_matrix: zxing-cpp, level M, mask 2) as one SVG
    path of its dark runs, so that the HTML side pays for the same QR encoder as ours."""
    matrix = qr_matrix(payload)
    runs = []
    for y, row in enumerate(matrix):
        x = row.find(1)
        while x >= 0:
            end = row.find(0, x)
            end = len(row) if end < 0 else end
            runs.append(f"M{x + 2} {y + 2}h{end - x}v1h{x - end}z")
            x = row.find(1, end)
    size = len(matrix) + 4
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}">'
        f'<path d="{"".join(runs)}"/></svg>'
    )


def html_invoice() -> str:
    import base64

    d = INVOICE
    qr = qr_svg(nbu_payload(PAYEE, d.to_pay, "Оплата за газ"))
    svg = "data:image/svg+xml;base64," + base64.b64encode(qr.encode()).decode()
    rows = (
        [("Послуга", "Обсяг", "Тариф", "Сума")]
        + [(line.description, line.volume, line.tariff, line.amount) for line in d.lines]
        + [("", "", "До сплати", d.to_pay)]
    )
    return HTML.render(
        {
            "payee": PAYEE,
            "title": f"Рахунок-квитанція № {d.number}",
            "rows": rows,
            "qr": svg,
            "footer": "Відскануйте код у застосунку банку",
        }
    )


def html_statement() -> str:
    d = STATEMENT
    rows: list[tuple[object, ...]] = [
        ("Дата", "Документ", "Нараховано", "Сплачено"),
        ("", "Сальдо на початок", d.opening_balance, ""),
    ]
    rows += [(r.day, r.description, r.charged or "", r.paid or "") for r in d.rows]
    rows += [("", "Сальдо на кінець", d.closing_balance, "")]
    return HTML.render(
        {
            "payee": PAYEE,
            "title": "Акт звірки",
            "rows": rows,
            "footer": "Підпис ____________  М. П.",
        }
    )


OURS = {
    "receipt": lambda: receipt_pdf(RECEIPT, payee=PAYEE, language="uk"),
    "invoice-receipt": lambda: invoice_pdf(INVOICE, payee=PAYEE, language="uk"),
    "reconciliation": lambda: reconciliation_pdf(STATEMENT, payee=PAYEE, language="uk"),
}
THEIRS = {
    "receipt": html_receipt,
    "invoice-receipt": html_invoice,
    "reconciliation": html_statement,
}


def per_second(render, *, seconds: float | None = None, count: int | None = None) -> float:
    render()  # warm up (fonts, templates)
    done, start = 0, time.process_time()
    while True:
        render()
        done += 1
        elapsed = time.process_time() - start
        if (seconds is not None and elapsed >= seconds) or (count is not None and done >= count):
            return done / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=3.0, help="CPU seconds per ReportLab document"
    )
    parser.add_argument(
        "--weasy-renders", type=int, default=4, help="WeasyPrint renders per document"
    )
    args = parser.parse_args()
    try:
        from weasyprint import HTML as WeasyHTML
    except ImportError:
        sys.exit('WeasyPrint is the benchmark\'s baseline: .venv/bin/pip install -e ".[bench]"')
    translation.activate("uk")
    print(f"{'document':18} {'ReportLab/s':>12} {'WeasyPrint/s':>13} {'ratio':>7}")
    for name, ours in OURS.items():
        mine = per_second(ours, seconds=args.seconds)
        html = THEIRS[name]
        theirs = per_second(
            lambda h=html: WeasyHTML(string=h()).write_pdf(), count=args.weasy_renders
        )
        print(f"{name:18} {mine:12.1f} {theirs:13.2f} {mine / theirs:6.0f}×")
    print("(rates per CPU second of this process: other load on the machine matters less)")


if __name__ == "__main__":
    main()
