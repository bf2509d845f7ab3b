"""What every document shares: the Cyrillic font, styles, the utility's requisites, A4."""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from kabinet.core.fonts import FONT, FONT_BOLD, register_fonts


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12.5)
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10),
        "title": ParagraphStyle(
            "title", parent=body, fontName=FONT_BOLD, fontSize=14, leading=18, spaceAfter=4
        ),
        "bold": ParagraphStyle("bold", parent=body, fontName=FONT_BOLD),
        "right": ParagraphStyle("right", parent=body, alignment=2),
    }


@dataclass(frozen=True)
class Payee:
    """The utility as it appears on a document: from the profile and the payment rules."""

    name: str
    address: str
    tax_id: str
    kpp: str
    bank_account: str
    bank_name: str
    bank_code: str
    correspondent_account: str
    phones: str
    currency: str

    @classmethod
    def current(cls) -> Payee:
        from kabinet.core.models import UtilityProfile
        from kabinet.payments.models import PaymentRules

        profile = UtilityProfile.get()
        rules = PaymentRules.get()
        return cls(
            name=profile.legal_name,
            address=profile.address,
            tax_id=rules.tax_id,
            kpp=rules.kpp,
            bank_account=rules.bank_account,
            bank_name=rules.bank_name,
            bank_code=rules.bank_code,
            correspondent_account=rules.correspondent_account,
            phones=", ".join(number for _label, number in profile.phone_lines()),
            currency=profile.currency,
        )


def money(value: Decimal) -> str:
    return number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)


def p(text: Any, style: str = "body") -> Paragraph:
    from xml.sax.saxutils import escape

    return Paragraph(escape(str(text)), styles()[style])


def grid(rows: list[list[Any]], widths: list[float], *, header: bool = True) -> Table:
    register_fonts()
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if header:
        commands += [
            ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")),
        ]
    table.setStyle(TableStyle(commands))
    return table


def facts(rows: list[tuple[Any, Any]]) -> Table:
    """Label: value lines without a grid."""
    register_fonts()
    table = Table([[p(a, "small"), p(b)] for a, b in rows], colWidths=[45 * mm, 125 * mm])
    table.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)])
    )
    return table


def payee_block(payee: Payee) -> list[Flowable]:
    from django.utils.translation import gettext as _

    lines = [payee.name, payee.address]
    if payee.tax_id:
        lines.append(
            f"{_('Tax id')}: {payee.tax_id}" + (f", {_('KPP')}: {payee.kpp}" if payee.kpp else "")
        )
    if payee.bank_account:
        lines.append(
            f"{_('Account')}: {payee.bank_account}, {payee.bank_name} {payee.bank_code}".strip()
        )
    if payee.phones:
        lines.append(f"{_('Phone')}: {payee.phones}")
    return [p(line, "small") for line in lines if line] + [Spacer(1, 5 * mm)]


def build(story: list[Flowable], *, title: str, author: str) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title,
        author=author,
        invariant=1,  # the same input gives the same bytes (cacheable, testable)
    )
    document.build(story)
    return buffer.getvalue()
