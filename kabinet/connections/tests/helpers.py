"""Builders for the connection tests: real small PDFs and a complete application."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import timezone
from reportlab.pdfgen.canvas import Canvas

from kabinet.identity.models import User

from .. import services
from ..models import ConnectionApplication, DocumentKind

PERMISSIONS = (
    "view_connectionapplication",
    "register_application",
    "return_application",
    "issue_document",
    "move_stage",
    "confirm_payment",
    "reject_application",
)


def session_reads() -> int:
    """The database query a request spends reading its session: none when sessions are cached
    (cached_db with Redis, after the first request), one with the database backend."""
    from django.conf import settings

    return 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1


def shared_cache_reads() -> int:
    """The query a page spends reading the utility profile from the shared cache: one when the
    cache is a database table, none with Redis."""
    from django.conf import settings

    return 1 if settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache") else 0


def pdf_bytes(text: str = "Document") -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 720, text)
    canvas.save()
    return buffer.getvalue()


def pdf_upload(name: str = "plan.pdf", text: str = "Document") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(text), content_type="application/pdf")


def request_for(user: User) -> object:
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT="pytest")
    request.user = user
    return request


def engineer(**fields: object) -> User:
    """A connection engineer: staff with the connection permissions."""
    user = User.objects.create(username=f"engineer{User.objects.count()}", is_staff=True, **fields)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="connections", codename__in=PERMISSIONS)
    )
    return User.objects.get(pk=user.pk)


def filled_application(user: User, *, submit: bool = True) -> ConnectionApplication:
    request = request_for(user)
    application = services.application_create(user=user, request=request)  # type: ignore[arg-type]
    services.application_fields_save(
        application=application,
        user=user,
        data={
            "applicant_kind": "individual",
            "applicant_name": "Коваленко Олена Петрівна",
            "contact_name": "Коваленко Олена Петрівна",
            "contact_phone": "+380501112233",
            "object_name": "Житловий будинок",
            "object_address": "с. Зоряне, вул. Польова, 3",
            "purpose": "Побутове споживання",
            "connection_type": "new",
            "max_power_kw": Decimal("15"),
            "voltage": "0.4",
            "reliability": "3",
            "planned_date": timezone.localdate() + dt.timedelta(days=90),
        },
        request=request,  # type: ignore[arg-type]
    )
    for kind in (DocumentKind.LAND_TITLE, DocumentKind.SITE_PLAN):
        services.application_document_add(
            application=application,
            user=user,
            kind=kind,
            upload=pdf_upload(f"{kind}.pdf"),
            content_type="application/pdf",
            request=request,  # type: ignore[arg-type]
        )
    if submit:
        application = services.application_submit(
            application=application,
            user=user,
            request=request,  # type: ignore[arg-type]
        )
    return application
