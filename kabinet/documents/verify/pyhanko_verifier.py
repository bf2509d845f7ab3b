"""RSA and ECDSA signatures verified with pyHanko against the configured trust list
(settings.SIGNATURE_TRUST_ROOTS: PEM files of the trusted CAs)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import functools
from collections.abc import Coroutine
from pathlib import Path
from typing import IO, Any, TypeVar

from asn1crypto import cms, pem, x509
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from .result import INVALID, VALID, Verdict, signer_from_certificate, valid_at

T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run pyHanko's coroutine from sync code, in a thread of its own if a loop is running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@functools.cache
def _roots(paths: tuple[str, ...]) -> tuple[x509.Certificate, ...]:
    found = []
    for path in paths:
        data = Path(path).read_bytes()
        blocks = (
            [der for _t, _h, der in pem.unarmor(data, multiple=True)]
            if pem.detect(data)
            else [data]
        )
        found += [x509.Certificate.load(der) for der in blocks]
    return tuple(found)


def trust_roots() -> tuple[x509.Certificate, ...]:
    return _roots(tuple(getattr(settings, "SIGNATURE_TRUST_ROOTS", ()) or ()))


def _context(moment: dt.datetime | None) -> ValidationContext:
    check = bool(getattr(settings, "SIGNATURE_CHECK_REVOCATION", False))
    return ValidationContext(
        trust_roots=list(trust_roots()),
        allow_fetching=check,
        revocation_mode="hard-fail" if check else "soft-fail",
        moment=moment or timezone.now(),
    )


def _verdict(status: Any, moment: dt.datetime | None) -> Verdict:
    name, ids, certificate = signer_from_certificate(status.signing_cert.dump())
    when = status.signer_reported_dt or moment
    certificate_valid = valid_at(certificate, when or timezone.now())
    intact = bool(status.intact and status.valid)
    trusted = bool(status.trusted)
    good = intact and trusted and certificate_valid
    problem = status.trust_problem_indic
    return Verdict(
        VALID if good else INVALID,
        algorithm=f"{status.pkcs7_signature_mechanism} / {status.md_algorithm}".upper(),
        intact=intact,
        signer_name=name,
        signer_ids=ids,
        signing_time=when,
        certificate_valid=certificate_valid,
        trusted=trusted,
        revocation_checked=bool(getattr(settings, "SIGNATURE_CHECK_REVOCATION", False) and trusted),
        detail=str(problem.name) if problem is not None else "",
    )


def cms_verify(*, signed_data: cms.SignedData, data: bytes, moment: dt.datetime | None) -> Verdict:
    if signed_data["encap_content_info"]["content"].native is not None:
        # an attached signature: check it as the detached one it contains (the signed
        # attributes carry the content's digest, so nothing signed is lost)
        signed_data = cms.SignedData.load(signed_data.untag().dump())
        content_type = signed_data["encap_content_info"]["content_type"]
        signed_data["encap_content_info"] = {"content_type": content_type, "content": None}
    status = _run(
        async_validate_detached_cms(data, signed_data, signer_validation_context=_context(moment))
    )
    return _verdict(status, moment)


def pdf_verify(stream: IO[bytes]) -> Verdict:
    reader = PdfFileReader(stream, strict=False)
    signatures = reader.embedded_signatures
    if not signatures:
        return Verdict(INVALID, detail=_("The PDF carries no signature."))
    embedded = signatures[-1]
    moment = embedded.self_reported_timestamp
    status = _run(
        async_validate_pdf_signature(embedded, signer_validation_context=_context(moment))
    )
    verdict = _verdict(status, moment)
    if status.coverage is None or status.coverage.name not in ("ENTIRE_FILE", "ENTIRE_REVISION"):
        verdict.intact = False
        verdict.result = INVALID
        verdict.detail = _("The signature covers only part of the file.")
    return verdict
