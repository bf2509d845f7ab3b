"""Retention (SECURITY.md 34): what identity keeps only as long as it is needed.

`manage.py purge_expired` runs it; schedule it daily. Audit events and consents are never
purged here: they are the record the law asks for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from kabinet.core.audit import audit

from .models import OneTimeCode, RegistrationApplication, User, UserSession


@dataclass
class Purged:
    codes: int = 0
    session_records: int = 0
    abandoned_signups: int = 0
    application_files: int = 0


def purge_expired(*, now: datetime | None = None) -> Purged:
    now = now or timezone.now()
    keep = timedelta(days=settings.RETENTION_DAYS)
    result = Purged()
    # Codes: hashed already, useless once expired; a day's grace keeps recent ones for support.
    result.codes, _ = OneTimeCode.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    # Session records whose session has ended (expired, logged out, ended elsewhere).
    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    gone = [
        record.pk
        for record in UserSession.objects.only("pk", "session_key").iterator()
        if not store().exists(record.session_key)
    ]
    result.session_records, _ = UserSession.objects.filter(pk__in=gone).delete()
    # Sign-ups never activated: a phone or e-mail someone typed and never confirmed.
    abandoned = User.objects.filter(
        is_active=False, last_login__isnull=True, date_joined__lt=now - timedelta(days=7)
    ).exclude(is_staff=True)
    with transaction.atomic():
        for user in abandoned.select_for_update():
            audit("retention.signup_purged", obj=user)
            user.delete()
            result.abandoned_signups += 1
    # Uploaded applications that were rejected: the file goes, the row and its audit stay.
    for application in RegistrationApplication.objects.filter(
        status=RegistrationApplication.Status.REJECTED, reviewed_at__lt=now - keep
    ).exclude(document=""):
        application.document.delete(save=True)
        result.application_files += 1
    return result
