"""Invoices by number, for an account or a whole contract, with billing's PDF when it has one.

The PDF comes base64-encoded in `pdf_base64` (API and JSON Lines); it must be a genuine PDF
(SECURITY.md 23, the same magic-bytes check as every upload) and is stored once per content.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
import hashlib
from typing import Annotated, Any

import pydantic
from django.core.files.base import ContentFile
from django.utils import timezone

from kabinet.billing.models import Invoice
from kabinet.core.uploads import FILE_TYPES
from kabinet.customers.models import Account, Contract

from .base import Outcome, Period, Record, RecordType, ids_by, orm_upsert

MAX_PDF_BYTES = 10 * 1024 * 1024


def _pdf(value: str) -> bytes:
    if not value:
        return b""
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64") from exc
    if len(data) > MAX_PDF_BYTES:
        raise ValueError("the PDF is larger than 10 MB")
    if not data.startswith(FILE_TYPES[".pdf"][1]):
        raise ValueError("not a PDF file")
    return data


class InvoiceRecord(Record):
    number: str = pydantic.Field(min_length=1, max_length=40)
    account_number: str = pydantic.Field("", max_length=32)
    contract_number: str = pydantic.Field("", max_length=40)
    period: Annotated[dt.date, Period]
    issued_on: dt.date
    due_on: dt.date | None = None
    amount: decimal.Decimal = pydantic.Field(max_digits=14, decimal_places=2)
    pdf_base64: Annotated[str, pydantic.AfterValidator(lambda v: (_pdf(v), v)[1])] = ""

    @pydantic.model_validator(mode="after")
    def _has_owner(self) -> InvoiceRecord:
        if not self.account_number and not self.contract_number:
            raise ValueError("give account_number or contract_number")
        return self


class Invoices(RecordType):
    name = "invoices"
    title = "Invoices by number, with the PDF billing made"
    schema = InvoiceRecord

    def key(self, row: Any) -> Any:
        return row.number

    def upsert(self, rows: list[tuple[int, Any]], outcome: Outcome) -> None:
        accounts = ids_by(Account, "number", {r.account_number for _i, r in rows})
        contracts = ids_by(Contract, "number", {r.contract_number for _i, r in rows})
        now = timezone.now()
        values, pdfs = [], {}
        for index, row in rows:
            if row.account_number and row.account_number not in accounts:
                outcome.reject(index, "account_number", "unknown account")
                continue
            if row.contract_number and row.contract_number not in contracts:
                outcome.reject(index, "contract_number", "unknown contract")
                continue
            values.append((index, {
                "number": row.number,
                "account_id": accounts.get(row.account_number),
                "contract_id": contracts.get(row.contract_number),
                "period": row.period,
                "issued_on": row.issued_on,
                "due_on": row.due_on,
                "amount": row.amount,
                "as_of": now,
            }))  # fmt: skip
            if row.pdf_base64:
                pdfs[row.number] = _pdf(row.pdf_base64)
        stored = orm_upsert(Invoice, ("number",), values, outcome, keep=("as_of",))
        for number, data in pdfs.items():
            invoice = stored[(number,)]
            digest = hashlib.sha256(data).hexdigest()[:16]
            if invoice.pdf and digest in invoice.pdf.name:
                continue  # the same PDF again: nothing changes
            invoice.pdf.save(f"{number}-{digest}.pdf", ContentFile(data), save=True)
