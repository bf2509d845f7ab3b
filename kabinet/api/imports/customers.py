"""Customers by their billing code, with the identifiers sign-up checks compare against."""

from __future__ import annotations

from typing import Annotated, Any

import phonenumbers
import pydantic
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from kabinet.core.identifiers import normalize
from kabinet.customers.models import Customer, CustomerKind

from .base import Outcome, Record, RecordType, orm_upsert


def _identifier(kind: str) -> pydantic.AfterValidator:
    def check(value: str) -> str:
        if not value:
            return value
        try:
            return normalize(kind, value)
        except ValidationError as exc:
            raise ValueError(" ".join(str(m) for m in exc.messages)) from exc

    return pydantic.AfterValidator(check)


def _phone(value: str) -> str:
    if not value:
        return value
    try:
        number = phonenumbers.parse(value, "UA")
    except phonenumbers.NumberParseException as exc:
        raise ValueError("not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _email(value: str) -> str:
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise ValueError("not an e-mail address") from None
    return value


class CustomerRecord(Record):
    code: str = pydantic.Field(min_length=1, max_length=40)
    kind: CustomerKind
    name: str = pydantic.Field(min_length=1, max_length=300)
    edrpou: Annotated[str, _identifier("edrpou")] = ""
    rnokpp: Annotated[str, _identifier("rnokpp")] = ""
    inn: Annotated[str, _identifier("inn")] = ""
    ogrn: Annotated[str, _identifier("ogrn")] = ""
    snils: Annotated[str, _identifier("snils")] = ""
    code_word: str = pydantic.Field("", max_length=100)
    email: Annotated[str, pydantic.AfterValidator(_email)] = ""
    phone: Annotated[str, pydantic.AfterValidator(_phone)] = ""
    postal_address: str = pydantic.Field("", max_length=300)
    iban: str = pydantic.Field("", max_length=34)
    bank_name: str = pydantic.Field("", max_length=200)
    bank_code: str = pydantic.Field("", max_length=11)


class Customers(RecordType):
    name = "customers"
    title = "Customers (households and businesses) by billing code"
    schema = CustomerRecord

    def key(self, row: Any) -> Any:
        return row.code

    def upsert(self, rows: list[tuple[int, Any]], outcome: Outcome) -> None:
        values = []
        for index, row in rows:
            data = row.model_dump()
            data["kind"] = str(data["kind"])
            values.append((index, data))
        orm_upsert(Customer, ("code",), values, outcome)
