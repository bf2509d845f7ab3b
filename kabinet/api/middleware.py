"""Every call to the API is logged (SECURITY.md 27): key, method, path, status, records, time."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from kabinet.core.audit import client_ip

from .models import ApiCall

logger = logging.getLogger("kabinet.api")
PREFIX = "/api/v1/"
# A batch of 10,000 records is a few MB of JSON (more with invoice PDFs): above the site-wide
# DATA_UPLOAD_MAX_MEMORY_SIZE meant for forms, so the API reads its bodies with its own limit.
MAX_BODY_BYTES = 64 * 1024 * 1024


class ApiCallLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        started = time.monotonic()
        response = self._too_big(request) or self.get_response(request)
        try:
            ApiCall.objects.create(
                key=getattr(request, "api_key", None),
                method=request.method or "",
                path=request.path[:300],
                status=response.status_code,
                records=getattr(request, "api_records", 0),
                rejected=getattr(request, "api_rejected", 0),
                milliseconds=int((time.monotonic() - started) * 1000),
                ip=client_ip(request),
            )
        except Exception:  # the answer must still reach the caller; the failure is logged
            logger.exception("could not log an API call")
        return response

    def _too_big(self, request: HttpRequest) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            message = f"at most {MAX_BODY_BYTES} bytes per request"
            body = {"error": {"code": "too_large", "message": message, "fields": []}}
            return JsonResponse(body, status=413)
        if length:
            request._body = request.read(length)  # see MAX_BODY_BYTES
        return None
