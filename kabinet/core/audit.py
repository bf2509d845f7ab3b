"""Record audit events. Call inside the transaction of the write it describes (SECURITY.md 36)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from .models import AuditEvent


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as the server saw it (a trusted proxy sets REMOTE_ADDR for us)."""
    return request.META.get("REMOTE_ADDR") or None


def audit(
    action: str,
    *,
    request: HttpRequest | None = None,
    actor: Any = None,
    obj: models.Model | None = None,
    customer_id: int | None = None,
    account_id: int | None = None,
    **data: Any,
) -> AuditEvent:
    """Append one event. `data` must never carry secrets (codes, passwords, full card data)."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    event = AuditEvent(
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=actor.get_username() if getattr(actor, "pk", None) else "",
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        customer_id=customer_id,
        account_id=account_id,
        data=data,
    )
    if request is not None:
        event.ip = client_ip(request)
        event.user_agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    event.save()
    return event
