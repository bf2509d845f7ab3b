"""Payments billing has recorded, by billing reference."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import pydantic
from django.utils import timezone

from kabinet.billing.models import Payment
from kabinet.customers.models import Account

from .base import Outcome, Record, RecordType, ids_by, orm_upsert


class PaymentRecord(Record):
    reference: str = pydantic.Field(min_length=1, max_length=64)
    account_number: str = pydantic.Field(min_length=1, max_length=32)
    paid_on: dt.date
    amount: decimal.Decimal = pydantic.Field(max_digits=14, decimal_places=2)
    channel: Payment.Channel


class Payments(RecordType):
    name = "payments"
    title = "Recorded payments by billing reference"
    schema = PaymentRecord

    def key(self, row: Any) -> Any:
        return row.reference

    def upsert(self, rows: list[tuple[int, Any]], outcome: Outcome) -> None:
        accounts = ids_by(Account, "number", {r.account_number for _i, r in rows})
        now = timezone.now()
        values = []
        for index, row in rows:
            if row.account_number not in accounts:
                outcome.reject(index, "account_number", "unknown account")
                continue
            values.append((index, {
                "reference": row.reference,
                "account_id": accounts[row.account_number],
                "paid_on": row.paid_on,
                "amount": row.amount,
                "channel": str(row.channel),
                "as_of": now,
            }))  # fmt: skip
        orm_upsert(Payment, ("reference",), values, outcome, keep=("as_of",))
