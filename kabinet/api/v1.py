"""The integration API, version 1: imports, exports with a cursor, status callbacks.

Mounted at /api/ (see kabinet/urls.py): operations under /api/v1/, the OpenAPI 3 schema at
/api/openapi.json and its documentation at /api/docs (Swagger UI served from django-ninja's
own static files: no CDN).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.http import HttpRequest
from ninja import Field, NinjaAPI, Query, Router, Schema
from ninja.errors import HttpError, ValidationError

from . import (
    errors,
    export_entries,  # noqa: F401  (registers the exports)
)
from .auth import EXPORT, IMPORT
from .exports import EXPORTS, MAX_LIMIT, BadCursor, export_page
from .imports import MAX_BATCH, RECORD_TYPES, Outcome, RecordType, import_batch
from .services import application_stage_record, payment_posted_record, reading_status_record

api = NinjaAPI(
    title="Kabinet integration API",
    version="1",
    description=(
        "For the billing system. Every call needs a key in the `X-Api-Key` header, made in the "
        "back office with the import or export scope. Errors are JSON: "
        '`{"error": {"code", "message", "fields": [{"field", "reason"}]}}`.'
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)
v1 = Router()

ERRORS: dict[int, Any] = {code: errors.ErrorOut for code in (400, 401, 403, 404, 413, 422)}


class Mode(StrEnum):
    ATOMIC = "atomic"
    PARTIAL = "partial"


class ImportQuery(Schema):
    mode: Mode = Field(
        Mode.ATOMIC,
        description="atomic: any rejected record keeps the whole batch out; "
        "partial: the good records are kept",
    )
    dry_run: bool = Field(False, description="Check and count, keep nothing")


class Batch(Schema):
    records: list[dict[str, Any]] = Field(..., max_length=MAX_BATCH)


class RejectionOut(Schema):
    index: int
    field: str
    reason: str


class ImportResult(Schema):
    committed: bool
    created: int
    updated: int
    unchanged: int
    rejected: list[RejectionOut]


def result(outcome: Outcome, *, committed: bool, request: HttpRequest) -> dict[str, Any]:
    request.api_records = outcome.created + outcome.updated + outcome.unchanged  # type: ignore[attr-defined]
    request.api_rejected = len(outcome.rejected)  # type: ignore[attr-defined]
    return {
        "committed": committed,
        "created": outcome.created,
        "updated": outcome.updated,
        "unchanged": outcome.unchanged,
        "rejected": [vars(r) for r in outcome.rejected],
    }


def only_known_query(request: HttpRequest, allowed: type[Schema] | None) -> None:
    """A misspelt parameter (`dryrun=true`) must not be ignored silently: 422 names it."""
    known = set(allowed.model_fields) if allowed else set()
    unknown = sorted(set(request.GET) - known)
    if unknown:
        raise ValidationError([{"loc": ("query", name), "msg": "unknown parameter"}
                               for name in unknown])  # fmt: skip


def _fields_table(record_type: RecordType) -> str:
    schema = record_type.schema.model_json_schema()
    required = set(schema.get("required", []))
    lines = ["| field | required |", "| --- | --- |"]
    for name in schema.get("properties", {}):
        lines.append(f"| `{name}` | {'yes' if name in required else ''} |")
    return "\n".join(lines)


def _import_view(record_type: RecordType) -> Any:
    def view(request: HttpRequest, batch: Batch, params: Query[ImportQuery]) -> dict[str, Any]:
        only_known_query(request, ImportQuery)
        atomic = params.mode == Mode.ATOMIC
        outcome = import_batch(
            record_type.name,
            enumerate(batch.records),
            atomic=atomic,
            dry_run=params.dry_run,
            source=f"api:{request.auth.name}",  # type: ignore[attr-defined]
        )
        committed = not params.dry_run and not (atomic and outcome.rejected)
        return result(outcome, committed=committed, request=request)

    view.__name__ = f"import_{record_type.name}"
    return view


for _rt in RECORD_TYPES.values():
    v1.add_api_operation(
        f"/import/{_rt.name}",
        ["POST"],
        _import_view(_rt),
        auth=IMPORT,
        response={200: ImportResult, **ERRORS},
        summary=f"Import: {_rt.title}",
        description=(
            f"Idempotent upsert of up to {MAX_BATCH} records. Rejected records are named by "
            "their index in `records`.\n\n" + _fields_table(_rt)
        ),
        tags=["import"],
        operation_id=f"import_{_rt.name}",
    )


class ExportQuery(Schema):
    cursor: str | None = Field(
        None,
        max_length=200,
        pattern=r"^[A-Za-z0-9_:\-]+$",
        description="next_cursor of the previous page; none: from the beginning",
    )
    limit: int = Field(500, ge=1, le=MAX_LIMIT)


def _export_view(name: str) -> Any:
    def view(request: HttpRequest, params: Query[ExportQuery]) -> dict[str, Any]:
        only_known_query(request, ExportQuery)
        try:
            page = export_page(name, cursor=params.cursor, limit=params.limit)
        except BadCursor as exc:
            # A cursor addresses a place in the export; one not given out addresses none.
            raise HttpError(404, f"cursor: {exc}") from exc
        request.api_records = len(page.items)  # type: ignore[attr-defined]
        return {"items": page.items, "next_cursor": page.next_cursor, "has_more": page.has_more}

    view.__name__ = f"export_{name}"
    return view


for _export in EXPORTS.values():
    _page_schema = type(
        f"{_export.schema.__name__}Page",
        (Schema,),
        {
            "__annotations__": {
                "items": list[_export.schema],  # type: ignore[name-defined]
                "next_cursor": str,
                "has_more": bool,
            }
        },
    )
    v1.add_api_operation(
        f"/export/{_export.name}",
        ["GET"],
        _export_view(_export.name),
        auth=EXPORT,
        response={200: _page_schema, **ERRORS},
        summary=f"Export: {_export.title}",
        description="Pages in change order. Keep `next_cursor` and ask with it for more; asking "
        "again with the same cursor is safe and returns the same records.",
        tags=["export"],
        operation_id=f"export_{_export.name}",
    )


class ReadingStatus(Schema):
    reading_id: int
    status: str = Field(..., description="accepted or rejected")
    reason: str = Field("", max_length=300, description="why a reading was rejected")


class ReadingStatusBatch(Schema):
    records: list[dict[str, Any]] = Field(
        ..., max_length=MAX_BATCH, description="Each: reading_id, status, reason"
    )


@v1.post(
    "/callbacks/readings",
    auth=IMPORT,
    response={200: ImportResult, **ERRORS},
    summary="Billing's verdict on readings: accepted or rejected (with the reason)",
    tags=["callbacks"],
)
def reading_statuses(request: HttpRequest, batch: ReadingStatusBatch) -> dict[str, Any]:
    only_known_query(request, None)
    outcome = reading_status_record(
        updates=list(enumerate(batch.records)),
        source=f"api:{request.auth.name}",  # type: ignore[attr-defined]
    )
    return result(outcome, committed=True, request=request)


class CallbackBatch(Schema):
    records: list[dict[str, Any]] = Field(..., max_length=MAX_BATCH)


def _callback(name: str, service: Any, summary: str, fields: str) -> None:
    def view(request: HttpRequest, batch: CallbackBatch) -> dict[str, Any]:
        only_known_query(request, None)
        outcome = service(
            updates=list(enumerate(batch.records)),
            source=f"api:{request.auth.name}",  # type: ignore[attr-defined]
        )
        return result(outcome, committed=True, request=request)

    view.__name__ = f"callback_{name}"
    v1.add_api_operation(
        f"/callbacks/{name}",
        ["POST"],
        view,
        auth=IMPORT,
        response={200: ImportResult, **ERRORS},
        summary=summary,
        description=f"`records`, each: {fields}. Every record is kept or rejected (by its "
        "index in `records`) on its own; repeating a record changes nothing.",
        tags=["callbacks"],
        operation_id=f"callback_{name}",
    )


_callback(
    "payments",
    payment_posted_record,
    "Billing posted online payments: the portal's payment becomes billing's",
    "`order_id`, `reference` (billing's), `posted_on` (YYYY-MM-DD), `amount` (optional: "
    "checked against the order)",
)
_callback(
    "applications",
    application_stage_record,
    "Billing or the ERP moves grid-connection applications on: fee paid, works done, completed",
    "`number` (the application's number or registration number), `stage` (works: the fee is "
    "paid, with `payment_reference` and optional `amount`; acceptance_issued; completed), "
    "`comment` (optional)",
)

api.add_router("/v1/", v1)
