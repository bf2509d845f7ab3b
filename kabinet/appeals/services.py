"""Write side of appeals: checking uploads (SECURITY.md 23) and creating an appeal."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.core.audit import audit
from kabinet.core.ratelimit import Throttle
from kabinet.customers.models import Account
from kabinet.identity.models import User

from .models import Appeal, AppealAttachment, due_date

MAX_FILE_BYTES = 5 * 1024 * 1024
# extension → (content type, the magic bytes the file must start with)
ALLOWED_FILES: dict[str, tuple[str, bytes]] = {
    "pdf": ("application/pdf", b"%PDF-"),
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n"),
}
APPEALS_PER_DAY = Throttle("appeal-create", limit=10, window=24 * 3600)


class TooManyAppeals(Exception):
    """The user has sent as many messages today as the limit allows."""


def check_upload(upload: UploadedFile) -> str:
    """The file's content type when it is an allowed, genuine and small enough file."""
    name = upload.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED_FILES:
        raise ValidationError(
            _("Attach a PDF, JPG or PNG file."), code="extension", params={"name": name}
        )
    if (upload.size or 0) > MAX_FILE_BYTES:
        raise ValidationError(_("The file is larger than 5 MB."), code="size")
    content_type, magic = ALLOWED_FILES[extension]
    upload.seek(0)
    head = upload.read(len(magic))
    upload.seek(0)
    if head != magic:
        raise ValidationError(
            _("The file's content does not match its type (.%(extension)s)."),
            code="content",
            params={"extension": extension},
        )
    return content_type


def appeal_create(
    *,
    user: User,
    topic: str,
    text: str,
    account: Account | None,
    upload: UploadedFile | None,
    request: HttpRequest | None,
) -> Appeal:
    """Register a customer's message with its number and answer date, and its attachment."""
    if not APPEALS_PER_DAY.hit(str(user.pk)):
        raise TooManyAppeals
    content_type = check_upload(upload) if upload is not None else ""
    now = timezone.now()
    with transaction.atomic():
        appeal = Appeal.objects.create(
            number=f"tmp-{uuid.uuid4().hex}",
            user=user,
            account=account,
            topic=topic,
            text=text,
            created_at=now,
            due_at=due_date(now),
        )
        appeal.number = f"{now:%Y}-{appeal.pk:06d}"
        appeal.save(update_fields=["number"])
        if upload is not None:
            AppealAttachment.objects.create(
                appeal=appeal,
                file=upload,
                original_name=(upload.name or "file")[-200:],
                size=upload.size or 0,
                content_type=content_type,
            )
        audit(
            "appeal.create",
            request=request,
            actor=user,
            obj=appeal,
            customer_id=user.customer_id,
            account_id=account.pk if account else None,
            number=appeal.number,
            topic=topic,
            attachment=upload is not None,
        )
    return appeal
