"""One stable shape for every error (SECURITY.md 29), never a stack trace:

{"error": {"code": "invalid", "message": "…", "fields": [{"field": "…", "reason": "…"}]}}
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

logger = logging.getLogger("kabinet.api")

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 413: "too_large", 422: "invalid", 429: "throttled"}  # fmt: skip


class FieldError(Schema):
    field: str
    reason: str


class ErrorBody(Schema):
    code: str
    message: str
    fields: list[FieldError] = []


class ErrorOut(Schema):
    error: ErrorBody


def error_response(
    api: NinjaAPI, request: HttpRequest, status: int, message: str, fields: list[Any] | None = None
) -> HttpResponse:
    body = {"code": CODES.get(status, "error"), "message": message, "fields": fields or []}
    return api.create_response(request, {"error": body}, status=status)


def install(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields = []
        for error in exc.errors:
            loc = [str(p) for p in error.get("loc", ())]
            if loc and loc[0] in ("body", "query", "path", "header"):
                loc = loc[1:]
            if len(loc) > 1 and loc[0] in ("batch", "params", "payload"):
                loc = loc[1:]  # the view's parameter name means nothing to the caller
            fields.append({"field": ".".join(loc), "reason": str(error.get("msg", "invalid"))})
        return error_response(api, request, 422, "the request is not valid", fields)

    @api.exception_handler(AuthenticationError)
    def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(api, request, 401, "a valid key in the X-Api-Key header is needed")

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return error_response(api, request, exc.status_code, str(exc))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, 404, "not found")

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return error_response(api, request, 413, "the request is too large")

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API error on %s", request.path)
        return error_response(api, request, 500, "internal error; it has been logged")
