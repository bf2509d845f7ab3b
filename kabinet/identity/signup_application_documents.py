"""KRESC's documents: the signed applications coming in, the blank forms going out.

Incoming (SECURITY.md 23): an extension allow-list plus the file's magic bytes and a size
limit; the registration data's EDRPOU/RNOKPP and phones, checked the same way on the site and
in the back office.

Outgoing: the two blank application forms (one per commercial offer), drawn with ReportLab on
demand in the visitor's language (a few milliseconds), with the Cyrillic font of every PDF
(kabinet/core/fonts.py).
"""

from __future__ import annotations

import io
import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from kabinet.core.fonts import register_fonts
from kabinet.core.identifiers import normalize
from kabinet.core.models import UtilityProfile
from kabinet.core.uploads import upload_check

from .models import RegistrationApplication
from .phones import default_region

MAX_UPLOAD_BYTES = int(getattr(settings, "APPLICATION_MAX_BYTES", 10 * 1024 * 1024))
EXTENSIONS = (".pdf", ".jpg", ".jpeg", ".png", ".p7s")

# --- Validation shared by the site and the back office --------------------------------------


def document_check(upload: UploadedFile) -> str:
    """The file's extension if it is allowed and its content matches; else ValidationError."""
    return upload_check(
        upload,
        extensions=EXTENSIONS,
        max_bytes=MAX_UPLOAD_BYTES,
        wrong_type=_("Upload a PDF, JPEG or PNG scan, or a .p7s file signed with an e-signature."),
    )


def tax_id_clean(value: str) -> str:
    """8 digits: EDRPOU of a company; 10 digits: RNOKPP of an individual (entrepreneur)."""
    digits = "".join(value.split())
    if len(digits) == 10:
        return normalize("rnokpp", digits)
    if len(digits) == 8:
        return normalize("edrpou", digits)
    raise ValidationError(
        _("Enter an EDRPOU code (8 digits) or, for an individual, an RNOKPP (10 digits)."),
        code="invalid_tax_id",
    )


def phones_clean(value: str) -> str:
    """One or more phone numbers (landlines too), normalised to E.164, comma-separated."""
    numbers = []
    for part in re.split(r"[,;\n]+", value):
        if not part.strip():
            continue
        try:
            number = phonenumbers.parse(part, default_region())
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise ValidationError(
                _("“%(number)s” is not a phone number. Separate several numbers with commas.")
                % {"number": part.strip()},
                code="invalid_phone",
            )
        numbers.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    if not numbers:
        raise ValidationError(_("Enter at least one phone number."), code="required")
    return ", ".join(dict.fromkeys(numbers))


# --- Blank forms ----------------------------------------------------------------------------


def blank_form_pdf(*, offer: RegistrationApplication.Offer, profile: UtilityProfile) -> bytes:
    """A one-page A4 form with the fields the KRESC guide lists and lines to fill in."""
    font = register_fonts()
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=A4, pageCompression=1)
    title = _("Application for accession")
    pdf.setTitle(f"{title} — {offer.label}")
    pdf.setAuthor(profile.legal_name)
    width, height = A4
    left, right = 20 * mm, width - 20 * mm
    y = height - 20 * mm

    def text(value: str, size: float, *, centred: bool = False, gap: float = 1.45) -> None:
        nonlocal y
        pdf.setFont(font, size)
        for line in simpleSplit(value, font, size, right - left):
            if centred:
                pdf.drawCentredString(width / 2, y, line)
            else:
                pdf.drawString(left, y, line)
            y -= size * gap

    pdf.setFont(font, 10)
    pdf.drawRightString(right, y, _("To: %(utility)s") % {"utility": profile.legal_name})
    y -= 18 * mm
    pdf.setFont(font, 16)
    pdf.drawCentredString(width / 2, y, title.upper())
    y -= 8 * mm
    text(
        _(
            "to the Terms of Annexes 4 and 4.1 of the Electricity Supply Contract (registration "
            "in the personal cabinet)"
        ),
        11,
        centred=True,
    )
    y -= 2 * mm
    text(_("Commercial offer: “%(offer)s”") % {"offer": offer.label}, 12, centred=True)
    y -= 4 * mm
    text(
        _(
            "We accede to the Terms of Annexes 4 and 4.1 of the contract and ask to register us "
            "in the personal cabinet with the following registration data:"
        ),
        11,
    )
    y -= 6 * mm
    fields = [
        _("Customer name"),
        _("EDRPOU code (RNOKPP for individuals)"),
        _("E-mail"),
        _("Phone(s)"),
        _("Code word"),
        _("Contact person: surname, name, patronymic"),
    ]
    for label in fields:
        pdf.setFont(font, 10)
        pdf.drawString(left, y, label)
        y -= 9 * mm
        pdf.line(left, y, right, y)
        y -= 8 * mm
    y -= 6 * mm
    for label in (_("Position"), _("Signature"), _("Full name")):
        pdf.setFont(font, 10)
        pdf.drawString(left, y, label)
        pdf.line(left + 35 * mm, y - 1 * mm, right, y - 1 * mm)
        y -= 11 * mm
    pdf.drawString(left, y, _("Date"))
    pdf.line(left + 35 * mm, y - 1 * mm, left + 90 * mm, y - 1 * mm)
    pdf.drawString(left + 110 * mm, y, _("Stamp (if any)"))
    y -= 16 * mm
    text(
        _(
            "Sign the form by hand (with the stamp, if any) and upload a scan, or sign the file "
            "with a qualified e-signature of the director or the person who signed the contract, "
            "and upload it at %(url)s. You can also sign it at a service centre."
        )
        % {"url": settings.SITE_URL + reverse("identity:signup_application")},
        9,
    )
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
