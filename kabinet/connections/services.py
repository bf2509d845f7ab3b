"""Write side of grid-connection applications: drafts, documents, submission and versions,
the staff's actions, signing the utility's documents and the payment of the fee. Each runs in
one transaction with its audit event; every stage change notifies the applicant."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.core.audit import audit
from kabinet.documents.models import CertificateSignature, SimpleSignature, StoredDocument
from kabinet.documents.services import (
    SigningRefused,
    certificate_signature_add,
    document_sign_confirm,
    document_store,
)
from kabinet.identity.models import User
from kabinet.notify.models import Channel
from kabinet.notify.services import message_render_and_queue
from kabinet.payments.models import PaymentOrder
from kabinet.payments.services import payment_order_create

from .models import (
    DATA_FIELDS,
    NEXT_STAGE,
    ApplicationDocument,
    ApplicationVersion,
    ConnectionApplication,
    ConnectionType,
    DocumentKind,
    IssuedDocument,
    IssuedKind,
    Stage,
    StageEvent,
    required_documents,
)


def field_label(name: str) -> str:
    field = ConnectionApplication._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


class StageError(Exception):
    """The application is not at a stage where this can be done."""


# --- The applicant -------------------------------------------------------------------------


def application_create(*, user: User, request: HttpRequest | None) -> ConnectionApplication:
    """A new draft, with what we know of the applicant filled in."""
    with transaction.atomic():
        application = ConnectionApplication.objects.create(
            number=f"tmp-{uuid.uuid4().hex}",
            user=user,
            applicant_kind=user.kind or "",
            applicant_name=user.get_full_name(),
            contact_name=user.get_full_name(),
            contact_phone=user.phone or "",
            contact_email=user.email or "",
        )
        application.number = f"{application.created_at:%Y}-{application.pk:06d}"
        application.save(update_fields=["number"])
        StageEvent.objects.create(application=application, stage=Stage.DRAFT, actor=user)
        audit("connection.create", request=request, actor=user, obj=application)
    return application


def application_fields_save(
    *, application: ConnectionApplication, user: User, data: dict[str, Any], request: HttpRequest
) -> ConnectionApplication:
    """Save one step of the form (a draft is kept at every step). Only a draft's fields, or
    those the utility reopened, can change."""
    allowed = set(DATA_FIELDS) if application.stage == Stage.DRAFT else set()
    if application.stage == Stage.RETURNED:
        allowed = set(application.reopened_fields)
    if not application.editable:
        raise StageError(application.stage)
    changed = sorted(
        name
        for name, value in data.items()
        if name in allowed and getattr(application, name) != value
    )
    with transaction.atomic():
        for name in changed:
            setattr(application, name, data[name])
        application.save()
        audit("connection.save", request=request, actor=user, obj=application, fields=changed)
    return application


def document_kind_open(application: ConnectionApplication, kind: str) -> bool:
    if application.stage == Stage.DRAFT:
        return True
    return application.stage == Stage.RETURNED and kind in application.reopened_documents


def application_document_add(
    *,
    application: ConnectionApplication,
    user: User,
    kind: str,
    upload: UploadedFile,
    content_type: str,
    request: HttpRequest,
) -> ApplicationDocument:
    """Attach a checked file; an earlier file of that kind is kept but marked replaced."""
    if not document_kind_open(application, kind):
        raise StageError(application.stage)
    with transaction.atomic():
        stored = document_store(
            upload=upload,
            owner=user,
            uploaded_by=user,
            kind=kind,
            title=str(DocumentKind(kind).label),
            content_type=content_type,
            request=request,
        )
        application.documents.filter(kind=kind, superseded=False).update(superseded=True)
        attached = ApplicationDocument.objects.create(
            application=application, kind=kind, document=stored
        )
        audit(
            "connection.document_add",
            request=request,
            actor=user,
            obj=application,
            kind=kind,
            document=stored.pk,
        )
    return attached


def missing_for_submit(application: ConnectionApplication) -> list[str]:
    """What still has to be filled in or attached before the application can be sent."""
    missing = []
    required = (
        "applicant_kind",
        "applicant_name",
        "contact_name",
        "contact_phone",
        "object_name",
        "object_address",
        "purpose",
        "connection_type",
        "max_power_kw",
        "voltage",
        "reliability",
        "planned_date",
    )
    for name in required:
        if getattr(application, name) in (None, ""):
            missing.append(field_label(name))
    if application.connection_type == ConnectionType.INCREASE and not application.existing_power_kw:
        missing.append(str(ConnectionApplication._meta.get_field("existing_power_kw").verbose_name))
    attached = {d.kind for d in application.documents.all() if not d.superseded}
    for kind in required_documents(
        connection_type=application.connection_type,
        by_representative=application.by_representative,
    ):
        if kind not in attached:
            missing.append(str(DocumentKind(kind).label))
    return missing


def _snapshot(application: ConnectionApplication) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in DATA_FIELDS:
        value = getattr(application, name)
        data[name] = (
            str(value) if isinstance(value, Decimal) or hasattr(value, "isoformat") else value
        )
    data["documents"] = [
        {
            "kind": d.kind,
            "document": d.document_id,
            "name": d.document.original_name,
            "sha256": d.document.sha256,
        }
        for d in application.documents.select_related("document").filter(superseded=False)
    ]
    return data


def _notify(application: ConnectionApplication) -> None:
    user = application.user
    context = {
        "number": application.registration_number or application.number,
        "stage": Stage(application.stage).label,
        "comment": application.return_comment
        if application.stage == Stage.RETURNED
        else application.rejection_reason,
        "path": f"{settings.SITE_URL}/connections/{application.pk}/",
    }
    language = user.language or None
    if user.email:
        message_render_and_queue(
            channel=Channel.EMAIL,
            recipient=user.email,
            purpose="connection_stage",
            context=context,
            language=language,
        )
    if user.phone:
        message_render_and_queue(
            channel=Channel.SMS,
            recipient=user.phone,
            purpose="connection_stage",
            context=context,
            language=language,
        )


def _move(
    application: ConnectionApplication,
    stage: str,
    *,
    actor: User | None,
    comment: str = "",
    request: HttpRequest | None,
    **data: Any,
) -> None:
    """Inside the caller's transaction: the stage, its event, the audit, the notice."""
    previous = application.stage
    application.stage = stage
    application.stage_at = timezone.now()
    application.save()
    StageEvent.objects.create(
        application=application, stage=stage, at=application.stage_at, actor=actor, comment=comment
    )
    audit(
        "connection.stage",
        request=request,
        actor=actor,
        obj=application,
        customer_id=application.user.customer_id,
        previous=previous,
        stage=stage,
        **data,
    )
    _notify(application)


