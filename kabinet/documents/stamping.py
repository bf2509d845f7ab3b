"""The stamp of a simple electronic signature, added to a copy of the signed PDF.

The copy is an incremental update: its first bytes are exactly the signed ones (their SHA-256
still matches), then the stamp is drawn over the last page. ReportLab draws the stamp with a
Cyrillic TrueType font; pyHanko's PDF writer places it on the page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from kabinet.core.fonts import register_fonts

from .models import SimpleSignature

A4 = (595.0, 842.0)


def _stamp_page(size: tuple[float, float], lines: Sequence[str]) -> bytes:
    font = register_fonts()
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=size)
    width = min(size[0] - 20 * mm, 120 * mm)
    height = (len(lines) + 1) * 4.2 * mm
    x, y = size[0] - width - 10 * mm, 10 * mm
    pdf.setStrokeColorRGB(0.1, 0.3, 0.7)
    pdf.setFillColorRGB(0.1, 0.3, 0.7)
    pdf.setLineWidth(1.2)
    pdf.roundRect(x, y, width, height, 2 * mm, stroke=1, fill=0)
    pdf.setFont(font, 7.5)
    for number, line in enumerate(lines):
        pdf.drawString(x + 3 * mm, y + height - (number + 1) * 4.2 * mm, line[:110])
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def stamp_lines(signatures: Sequence[SimpleSignature]) -> list[str]:
    lines = [_("Signed with a simple electronic signature (SMS code)")]
    for signature in signatures:
        when = timezone.localtime(signature.signed_at)
        lines.append(
            _("%(name)s, %(when)s, code to %(phone)s")
            % {
                "name": signature.user.get_full_name() or signature.user.get_username(),
                "when": f"{when:%d.%m.%Y %H:%M %Z}",
                "phone": signature.phone[:-4] + "****" if signature.phone else "",
            }
        )
    if signatures:
        lines.append(f"SHA-256 {signatures[0].sha256}")
    return lines


def stamped_copy(original: bytes, signatures: Sequence[SimpleSignature]) -> bytes:
    """The signed PDF with the stamp on its last page, as an incremental update."""
    writer = IncrementalPdfFileWriter(io.BytesIO(original), strict=False)
    count = int(writer.root["/Pages"]["/Count"])
    page_ref, _resources = writer.find_page_for_modification(count - 1)
    box = page_ref.get_object().get("/MediaBox")
    size = (float(box[2]) - float(box[0]), float(box[3]) - float(box[1])) if box else A4
    stamp = PdfFileReader(io.BytesIO(_stamp_page(size, stamp_lines(signatures))))
    xobject = writer.import_page_as_xobject(stamp)
    content = writer.add_object(generic.StreamObject(stream_data=b"q /KabinetStamp Do Q"))
    resources = generic.DictionaryObject(
        {
            generic.pdf_name("/XObject"): generic.DictionaryObject(
                {generic.pdf_name("/KabinetStamp"): xobject}
            )
        }
    )
    writer.add_stream_to_page(count - 1, content, resources=resources)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()
