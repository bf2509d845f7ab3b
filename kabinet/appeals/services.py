"""Write side of appeals: checking uploads (SECURITY.md 23) and creating an appeal."""

from __future__ import annotations

import uuid

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.core.audit import audit
from kabinet.core.ratelimit import Throttle
from kabinet.core.uploads import FILE_TYPES, upload_check
from kabinet.customers.models import Account
from kabinet.identity.models import User

from .models import Appeal, AppealAttachment, due_date

MAX_FILE_BYTES = 5 * 1024 * 1024
EXTENSIONS = (".pdf", ".jpg", ".jpeg", ".png")
APPEALS_PER_DAY = Throttle("appeal-create", limit=10, window=24 * 3600)


class TooManyAppeals(Exception):
    """The user has sent as many messages today as the limit allows."""


def check_upload(upload: UploadedFile) -> str:
    """The file's content type when it is an allowed, genuine and small enough file."""
    extension = upload_check(
        upload,
        extensions=EXTENSIONS,
        max_bytes=MAX_FILE_BYTES,
        wrong_type=str(_("Attach a PDF, JPG or PNG file.")),
    )
    return FILE_TYPES[extension][0]


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