def _locked(application: ConnectionApplication, *stages: str) -> ConnectionApplication:
    locked = (
        ConnectionApplication.objects.select_for_update()
        .select_related("user")
        .get(pk=application.pk)
    )
    if stages and locked.stage not in stages:
        raise StageError(locked.stage)
    return locked


def application_submit(
    *, application: ConnectionApplication, user: User, request: HttpRequest
) -> ConnectionApplication:
    """Send the draft (or the corrected application): a new version is kept, and the stage
    becomes Submitted (or Under review again, when it was registered already)."""
    if missing_for_submit(application):
        raise StageError("incomplete")
    with transaction.atomic():
        locked = _locked(application, *[Stage.DRAFT, Stage.RETURNED])
        locked.version += 1
        ApplicationVersion.objects.create(
            application=locked, number=locked.version, data=_snapshot(locked)
        )
        locked.submitted_at = locked.submitted_at or timezone.now()
        locked.reopened_fields, locked.reopened_documents = [], []
        stage = Stage.UNDER_REVIEW if locked.registered_at else Stage.SUBMITTED
        _move(locked, stage, actor=user, request=request, version=locked.version)
    return locked


def connection_document_sign(
    *,
    application: ConnectionApplication,
    issued: IssuedDocument,
    user: User,
    code: str,
    request: HttpRequest,
) -> SimpleSignature | None:
    """Sign a document the utility issued with the SMS code; once every document to sign is
    signed the application moves on to payment (or to the works when there is no fee)."""
    with transaction.atomic():
        signature = document_sign_confirm(
            document=issued.document, user=user, code=code, request=request
        )
        if signature is None:
            return None
        _advance_if_signed(application, user=user, request=request)
    return signature


