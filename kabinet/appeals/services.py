"""Write side of appeals: uploads (SECURITY.md 23), creating an appeal (customer or guest),
the thread (staff answers, customer replies), handling statuses, and the customer's rating.
Every write is audited in its transaction; each staff answer notifies the customer."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.core.audit import audit
from kabinet.core.models import UtilityProfile
from kabinet.core.ratelimit import Throttle
from kabinet.core.uploads import FILE_TYPES, upload_check
from kabinet.core.virusscan import stream_scan, upload_scan
from kabinet.customers.models import Account
from kabinet.identity.models import User
from kabinet.notify.services import message_render_and_queue

from .models import (
    Appeal,
    AppealAttachment,
    AppealMessage,
    AppealTopic,
    ScanStatus,
    Status,
    due_date,
)

MAX_FILE_BYTES = 5 * 1024 * 1024
EXTENSIONS = (".pdf", ".jpg", ".jpeg", ".png")
APPEALS_PER_DAY = Throttle("appeal-create", limit=10, window=24 * 3600)
GUEST_APPEALS_PER_DAY = Throttle("appeal-guest", limit=5, window=24 * 3600)
REPLIES_PER_DAY = Throttle("appeal-reply", limit=30, window=24 * 3600)
# What a handler may set by hand; "answered" comes only with an answer.
HANDLER_STATUSES = (Status.IN_PROGRESS, Status.WAITING, Status.CLOSED)


class TooManyAppeals(Exception):
    """The user (or the guest's address) has sent as many messages today as allowed."""


class AppealClosed(Exception):
    """The appeal is closed: write a new one."""


def check_upload(upload: UploadedFile) -> str:
    """The file's content type when it is an allowed, genuine and small enough file.
    (The virus scan runs once, in the form's clean or when the file is stored.)"""
    extension = upload_check(
        upload,
        extensions=EXTENSIONS,
        max_bytes=MAX_FILE_BYTES,
        wrong_type=str(_("Attach a PDF, JPG or PNG file.")),
    )
    return FILE_TYPES[extension][0]


def _attach(
    *, appeal: Appeal, upload: UploadedFile | None, message: AppealMessage | None = None
) -> None:
    if upload is None:
        return
    content_type = check_upload(upload)
    status = getattr(upload, "scan_status", None) or upload_scan(upload)
    AppealAttachment.objects.create(
        appeal=appeal,
        message=message,
        file=upload,
        original_name=(upload.name or "file")[-200:],
        size=upload.size or 0,
        content_type=content_type,
        scan_status=status,
    )


def response_days(topic: AppealTopic) -> int:
    return topic.response_days or UtilityProfile.get().appeal_response_days


def _new_appeal(*, topic: AppealTopic, **fields: object) -> Appeal:
    now = timezone.now()
    appeal = Appeal.objects.create(
        number=f"tmp-{uuid.uuid4().hex}",
        topic=topic,
        created_at=now,
        due_at=due_date(now, response_days(topic)),
        **fields,
    )
    appeal.number = f"{now:%Y}-{appeal.pk:06d}"
    appeal.save(update_fields=["number"])
    return appeal


def appeal_create(
    *,
    user: User,
    topic: AppealTopic,
    text: str,
    account: Account | None,
    upload: UploadedFile | None,
    request: HttpRequest | None,
) -> Appeal:
    """Register a customer's message with its number and answer date, and its attachment."""
    if upload is not None:
        check_upload(upload)
    if not APPEALS_PER_DAY.hit(str(user.pk)):
        raise TooManyAppeals
    with transaction.atomic():
        appeal = _new_appeal(topic=topic, user=user, account=account, text=text)
        _attach(appeal=appeal, upload=upload)
        audit(
            "appeal.create",
            request=request,
            actor=user,
            obj=appeal,
            customer_id=user.customer_id,
            account_id=account.pk if account else None,
            number=appeal.number,
            topic=topic.code,
            attachment=upload is not None,
        )
    return appeal


def appeal_create_guest(
    *,
    name: str,
    email: str,
    phone: str,
    topic: AppealTopic,
    text: str,
    request: HttpRequest,
) -> Appeal:
    """A message from the public contacts page by someone without a login (after the captcha):
    the answer goes to the e-mail or phone they gave."""
    if not GUEST_APPEALS_PER_DAY.hit(str(request.META.get("REMOTE_ADDR", ""))):
        raise TooManyAppeals
    with transaction.atomic():
        appeal = _new_appeal(
            topic=topic, guest_name=name, guest_email=email, guest_phone=phone, text=text
        )
        audit("appeal.create_guest", request=request, obj=appeal, number=appeal.number)
    return appeal


def _notify_answer(*, appeal: Appeal, message: AppealMessage) -> None:
    """E-mail and SMS to the author (a guest gets the answer's text itself)."""
    user = appeal.user
    email = user.email if user is not None else appeal.guest_email
    phone = user.phone if user is not None else appeal.guest_phone
    language = (user.language if user is not None else "") or settings.LANGUAGE_CODE
    path = reverse("appeals:detail", args=[appeal.pk]) if user is not None else ""
    context = {
        "appeal": appeal,
        "answer": message.text,
        "guest": user is None,
        "url": f"{settings.SITE_URL}{path}" if path else "",
    }
    if email:
        message_render_and_queue(
            channel="email",
            recipient=email,
            purpose="appeal_answered",
            context=context,
            language=language,
        )
    if phone:
        message_render_and_queue(
            channel="sms",
            recipient=phone,
            purpose="appeal_answered",
            context=context,
            language=language,
        )


def _locked(appeal: Appeal) -> Appeal:
    return Appeal.objects.select_for_update(of=("self",)).select_related("user").get(pk=appeal.pk)


def appeal_assign(
    *, appeal: Appeal, staff: User, assignee: User, request: HttpRequest | None
) -> Appeal:
    """Give the appeal to a handler; a new appeal becomes assigned."""
    with transaction.atomic():
        locked = _locked(appeal)
        if not locked.is_open:
            raise AppealClosed
        locked.assigned_to = assignee
        if locked.status == Status.NEW:
            locked.status = Status.ASSIGNED
        locked.save(update_fields=["assigned_to", "status"])
        audit(
            "appeal.assign",
            request=request,
            actor=staff,
            obj=locked,
            customer_id=locked.user.customer_id if locked.user else None,
            account_id=locked.account_id,
            assignee=assignee.get_username(),
        )
    return locked


def appeal_status_set(
    *, appeal: Appeal, staff: User, status: str, request: HttpRequest | None
) -> Appeal:
    """Move the appeal to in progress, waiting for the customer, or closed."""
    if status not in HANDLER_STATUSES:
        raise ValueError(f"a handler cannot set the status {status!r}")
    with transaction.atomic():
        locked = _locked(appeal)
        previous = locked.status
        now = timezone.now()
        changed = locked.set_status(status, now=now)
        locked.closed_at = now if status == Status.CLOSED else None
        if locked.assigned_to_id is None and status != Status.CLOSED:
            locked.assigned_to = staff
        locked.save(update_fields=[*changed, "closed_at", "assigned_to"])
        audit(
            "appeal.status",
            request=request,
            actor=staff,
            obj=locked,
            customer_id=locked.user.customer_id if locked.user else None,
            account_id=locked.account_id,
            previous=previous,
            status=status,
        )
    return locked


def appeal_answer(
    *,
    appeal: Appeal,
    staff: User,
    text: str,
    upload: UploadedFile | None,
    waiting_for_customer: bool,
    request: HttpRequest | None,
) -> AppealMessage:
    """A handler's answer in the thread; the customer is told by e-mail and SMS."""
    if upload is not None:
        check_upload(upload)
    with transaction.atomic():
        locked = _locked(appeal)
        if locked.status == Status.CLOSED:
            raise AppealClosed
        message = AppealMessage.objects.create(
            appeal=locked, author=staff, from_staff=True, text=text
        )
        _attach(appeal=locked, upload=upload, message=message)
        changed = locked.set_status(
            Status.WAITING if waiting_for_customer else Status.ANSWERED, now=message.created_at
        )
        locked.answered_at = locked.answered_at or message.created_at
        locked.assigned_to = locked.assigned_to or staff
        locked.save(update_fields=[*changed, "answered_at", "assigned_to"])
        audit(
            "appeal.answer",
            request=request,
            actor=staff,
            obj=locked,
            customer_id=locked.user.customer_id if locked.user else None,
            account_id=locked.account_id,
            status=locked.status,
            attachment=upload is not None,
        )
        _notify_answer(appeal=locked, message=message)
    return message


def appeal_reply(
    *,
    appeal: Appeal,
    user: User,
    text: str,
    upload: UploadedFile | None,
    request: HttpRequest | None,
) -> AppealMessage:
    """The customer's reply: the appeal is back with the utility, in progress."""
    if upload is not None:
        check_upload(upload)
    if not REPLIES_PER_DAY.hit(str(user.pk)):
        raise TooManyAppeals
    with transaction.atomic():
        locked = _locked(appeal)
        if locked.user_id != user.pk:
            raise PermissionError("only the author replies to an appeal")
        if locked.status == Status.CLOSED:
            raise AppealClosed
        message = AppealMessage.objects.create(
            appeal=locked, author=user, from_staff=False, text=text
        )
        _attach(appeal=locked, upload=upload, message=message)
        if locked.status not in (Status.NEW, Status.ASSIGNED):
            locked.save(update_fields=locked.set_status(Status.IN_PROGRESS, now=message.created_at))
        audit(
            "appeal.reply",
            request=request,
            actor=user,
            obj=locked,
            customer_id=user.customer_id,
            account_id=locked.account_id,
            attachment=upload is not None,
        )
    return message


def appeal_rate(
    *, appeal: Appeal, user: User, rating: int, comment: str, request: HttpRequest
) -> Appeal:
    """The customer's mark (1–5) for the answer; they may change it later."""
    if not 1 <= rating <= 5:
        raise ValueError("a rating is 1 to 5")
    with transaction.atomic():
        locked = _locked(appeal)
        if locked.user_id != user.pk or not locked.can_be_rated:
            raise PermissionError("only the author rates an answered appeal")
        locked.rating = rating
        locked.rating_comment = comment
        locked.save(update_fields=["rating", "rating_comment"])
        audit(
            "appeal.rate",
            request=request,
            actor=user,
            obj=locked,
            customer_id=user.customer_id,
            account_id=locked.account_id,
            rating=rating,
        )
    return locked


def attachments_scan(*, limit: int = 500) -> dict[str, int]:
    """Scan quarantined attachments: clean ones are released, infected ones are deleted
    (the row stays, marked, so the thread says what happened); audited per infected file."""
    counts: dict[str, int] = {ScanStatus.CLEAN: 0, ScanStatus.INFECTED: 0, ScanStatus.PENDING: 0}
    for attachment in AppealAttachment.objects.filter(scan_status=ScanStatus.PENDING)[:limit]:
        with attachment.file.open("rb") as handle:
            status = stream_scan(handle)
        if status not in counts:  # the scanner was switched off meanwhile
            continue
        counts[status] += 1
        if status == ScanStatus.PENDING:
            continue
        with transaction.atomic():
            if status == ScanStatus.INFECTED:
                attachment.file.delete(save=False)
                audit("appeal.attachment_infected", obj=attachment.appeal, attachment=attachment.pk)
            attachment.scan_status = status
            attachment.save(update_fields=["scan_status", "file"])
    return {str(key): value for key, value in counts.items()}
