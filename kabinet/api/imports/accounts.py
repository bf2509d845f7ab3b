"""Personal accounts by number: the customer, the contract and the address they belong to."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pydantic

from kabinet.core.models import Service
from kabinet.customers.models import Account, Contract, Customer
from kabinet.customers.services import company_accounts_link

from .addresses import AddressFields, resolve_addresses
from .base import Outcome, RecordType, ids_by, orm_upsert


class AccountRecord(AddressFields):
    number: str = pydantic.Field(min_length=1, max_length=32)
    service: Service
    customer_code: str = pydantic.Field(min_length=1, max_length=40)
    contract_number: str = pydantic.Field("", max_length=40)
    status: Account.Status = Account.Status.ACTIVE
    opened_on: dt.date
    closed_on: dt.date | None = None


class Accounts(RecordType):
    name = "accounts"
    title = "Personal accounts by number, with their address"
    schema = AccountRecord

    def key(self, row: Any) -> Any:
        return row.number

    def upsert(self, rows: list[tuple[int, Any]], outcome: Outcome) -> None:
        customers = ids_by(Customer, "code", {r.customer_code for _i, r in rows})
        contracts = ids_by(Contract, "number", {r.contract_number for _i, r in rows})
        good = []
        for index, row in rows:
            if row.customer_code not in customers:
                outcome.reject(index, "customer_code", "unknown customer")
            elif row.contract_number and row.contract_number not in contracts:
                outcome.reject(index, "contract_number", "unknown contract")
            else:
                good.append((index, row))
        addresses = resolve_addresses(good, outcome)
        values = []
        for index, row in good:
            if row.address_key() not in addresses:
                continue  # rejected by resolve_addresses
            building_id, apartment_id = addresses[row.address_key()]
            values.append((index, {
                "number": row.number,
                "service": str(row.service),
                "customer_id": customers[row.customer_code],
                "contract_id": contracts.get(row.contract_number) if row.contract_number else None,
                "building_id": building_id,
                "apartment_id": apartment_id,
                "status": str(row.status),
                "opened_on": row.opened_on,
                "closed_on": row.closed_on,
            }))  # fmt: skip
        orm_upsert(Account, ("number",), values, outcome)
        # A company's new accounts appear at once in the list of everyone acting for it.
        company_accounts_link(customer_ids={customers[r.customer_code] for _i, r in good})
