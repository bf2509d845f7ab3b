"""Exports to billing with a cursor: nothing missed, nothing twice, safe to repeat.

Each export is one registered `Export`: a name, a selector (a function returning the queryset
of everything that export may ever deliver), the field holding its change sequence (an
auto-increment key of an append-only or insert-only table: the rows' own id, or the audit
event's id), the timestamp field the settle window looks at, and the row schema with the
function that fills it.

The cursor is opaque to the caller (a signed token naming the export and the last sequence
delivered). A page holds the rows after the cursor in sequence order, up to — not including —
the first row younger than the settle window (EXPORT_SETTLE_SECONDS, default 60 s): a
transaction still open when its row got its sequence number commits within the window, so a
row can never appear behind a cursor already handed out. Asking again with the same cursor
returns the same rows again (billing may repeat a request whose answer it lost); only the
next cursor moves on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.db.models import Model, QuerySet
from django.utils import timezone
from ninja import Schema

SALT = "kabinet.api.export-cursor"
MAX_LIMIT = 1000


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class Export:
    name: str
    title: str
    selector: Callable[[], QuerySet[Any]]
    schema: type[Schema]
    row: Callable[[Any], dict[str, Any]]
    sequence: str = "id"
    settled_by: str = ""
    # Fetches what the rows of one page need in one query each (e.g. users of audit events).
    prepare: Callable[[Sequence[Any]], None] | None = None


EXPORTS: dict[str, Export] = {}


def register(export: Export) -> Export:
    EXPORTS[export.name] = export
    return export


def cursor_make(name: str, sequence: int) -> str:
    return signing.dumps([name, sequence], salt=SALT)


def cursor_read(name: str, cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        export_name, sequence = signing.loads(cursor, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise BadCursor("not a cursor this API gave out") from exc
    if export_name != name or not isinstance(sequence, int):
        raise BadCursor(f"a cursor of another export ({export_name})")
    return sequence


def settle_seconds() -> int:
    return int(getattr(settings, "EXPORT_SETTLE_SECONDS", 60))


@dataclass
class Page:
    items: list[dict[str, Any]]
    next_cursor: str
    has_more: bool


def export_page(
    name: str, *, cursor: str | None, limit: int, now: dt.datetime | None = None
) -> Page:
    """One page of an export after `cursor` (None: from the beginning)."""
    export = EXPORTS[name]
    after = cursor_read(name, cursor)
    seq = export.sequence
    rows = export.selector().filter(**{f"{seq}__gt": after})
    if export.settled_by:
        horizon = (now or timezone.now()) - dt.timedelta(seconds=settle_seconds())
        young = (
            export.selector()
            .filter(**{f"{seq}__gt": after, f"{export.settled_by}__gt": horizon})
            .order_by(seq)
            .values_list(seq, flat=True)
            .first()
        )
        if young is not None:
            rows = rows.filter(**{f"{seq}__lt": young})
    page = list(rows.order_by(seq)[: limit + 1])
    has_more = len(page) > limit
    page = page[:limit]
    if export.prepare is not None:
        export.prepare(page)
    last = getattr(page[-1], seq) if page else after
    return Page(
        items=[export.row(obj) for obj in page],
        next_cursor=cursor_make(name, int(last)),
        has_more=has_more,
    )


def model_row(obj: Model, fields: Sequence[str]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in fields}
