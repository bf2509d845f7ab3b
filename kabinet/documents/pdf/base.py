"""What every document shares: the Cyrillic font, styles, the utility's requisites, A4.

The documents' layout is fixed (a header, a title, label: value lines, a table, a few blocks),
so they are drawn straight on a ReportLab canvas by `Sheet`, top to bottom, a new page when
the next line, row or block does not fit (a table's header row is repeated there). Platypus,
its paragraphs and tables, cost most of a document's time for nothing these pages need.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.utils.formats import number_format
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.pdfgen.canvas import Canvas

from kabinet.core.fonts import FONT, FONT_BOLD, PreparedTTFont, register_fonts

PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT, RIGHT, TOP, BOTTOM = 20 * mm, 15 * mm, 15 * mm, 15 * mm
WIDTH = PAGE_WIDTH - LEFT - RIGHT
GRID = colors.grey
HEADER_BACKGROUND = colors.HexColor("#eef2f6")


class Style(NamedTuple):
    font: str
    size: float
    leading: float


STYLES = {
    "body": Style(FONT, 9.5, 12.5),
    "small": Style(FONT, 8, 10),
    "title": Style(FONT_BOLD, 14, 18),
    "bold": Style(FONT_BOLD, 9.5, 12.5),
    "cell": Style(FONT, 9, 11.5),
    "head": Style(FONT_BOLD, 9, 11.5),
}
PAD_X, PAD_Y = 4, 3  # inside a table's cell


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


def wrap(text: str, style: Style, width: float) -> list[str]:
    """The lines `text` takes in `width` (split at spaces; a longer word stays whole)."""
    if "\n" not in text and stringWidth(text, style.font, style.size) <= width:
        return [text]
    return simpleSplit(text, style.font, style.size, width) or [""]


def _font(name: str) -> PreparedTTFont:
    font = getFont(name)
    assert isinstance(font, PreparedTTFont)
    return font


class Sheet:
    """An A4 document drawn from the top down: `y` is where the next thing starts."""

    def __init__(self, *, title: str, author: str) -> None:
        register_fonts()
        self.buffer = io.BytesIO()
        # invariant: the same input gives the same bytes (cacheable, testable)
        self.canvas = Canvas(self.buffer, pagesize=A4, invariant=1, pageCompression=1)
        self.canvas.setTitle(title)
        self.canvas.setAuthor(author)
        self._start_page()

    def _start_page(self) -> None:
        self.y = PAGE_HEIGHT - TOP
        self.words: list[str] = []  # the page's text operators, one BT … ET at its end
        self.style: Style | None = None
        self.rules: list[str] = []  # the tables' lines, stroked once at the page's end

    def _end_page(self) -> None:
        canvas = self.canvas
        canvas.setFillColor(colors.black)
        if self.words:
            canvas.addLiteral("BT\n" + "\n".join(self.words) + "\nET")
        if self.rules:
            canvas.setStrokeColor(GRID)
            canvas.setLineWidth(0.4)
            canvas.addLiteral("\n".join(self.rules) + "\nS")
        canvas.showPage()

    def need(self, height: float) -> bool:
        """Start a new page unless `height` fits below `y`; True if it did."""
        if self.y - height >= BOTTOM or self.y >= PAGE_HEIGHT - TOP:
            return False
        self._end_page()
        self._start_page()
        return True

    def space(self, height: float) -> None:
        self.y -= height

    def show(self, text: str, style: Style, x: float, baseline: float) -> None:
        """One line of text at (x, baseline). The PDF operators are written here rather than
        by a ReportLab text object (a few times faster); the prepared font encodes the text, and
        ReportLab's per-document subsets take any character beyond its alphabet."""
        font = _font(style.font)
        document = self.canvas._doc  # where ReportLab registers the fonts a document uses
        size = fp_str(style.size)
        if style is not self.style:
            self.words.append(f"{font.internal_name(document)} {size} Tf")
            self.style = style
        self.words.append(f"1 0 0 1 {fp_str(x, baseline)} Tm")
        encoded = font.encode(text)
        if encoded is not None:
            self.words.append(f"({escapePDF(encoded)}) Tj")
            return
        for subset, chunk in font.splitString(text, document):
            name = font.getSubsetInternalName(subset, document)
            self.words.append(f"{name} {size} Tf ({escapePDF(chunk)}) Tj")
        self.style = None  # the font of a further subset may be the current one

    def rule(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self.rules.append(f"{fp_str(x1, y1)} m {fp_str(x2, y2)} l")

    def lines(
        self,
        lines: Sequence[str],
        style: Style,
        *,
        x: float,
        top: float,
        width: float = 0,
        align: str = "left",
    ) -> None:
        """Lines one under another from `top`, left or right aligned in `width` from `x`."""
        baseline = top - style.leading + (style.leading - style.size) / 2 + style.size * 0.2
        for line in lines:
            if line:
                left = x
                if align == "right":
                    left = x + width - stringWidth(line, style.font, style.size)
                self.show(line, style, left, baseline)
            baseline -= style.leading

    def paragraph(self, text: str, style: str = "body", *, after: float = 0) -> None:
        chosen = STYLES[style]
        lines = wrap(text, chosen, WIDTH)
        for line in lines:  # a long paragraph may go on on the next page
            self.need(chosen.leading)
            self.lines([line], chosen, x=LEFT, top=self.y)
            self.y -= chosen.leading
        self.y -= after

    def payee(self, payee: Payee) -> None:
        from django.utils.translation import gettext as _

        # (gettext outside the f-strings: makemessages does not look inside them)
        lines = [payee.name, payee.address]
        if payee.tax_id:
            tax_id, kpp = _("Tax id"), _("KPP")
            lines.append(
                f"{tax_id}: {payee.tax_id}" + (f", {kpp}: {payee.kpp}" if payee.kpp else "")
            )
        if payee.bank_account:
            account = _("Bank account")
            bank = f"{payee.bank_account}, {payee.bank_name} {payee.bank_code}".strip()
            lines.append(f"{account}: {bank}")
        if payee.phones:
            phone = _("Phone")
            lines.append(f"{phone}: {payee.phones}")
        for line in lines:
            if line:
                self.paragraph(line, "small")
        self.space(5 * mm)

    def facts(self, rows: Sequence[tuple[Any, Any]]) -> None:
        """Label: value lines without a grid, the labels small in a column of their own."""
        label, value = STYLES["small"], STYLES["body"]
        for name, text in rows:
            names = wrap(str(name), label, 45 * mm - 6)
            values = wrap(str(text), value, 125 * mm - 12)
            height = max(len(names) * label.leading, len(values) * value.leading) + 4
            self.need(height)
            self.lines(names, label, x=LEFT + 6, top=self.y - 3)
            self.lines(values, value, x=LEFT + 45 * mm + 6, top=self.y - 3)
            self.y -= height

    def table(
        self,
        rows: Sequence[Sequence[str | None]],
        widths: Sequence[float],
        *,
        align: str,
        bold: int = 0,
    ) -> None:
        """A grid with a header row (repeated on a new page). A cell of None joins the one
        before it; a joined cell takes the alignment of its last column (`align`: L or R per
        column). The last `bold` rows are in bold."""
        head, cell = STYLES["head"], STYLES["cell"]
        header = self._cells(rows[0], widths, head)
        self._row(header, widths, "L" * len(widths), head, header=True)
        body = rows[1:]
        for index, row in enumerate(body):
            style = head if index >= len(body) - bold else cell
            cells = self._cells(row, widths, style)
            if self.need(max(len(lines) for lines, _, _ in cells) * style.leading + 2 * PAD_Y):
                self._row(header, widths, "L" * len(widths), head, header=True)
            self._row(cells, widths, align, style)

    def _cells(
        self, row: Sequence[str | None], widths: Sequence[float], style: Style
    ) -> list[tuple[list[str], float, int]]:
        """A row's cells as (lines, width, last column), joined cells made one."""
        cells: list[list[Any]] = []
        for column, (text, width) in enumerate(zip(row, widths, strict=True)):
            if text is None and cells:
                cells[-1][1] += width
                cells[-1][2] = column
            else:
                cells.append([text or "", width, column])
        return [(wrap(text, style, width - 2 * PAD_X), width, last) for text, width, last in cells]

    def _row(
        self,
        cells: list[tuple[list[str], float, int]],
        widths: Sequence[float],
        align: str,
        style: Style,
        *,
        header: bool = False,
    ) -> None:
        height = max(len(lines) for lines, _, _ in cells) * style.leading + 2 * PAD_Y
        top, total = self.y, sum(widths)
        if header:
            self.canvas.setFillColor(HEADER_BACKGROUND)
            self.canvas.rect(LEFT, top - height, total, height, stroke=0, fill=1)
            self.canvas.setFillColor(colors.black)
            self.rule(LEFT, top, LEFT + total, top)
        x = LEFT
        self.rule(x, top, x, top - height)
        for lines, width, last in cells:
            side = "right" if align[last] == "R" else "left"
            self.lines(
                lines, style, x=x + PAD_X, top=top - PAD_Y, width=width - 2 * PAD_X, align=side
            )
            x += width
            self.rule(x, top, x, top - height)
        self.rule(LEFT, top - height, LEFT + total, top - height)
        self.y -= height

    def save(self) -> bytes:
        self._end_page()
        self.canvas.save()
        return self.buffer.getvalue()
