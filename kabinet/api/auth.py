"""API keys from the X-Api-Key header only (never a query string or cookie: those get logged)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import APIKeyHeader

from .models import ApiKey, key_digest

HEADER = "X-Api-Key"


class ScopedKey(APIKeyHeader):
    param_name = HEADER

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__()

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key:
            return None  # ninja answers 401
        found = ApiKey.objects.filter(digest=key_digest(key)).first()
        if found is None or not found.is_usable():
            return None
        request.api_key = found  # type: ignore[attr-defined]  # for the call log
        if not found.allows(self.scope):
            raise HttpError(403, f"this key may not {self.scope}")
        now = timezone.now()
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiKey.objects.filter(pk=found.pk).update(last_used_at=now)
        return found


IMPORT = ScopedKey("import")
EXPORT = ScopedKey("export")
