"""Meters by serial number, on an account or on a service point of a contract."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pydantic

from kabinet.core.models import Service
from kabinet.customers.models import Account, ServicePoint
from kabinet.metering.models import Meter

from .base import Outcome, Record, RecordType, ids_by, orm_upsert


class MeterRecord(Record):
    serial: str = pydantic.Field(min_length=1, max_length=40)
    service: Service
    digits: int = pydantic.Field(ge=3, le=10)
    decimals: int = pydantic.Field(0, ge=0, le=3)
    tariff_zones: int = pydantic.Field(1, ge=1, le=3)
    place: str = pydantic.Field("", max_length=200)
    account_number: str = pydantic.Field("", max_length=32)
    contract_number: str = pydantic.Field("", max_length=40)
    service_point_code: str = pydantic.Field("", max_length=40)
    remote_read: bool = False
    installed_on: dt.date | None = None
    verification_due: dt.date | None = None

    @pydantic.model_validator(mode="after")
    def _has_owner(self) -> MeterRecord:
        if not self.account_number and not (self.contract_number and self.service_point_code):
            raise ValueError("give account_number, or contract_number and service_point_code")
        return self


class Meters(RecordType):
    name = "meters"
    title = "Meters by serial number"
    schema = MeterRecord

    def key(self, row: Any) -> Any:
        return row.serial

    def upsert(self, rows: list[tuple[int, Any]], outcome: Outcome) -> None:
        accounts = ids_by(Account, "number", {r.account_number for _i, r in rows})
        points = {
            (number, code): pk
            for number, code, pk in ServicePoint.objects.filter(
                contract__number__in={r.contract_number for _i, r in rows},
                code__in={r.service_point_code for _i, r in rows},
            ).values_list("contract__number", "code", "pk")
        }
        values = []
        for index, row in rows:
            point = points.get((row.contract_number, row.service_point_code))
            if row.account_number and row.account_number not in accounts:
                outcome.reject(index, "account_number", "unknown account")
                continue
            if row.service_point_code and point is None:
                outcome.reject(index, "service_point_code", "unknown service point")
                continue
            data = row.model_dump(
                exclude={"account_number", "contract_number", "service_point_code"}
            )
            data["service"] = str(row.service)
            data["account_id"] = accounts.get(row.account_number)
            data["service_point_id"] = point
            values.append((index, data))
        orm_upsert(Meter, ("serial",), values, outcome)
