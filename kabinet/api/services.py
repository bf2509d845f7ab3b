"""Write side of the integration API: keys, and the status callbacks billing sends back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from kabinet.core.audit import audit
from kabinet.metering.models import Reading

from .imports import Outcome
from .models import ApiKey, key_digest, new_raw_key


def api_key_create(
    *,
    name: str,
    can_import: bool,
    can_export: bool,
    expires_at: dt.datetime,
    request: HttpRequest | None = None,
) -> tuple[ApiKey, str]:
    """A new key and its raw value, which is shown once and never stored."""
    raw = new_raw_key()
    with transaction.atomic():
        key = ApiKey.objects.create(
            name=name,
            prefix=raw[:12],
            digest=key_digest(raw),
            can_import=can_import,
            can_export=can_export,
            expires_at=expires_at,
            created_by=request.user if request and request.user.is_authenticated else None,
        )
        audit("api_key.created", request=request, obj=key, import_=can_import, export=can_export)
    return key, raw


def api_key_revoke(*, key: ApiKey, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
            audit("api_key.revoked", request=request, obj=key)


CALLBACK_STATUSES = {"accepted": Reading.Status.ACCEPTED, "rejected": Reading.Status.REJECTED}


def reading_status_record(*, updates: list[tuple[int, dict[str, Any]]], source: str) -> Outcome:
    """Billing's verdict on readings: (index, {"reading_id", "status", "reason"}) in one
    transaction; unknown readings and bad statuses are rejected, repeats change nothing."""
    outcome = Outcome()
    wanted = {u.get("reading_id") for _i, u in updates if isinstance(u.get("reading_id"), int)}
    with transaction.atomic():
        readings = Reading.objects.select_for_update().select_related("meter").in_bulk(wanted)
        for index, update in updates:
            reading = readings.get(update.get("reading_id"))
            status = CALLBACK_STATUSES.get(update.get("status", ""))
            reason = str(update.get("reason") or "")[:300]
            if reading is None:
                outcome.reject(index, "reading_id", "unknown reading")
            elif status is None:
                outcome.reject(index, "status", "accepted or rejected")
            elif status == Reading.Status.REJECTED and not reason:
                outcome.reject(index, "reason", "a rejected reading needs the reason")
            elif reading.status == status and reading.reject_reason == reason:
                outcome.unchanged += 1
            else:
                reading.status = status
                reading.reject_reason = reason if status == Reading.Status.REJECTED else ""
                reading.save(update_fields=["status", "reject_reason"])
                audit(
                    "reading.status_from_billing",
                    obj=reading,
                    account_id=reading.meter.account_id,
                    status=status,
                    source=source,
                )
                outcome.updated += 1
    return outcome
