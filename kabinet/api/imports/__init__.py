"""Imports from billing: one module per record type, shared by the API and `import_billing`.

`import_batch` runs one batch in one transaction. Atomic mode keeps nothing when any record is
rejected (and still names every rejected one); partial mode keeps the good ones. A dry run
always rolls back, reporting what would have happened.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from kabinet.core.audit import audit

from .accounts import Accounts
from .addresses import Addresses
from .announcements import Announcements
from .base import MAX_BATCH, Outcome, RecordType, Rejection
from .contracts import Contracts, ServicePoints
from .customers import Customers
from .invoices import Invoices
from .meters import Meters
from .payments import Payments
from .statements import Statements

__all__ = ["MAX_BATCH", "RECORD_TYPES", "Outcome", "RecordType", "Rejection", "import_batch"]

# In dependency order: a file set is imported top to bottom.
RECORD_TYPES: dict[str, RecordType] = {
    rt.name: rt
    for rt in (
        Addresses(),
        Customers(),
        Contracts(),
        Accounts(),
        ServicePoints(),
        Meters(),
        Statements(),
        Payments(),
        Invoices(),
        Announcements(),
    )
}


class _Rollback(Exception):
    pass


def import_batch(
    record_type: str,
    records: Iterable[Any],
    *,
    atomic: bool,
    dry_run: bool = False,
    source: str = "",
    csv_layout: tuple[list[str], str] | None = None,
    first_line: int = 0,
    csv_irregular: list[int] | None = None,
) -> Outcome:
    """Import (index, raw record) pairs of one record type in one transaction; `source` (the
    API key's integration, or the file) goes into the audit event of a kept batch. With
    `csv_layout` (header names, delimiter) the records are the lines of a CSV file as read,
    the first of them line `first_line` (`csv_irregular`: the lines to parse in full, when
    the caller has found them already)."""
    importer = RECORD_TYPES[record_type]
    outcome = Outcome()
    try:
        with transaction.atomic():
            fast = getattr(importer, "import_csv_block", None)
            if csv_layout is not None and fast is not None:
                # lines of a CSV file: the record type's own fast path
                lines = records if isinstance(records, list) else list(records)
                if not fast(first_line, lines, *csv_layout, outcome, csv_irregular):
                    raise ValueError("this CSV layout has no fast path")
            else:
                importer.import_chunk(records, outcome)
            outcome.rejected.sort(key=lambda r: r.index)
            if dry_run or (atomic and outcome.rejected):
                raise _Rollback
            if outcome.created or outcome.updated or outcome.unchanged or outcome.rejected:
                audit(
                    "import.batch",
                    record_type=record_type,
                    source=source,
                    created=outcome.created,
                    updated=outcome.updated,
                    unchanged=outcome.unchanged,
                    rejected=len(outcome.rejected),
                )
    except _Rollback:
        if atomic and outcome.rejected:
            outcome.discard_writes()
    return outcome