def _advance_if_signed(
    application: ConnectionApplication, *, user: User, request: HttpRequest
) -> None:
    locked = _locked(application)
    unsigned = StoredDocument.objects.filter(
        pk__in=locked.issued.values("document"), signable=True, locked_at__isnull=True
    )
    if locked.stage == Stage.AWAITING_SIGNATURE and not unsigned.exists():
        after = Stage.AWAITING_PAYMENT if locked.fee_amount else Stage.WORKS
        _move(locked, after, actor=user, request=request)


def connection_document_certificate_sign(
    *,
    application: ConnectionApplication,
    issued: IssuedDocument,
    user: User,
    upload: UploadedFile,
    request: HttpRequest,
) -> CertificateSignature:
    """A qualified e-signature (.p7s) over the issued document: verified and kept; a valid one
    counts as the applicant's signature."""
    if issued.document.owner_id != user.pk or not issued.document.signable:
        raise SigningRefused(_("This document cannot be signed."))
    with transaction.atomic():
        record = certificate_signature_add(
            document=issued.document, signature=upload, user=user, request=request
        )
        if record.result == CertificateSignature.Result.VALID:
            _advance_if_signed(application, user=user, request=request)
    return record


# --- The utility's staff -------------------------------------------------------------------


def application_register(
    *,
    application: ConnectionApplication,
    staff: User,
    registration_number: str,
    request: HttpRequest | None,
) -> ConnectionApplication:
    with transaction.atomic():
        locked = _locked(application, Stage.SUBMITTED)
        locked.registration_number = registration_number
        locked.registered_at = timezone.now()
        _move(
            locked,
            Stage.REGISTERED,
            actor=staff,
            request=request,
            registration_number=registration_number,
        )
    return locked


def application_return(
    *,
    application: ConnectionApplication,
    staff: User,
    comment: str,
    fields: list[str],
    documents: list[str],
    request: HttpRequest | None,
) -> ConnectionApplication:
    """Back to the applicant: the named fields and documents become editable again."""
    with transaction.atomic():
        locked = _locked(application, Stage.SUBMITTED, Stage.REGISTERED, Stage.UNDER_REVIEW)
        locked.return_comment = comment
        locked.reopened_fields = [name for name in fields if name in DATA_FIELDS]
        locked.reopened_documents = [kind for kind in documents if kind in DocumentKind.values]
        _move(
            locked,
            Stage.RETURNED,
            actor=staff,
            comment=comment,
            request=request,
            fields=locked.reopened_fields,
            documents=locked.reopened_documents,
        )
    return locked


def application_reject(
    *, application: ConnectionApplication, staff: User, reason: str, request: HttpRequest | None
) -> ConnectionApplication:
    with transaction.atomic():
        locked = _locked(application)
        if locked.stage in (Stage.DRAFT, Stage.COMPLETED, Stage.REJECTED):
            raise StageError(locked.stage)
        locked.rejection_reason = reason
        _move(locked, Stage.REJECTED, actor=staff, comment=reason, request=request)
    return locked


