"""Checks every uploaded file passes (SECURITY.md 23): an allowed extension, a size limit, and
content that starts with the magic bytes of that type. Callers name what they accept."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

# extension → (content type, the bytes its content must start with)
FILE_TYPES: dict[str, tuple[str, bytes]] = {
    ".pdf": ("application/pdf", b"%PDF-"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    ".png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    ".p7s": ("application/pkcs7-signature", b"\x30"),  # DER: CMS SignedData is a SEQUENCE
}


def upload_check(
    upload: UploadedFile, *, extensions: Iterable[str], max_bytes: int, wrong_type: str
) -> str:
    """The file's extension (".pdf") when it is allowed, not empty, not too big and genuine;
    else ValidationError with a message for people (`wrong_type` names what is accepted)."""
    name = (upload.name or "").lower()
    extension = name[name.rfind(".") :] if "." in name else ""
    if extension not in set(extensions):
        raise ValidationError(wrong_type, code="extension")
    if not upload.size:
        raise ValidationError(_("The file is empty."), code="empty")
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is too large: at most %(mb)d MB.") % {"mb": max_bytes // (1024 * 1024)},
            code="size",
        )
    magic = FILE_TYPES[extension][1]
    upload.seek(0)
    head = upload.read(len(magic))
    upload.seek(0)
    if head != magic:
        raise ValidationError(
            _("The file's content does not match its type (.%(extension)s).")
            % {"extension": extension.lstrip(".")},
            code="content",
        )
    return extension
