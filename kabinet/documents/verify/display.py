"""A verdict in a few lines for a staff page (the KRESC registration application's check)."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ..models import CertificateSignature
from .result import Verdict
from .service import signature_verify


def file_verify(file: FieldFile) -> Verdict | None:
    """The verdict of a stored file that carries an e-signature (.p7s, or a signed PDF); None
    for a scan, which has none."""
    name = (file.name or "").lower()
    with file.open("rb") as handle:
        data = bytes(handle.read())
    if name.endswith(".p7s"):
        return signature_verify(signature=data, data=None)
    if name.endswith(".pdf") and b"/ByteRange" in data:
        return signature_verify(signature=None, data=data)
    return None


def _yes_no(value: bool | None) -> str:
    return _("not checked") if value is None else (_("yes") if value else _("no"))


def verdict_html(verdict: Verdict | None) -> SafeString:
    if verdict is None:
        return format_html("{}", _("A scan: no electronic signature to check."))
    rows = [
        (_("Result"), CertificateSignature.Result(verdict.result).label),
        (_("Document intact"), _yes_no(verdict.intact)),
        (
            _("Signer"),
            " · ".join(
                [verdict.signer_name or "—", *(f"{k} {v}" for k, v in verdict.signer_ids.items())]
            ),
        ),
        (_("Certificate valid at signing"), _yes_no(verdict.certificate_valid)),
        (_("Chain to a trusted CA"), _yes_no(verdict.trusted)),
        (_("Revocation"), _("checked") if verdict.revocation_checked else _("not checked")),
        (_("Algorithm"), verdict.algorithm or "—"),
        (_("Details"), verdict.detail or "—"),
    ]
    return format_html_join("<br>", "{}: {}", rows)
