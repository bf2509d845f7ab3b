"""Write side of documents: storing an upload (checked, hashed, quarantined, scanned) and the
simple electronic signature confirmed by an SMS code (SECURITY.md 23-25)."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.core.audit import audit, client_ip
from kabinet.core.uploads import FILE_TYPES, upload_check
from kabinet.core.virusscan import ScannerUnavailable, scanner
from kabinet.identity.codes import code_issue, code_verify
from kabinet.identity.models import OneTimeCode, User
from kabinet.notify.models import Channel

from .models import CertificateSignature, ScanStatus, SimpleSignature, StoredDocument

logger = logging.getLogger("kabinet.documents")

MAX_FILE_BYTES = 10 * 1024 * 1024
EXTENSIONS = (".pdf", ".jpg", ".jpeg", ".png")


class SigningRefused(Exception):
    """The document cannot be signed now (not released, already signed, changed, no phone)."""


def file_sha256(document: StoredDocument) -> str:
    digest = hashlib.sha256()
    with document.file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(64 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def document_bytes(document: StoredDocument) -> bytes:
    with document.file.open("rb") as handle:
        return bytes(handle.read())


def upload_validate(
    upload: UploadedFile, *, user: User | None, extensions: Iterable[str] = EXTENSIONS
) -> str:
    """The content type of an allowed, genuine file that fits the per-file and per-user
    limits; else ValidationError with a message for people."""
    extension = upload_check(
        upload,
        extensions=extensions,
        max_bytes=MAX_FILE_BYTES,
        wrong_type=_("Attach a PDF, JPG or PNG file."),
    )
    if user is not None:
        used = (
            StoredDocument.objects.filter(uploaded_by=user).aggregate(total=Sum("size"))["total"]
            or 0
        )
        if used + (upload.size or 0) > settings.DOCUMENTS_USER_QUOTA_MB * 1024 * 1024:
            raise ValidationError(
                _("You have uploaded %(mb)d MB of files, the most we keep for one customer.")
                % {"mb": settings.DOCUMENTS_USER_QUOTA_MB},
                code="quota",
            )
    return FILE_TYPES[extension][0]


def document_store(
    *,
    upload: File,
    owner: User | None,
    uploaded_by: User | None,
    kind: str,
    title: str,
    content_type: str,
    signable: bool = False,
    request: HttpRequest | None = None,
) -> StoredDocument:
    """Keep a checked file in quarantine with its SHA-256, then scan it. The caller has
    validated it (upload_validate); call inside the caller's transaction."""
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    document = StoredDocument.objects.create(
        owner=owner,
        uploaded_by=uploaded_by,
        kind=kind,
        title=title[:200],
        file=upload,
        original_name=(upload.name or "file").rsplit("/", 1)[-1][-200:],
        size=upload.size or 0,
        content_type=content_type,
        sha256=digest.hexdigest(),
        signable=signable,
    )
    audit(
        "document.store",
        request=request,
        actor=uploaded_by,
        obj=document,
        kind=kind,
        sha256=document.sha256,
        size=document.size,
    )
    document_scan(document=document)
    return document


def document_scan(*, document: StoredDocument) -> StoredDocument:
    """Scan a quarantined file; a clean one moves out of quarantine. If the scanner cannot be
    reached the file stays in quarantine (`manage.py documents_scan` retries)."""
    if document.scan_status != ScanStatus.PENDING:
        return document
    engine = scanner()
    if engine is None:
        result_status, detail = ScanStatus.UNSCANNED, ""
    else:
        try:
            result = engine.scan(document_bytes(document))
        except ScannerUnavailable as exc:
            logger.warning("document %s stays in quarantine: %s", document.pk, exc)
            return document
        result_status = ScanStatus.CLEAN if result.clean else ScanStatus.INFECTED
        detail = result.detail
    with transaction.atomic():
        if result_status != ScanStatus.INFECTED:
            old = document.file.name or ""
            data = document_bytes(document)
            extension = old.rsplit(".", 1)[-1] if "." in old else "bin"
            storage = document.file.storage
            document.file.name = storage.save(
                f"documents/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}",
                ContentFile(data),
            )
            storage.delete(old)
        document.scan_status = result_status
        document.scan_detail = detail
        document.scanned_at = timezone.now()
        document.save(update_fields=["file", "scan_status", "scan_detail", "scanned_at"])
        audit("document.scan", obj=document, status=result_status, detail=detail)
    return document


