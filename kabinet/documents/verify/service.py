"""Route a signature to the verifier of its algorithm."""

from __future__ import annotations

import datetime as dt
import io
import logging
from typing import Any

from asn1crypto import cms
from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from . import pyhanko_verifier
from .gost import gost_verify
from .result import INVALID, UNSUPPORTED, Verdict

logger = logging.getLogger("kabinet.documents")

GOST_PREFIX = "1.2.643."  # GOST R 34.10-2012 and its relatives (Russia)
DSTU_PREFIX = "1.2.804."  # DSTU 4145 (Ukraine)


def _signer_info(signed_data: cms.SignedData) -> tuple[cms.SignerInfo, Any]:
    signer = signed_data["signer_infos"][0]
    sid = signer["sid"]
    for choice in signed_data["certificates"] or []:
        if choice.name != "certificate":
            continue
        certificate = choice.chosen
        if sid.name == "issuer_and_serial_number":
            if (
                certificate.issuer == sid.chosen["issuer"]
                and certificate.serial_number == sid.chosen["serial_number"].native
            ):
                return signer, certificate
        elif certificate.key_identifier == sid.chosen.native:
            return signer, certificate
    return signer, None


def signing_time(signer: cms.SignerInfo) -> dt.datetime | None:
    for attribute in signer["signed_attrs"] or []:
        if attribute["type"].native == "signing_time":
            value = attribute["values"][0].native
            return value if isinstance(value, dt.datetime) else None
    return None


def dstu_verifier() -> Any:
    path = getattr(settings, "SIGNATURE_DSTU_VERIFIER", "")
    return import_string(path)() if path else None


def _cms_verify(signature: bytes, data: bytes | None) -> Verdict:
    try:
        info = cms.ContentInfo.load(signature)
        if info["content_type"].native != "signed_data":
            raise ValueError("not signed data")
        signed_data = info["content"]
        signer, certificate = _signer_info(signed_data)
        key_oid = (
            certificate["tbs_certificate"]["subject_public_key_info"]["algorithm"][
                "algorithm"
            ].dotted
            if certificate is not None
            else ""
        )
        signature_oid = signer["signature_algorithm"]["algorithm"].dotted
        embedded = signed_data["encap_content_info"]["content"].native
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        return Verdict(
            INVALID, detail=_("This is not a CMS (.p7s) signature: %(error)s") % {"error": exc}
        )
    if data is None and embedded is None:
        return Verdict(
            INVALID, detail=_("The signature is detached: upload the signed document with it.")
        )
    content = data if data is not None else bytes(embedded)
    if key_oid.startswith(DSTU_PREFIX) or signature_oid.startswith(DSTU_PREFIX):
        verifier = dstu_verifier()
        if verifier is None:
            return Verdict(
                UNSUPPORTED,
                algorithm="DSTU 4145",
                detail=_(
                    "DSTU 4145 needs a verifier (UAPKI or IIT) installed by the administrator."
                ),
            )
        verdict: Verdict = verifier.verify(signature=signature, data=content)
    elif key_oid.startswith(GOST_PREFIX) or signature_oid.startswith(GOST_PREFIX):
        verdict = gost_verify(signature=signature, data=content, moment=signing_time(signer))
    elif certificate is None:
        return Verdict(INVALID, detail=_("The signature carries no signer certificate."))
    else:
        verdict = pyhanko_verifier.cms_verify(
            signed_data=signed_data, data=content, moment=signing_time(signer)
        )
    verdict.content = content if data is None else None
    return verdict


def signature_verify(*, signature: bytes | None, data: bytes | None) -> Verdict:
    """Verify a detached CMS (`signature` with `data`), an attached one (`signature` only) or a
    signed PDF (`data` only). Never raises for bad input: the verdict says what is wrong."""
    try:
        if signature is None:
            if data is None or not data.startswith(b"%PDF-"):
                return Verdict(INVALID, detail=_("Upload a signed PDF or a .p7s signature."))
            return pyhanko_verifier.pdf_verify(io.BytesIO(data))
        return _cms_verify(signature, data)
    except Exception as exc:  # a malformed file must give a result, never a server error
        logger.warning("signature check failed: %s", exc, exc_info=True)
        return Verdict(
            INVALID,
            detail=_("The signature could not be read: %(error)s")
            % {"error": exc.__class__.__name__},
        )
