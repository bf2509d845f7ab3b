"""Business contracts by number, and the service points under them by (contract, code)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import pydantic

from kabinet.core.models import Service
from kabinet.customers.models import Account, Contract, Customer, ServicePoint

from .base import Outcome, Record, RecordType, ids_by, orm_upsert


def _services(value: Any) -> Any:
    if isinstance(value, str):  # a CSV cell: "water,sewage"
        return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    return value


class ContractRecord(Record):
    number: str = pydantic.Field(min_length=1, max_length=40)
    customer_code: str = pydantic.Field(min_length=1, max_length=40)
    title: str = pydantic.Field(min_length=1, max_length=200)
    services: Annotated[list[Service], pydantic.BeforeValidator(_services)] = []
    address: str = pydantic.Field("", max_length=300)
    starts_on: dt.date
    ends_on: dt.date | None = None
    status: Contract.Status = Contract.Status.ACTIVE


class Contracts(RecordType):
    name = "contracts"
    title = "Business contracts by number"
    schema = ContractRecord

    def key(self, row: Any) -> Any:
        return row.number

    def upsert(self, rows: list[tuple[int, Any]], outcome: Outcome) -> None:
        customers = ids_by(Customer, "code", {r.customer_code for _i, r in rows})
        values = []
        for index, row in rows:
            if row.customer_code not in customers:
                outcome.reject(index, "customer_code", "unknown customer")
                continue
            data = row.model_dump(exclude={"customer_code"})
            data["services"] = [str(s) for s in row.services]
            data["status"] = str(row.status)
            data["customer_id"] = customers[row.customer_code]
            values.append((index, data))
        orm_upsert(Contract, ("number",), values, outcome)


class ServicePointRecord(Record):
    contract_number: str = pydantic.Field(min_length=1, max_length=40)
    code: str = pydantic.Field(min_length=1, max_length=40)
    name: str = pydantic.Field(min_length=1, max_length=200)
    address: str = pydantic.Field(min_length=1, max_length=300)
    account_number: str = pydantic.Field("", max_length=32)


class ServicePoints(RecordType):
    name = "service_points"
    title = "Service points (consumption objects) by contract and code"
    schema = ServicePointRecord

    def key(self, row: Any) -> Any:
        return (row.contract_number, row.code)

    def upsert(self, rows: list[tuple[int, Any]], outcome: Outcome) -> None:
        contracts = ids_by(Contract, "number", {r.contract_number for _i, r in rows})
        accounts = ids_by(
            Account, "number", {r.account_number for _i, r in rows if r.account_number}
        )
        values = []
        for index, row in rows:
            if row.contract_number not in contracts:
                outcome.reject(index, "contract_number", "unknown contract")
                continue
            if row.account_number and row.account_number not in accounts:
                outcome.reject(index, "account_number", "unknown account")
                continue
            values.append((index, {
                "contract_id": contracts[row.contract_number],
                "code": row.code,
                "name": row.name,
                "address": row.address,
                "account_id": accounts.get(row.account_number),
            }))  # fmt: skip
        orm_upsert(ServicePoint, ("contract_id", "code"), values, outcome)