def _operation(document: StoredDocument) -> str:
    return f"document:{document.pk}:{document.sha256[:32]}"


def _check_signable(*, document: StoredDocument, user: User) -> None:
    if document.owner_id != user.pk or not document.signable or not document.released:
        raise SigningRefused(_("This document cannot be signed."))
    if document.simple_signatures.filter(user=user).exists():
        raise SigningRefused(_("You have signed this document already."))
    if not user.phone:
        raise SigningRefused(_("Add a mobile phone in Settings to sign with an SMS code."))


def document_sign_start(
    *, document: StoredDocument, user: User, request: HttpRequest
) -> OneTimeCode:
    """Send the SMS code that confirms the signature of exactly these bytes; raises
    SigningRefused or CodeThrottled. The caller has re-authenticated the user."""
    _check_signable(document=document, user=user)
    assert user.phone
    return code_issue(
        purpose=OneTimeCode.Purpose.SIGN,
        channel=Channel.SMS,
        recipient=user.phone,
        request=request,
        user=user,
        operation=_operation(document),
        payload={"document": document.pk},
        context={"title": document.title},
        language=user.language or None,
    )


def document_sign_confirm(
    *, document: StoredDocument, user: User, code: str, request: HttpRequest
) -> SimpleSignature | None:
    """The signature, when the code is right and the bytes are those the code was sent for;
    None for a wrong code. The document is locked from then on."""
    _check_signable(document=document, user=user)
    assert user.phone
    if file_sha256(document) != document.sha256:  # the bytes on disk are not what was stored
        raise SigningRefused(_("This document cannot be signed."))
    otc = code_verify(
        purpose=OneTimeCode.Purpose.SIGN,
        recipient=user.phone,
        code=code,
        operation=_operation(document),
        request=request,
    )
    if otc is None:
        return None
    with transaction.atomic():
        locked = StoredDocument.objects.select_for_update().get(pk=document.pk)
        signature = SimpleSignature.objects.create(
            document=locked,
            user=user,
            sha256=locked.sha256,
            code=otc,
            phone=user.phone,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        )
        if locked.locked_at is None:
            locked.locked_at = signature.signed_at
            locked.save(update_fields=["locked_at"])
        audit(
            "document.sign",
            request=request,
            actor=user,
            obj=locked,
            sha256=locked.sha256,
            code_event=otc.pk,
        )
    document.refresh_from_db()
    return signature


def certificate_signature_add(
    *,
    document: StoredDocument,
    signature: UploadedFile,
    user: User,
    request: HttpRequest | None,
) -> CertificateSignature:
    """Verify a .p7s over this document's exact bytes and keep the file and the verdict. A
    valid one locks the document like a simple signature does."""
    from .verify import signature_verify

    signature.seek(0)
    data = bytes(signature.read())
    original = document_bytes(document)
    signed_pdf = data.startswith(b"%PDF-")
    if signed_pdf:  # signed inside: an incremental update whose first bytes are ours
        verdict = signature_verify(signature=None, data=data)
        if not data.startswith(original):
            verdict.result, verdict.intact = CertificateSignature.Result.INVALID, False
            verdict.detail = _("The signed PDF is not this document: it was changed or is another.")
    else:
        verdict = signature_verify(signature=data, data=original)
    with transaction.atomic():
        locked = StoredDocument.objects.select_for_update().get(pk=document.pk)
        record = CertificateSignature(
            document=locked,
            uploaded_by=user,
            result=verdict.result,
            algorithm=verdict.algorithm[:64],
            intact=verdict.intact,
            signer_name=verdict.signer_name[:300],
            signer_ids=verdict.signer_ids,
            signing_time=verdict.signing_time,
            certificate_valid=verdict.certificate_valid,
            trusted=verdict.trusted,
            revocation_checked=verdict.revocation_checked,
            detail=verdict.detail,
        )
        record.file.save(
            "signed.pdf" if signed_pdf else "signature.p7s", ContentFile(data), save=False
        )
        record.save()
        if verdict.result == CertificateSignature.Result.VALID and locked.locked_at is None:
            locked.locked_at = record.checked_at
            locked.save(update_fields=["locked_at"])
        audit(
            "document.certificate_signature",
            request=request,
            actor=user,
            obj=locked,
            result=verdict.result,
            signer=verdict.signer_name,
            sha256=locked.sha256,
        )
    document.refresh_from_db()
    return record