def application_stage_next(
    *,
    application: ConnectionApplication,
    staff: User | None,  # None: billing or the ERP, through the integration API
    comment: str,
    request: HttpRequest | None,
) -> ConnectionApplication:
    with transaction.atomic():
        locked = _locked(application, *NEXT_STAGE)
        _move(locked, NEXT_STAGE[locked.stage], actor=staff, comment=comment, request=request)
    return locked


def application_document_issue(
    *,
    application: ConnectionApplication,
    staff: User,
    kind: str,
    upload: UploadedFile,
    content_type: str,
    signable: bool,
    fee_amount: Decimal | None,
    request: HttpRequest | None,
) -> IssuedDocument:
    """Attach a document from the utility for the applicant to read (and sign)."""
    with transaction.atomic():
        locked = _locked(application)
        if locked.stage in (Stage.DRAFT, Stage.REJECTED):
            raise StageError(locked.stage)
        stored = document_store(
            upload=upload,
            owner=locked.user,
            uploaded_by=staff,
            kind=kind,
            title=_("%(kind)s for application %(number)s")
            % {"kind": IssuedKind(kind).label, "number": locked},
            content_type=content_type,
            signable=signable,
            request=request,
        )
        issued = IssuedDocument.objects.create(
            application=locked, kind=kind, document=stored, issued_by=staff
        )
        if fee_amount is not None:
            locked.fee_amount = fee_amount
            locked.save(update_fields=["fee_amount", "updated_at"])
        audit(
            "connection.document_issue",
            request=request,
            actor=staff,
            obj=locked,
            kind=kind,
            document=stored.pk,
            signable=signable,
            fee=str(fee_amount) if fee_amount is not None else None,
        )
    return issued


def connection_payment_confirmed(
    *,
    application: ConnectionApplication,
    payment_reference: str,
    amount: Decimal | None = None,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> ConnectionApplication:
    """The connection fee is paid (a staff member recorded it, or the payments flow confirmed
    an online payment): the works start. Repeating it with the same reference changes nothing."""
    with transaction.atomic():
        locked = _locked(application)
        if locked.paid_at and locked.payment_reference == payment_reference:
            return locked
        if locked.stage != Stage.AWAITING_PAYMENT:
            raise StageError(locked.stage)
        if amount is not None and locked.fee_amount is not None and amount != locked.fee_amount:
            raise StageError("amount")
        locked.payment_reference = payment_reference
        locked.paid_at = timezone.now()
        _move(
            locked,
            Stage.WORKS,
            actor=actor,
            request=request,
            payment_reference=payment_reference,
            amount=str(amount if amount is not None else locked.fee_amount),
        )
    return locked


def connection_order_paid(*, order: PaymentOrder) -> None:
    """An online payment of the fee (payments.PAID_HANDLERS), in the payment's transaction.
    A payment that no longer fits (staff moved the stage, or the fee changed) is kept by the
    payments app all the same and recorded here for staff to settle, never refused."""
    application = ConnectionApplication.objects.filter(number=order.reference).first()
    if application is None:
        audit("connection.payment_unmatched", obj=order, reference=order.reference[:40])
        return
    try:
        connection_payment_confirmed(
            application=application, payment_reference=order.order_id, amount=order.amount
        )
    except StageError as exc:
        audit(
            "connection.payment_unmatched",
            obj=application,
            order_id=order.order_id,
            amount=str(order.amount),
            reason=str(exc),
        )


def connection_fee_order_create(
    *, application: ConnectionApplication, user: User, request: HttpRequest | None = None
) -> PaymentOrder:
    """A payment order for the application's fee, in the payments flow."""
    if application.stage != Stage.AWAITING_PAYMENT or not application.fee_amount:
        raise StageError(application.stage)
    return payment_order_create(
        user=user,
        amount=application.fee_amount,
        domain="connection",
        reference=application.number,
        purpose=_("Grid connection fee, application %(number)s")
        % {"number": application.registration_number or application.number},
        request=request,
    )
