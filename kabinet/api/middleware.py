"""Every call to the API is logged (SECURITY.md 27): key, method, path, status, records, time."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from kabinet.core.audit import client_ip

from .models import ApiCall

logger = logging.getLogger("kabinet.api")
PREFIX = "/api/v1/"


class ApiCallLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        started = time.monotonic()
        response = self.get_response(request)
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
