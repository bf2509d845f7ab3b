"""The address tree, one record per building or apartment: branch → settlement → street →
building → apartment. Accounts reuse `resolve_addresses` to find (or add) their address."""

from __future__ import annotations

from typing import Any

import pydantic

from kabinet.core.models import Apartment, Branch, Building, Settlement, Street

from .base import Outcome, Record, RecordType, ids_by, orm_upsert


class AddressFields(Record):
    branch_code: str = pydantic.Field(max_length=32)
    settlement: str = pydantic.Field(min_length=1, max_length=200)
    street: str = pydantic.Field(min_length=1, max_length=200)
    building: str = pydantic.Field(min_length=1, max_length=20)
    apartment: str = pydantic.Field("", max_length=20)

    def address_key(self) -> tuple[str, str, str, str, str]:
        return (self.branch_code, self.settlement, self.street, self.building, self.apartment)


class AddressRecord(AddressFields):
    branch_name: str = pydantic.Field("", max_length=200)
    branch_phones: str = pydantic.Field("", max_length=300)
    postcode: str = pydantic.Field("", max_length=10)


AddressKey = tuple[str, str, str, str, str]


def resolve_addresses(
    rows: list[tuple[int, Any]], outcome: Outcome, *, postcodes: dict[Any, str] | None = None
) -> dict[AddressKey, tuple[int, int | None]]:
    """{address key: (building id, apartment id)}, adding missing settlements, streets,
    buildings and apartments. A branch must exist (they are few, and set up with care)."""
    branches = ids_by(Branch, "code", {row.branch_code for _i, row in rows})
    scratch = Outcome()  # the tree's own counts are not the records' counts
    good = []
    for index, row in rows:
        if row.branch_code in branches:
            good.append((index, row))
        else:
            outcome.reject(index, "branch_code", "unknown branch; import it with addresses first")
    settlements = orm_upsert(
        Settlement,
        ("branch_id", "name"),
        [(i, {"branch_id": branches[r.branch_code], "name": r.settlement}) for i, r in good],
        scratch,
    )
    sid = {(r.branch_code, r.settlement): settlements[(branches[r.branch_code], r.settlement)].pk
           for _i, r in good}  # fmt: skip
    streets = orm_upsert(
        Street,
        ("settlement_id", "name"),
        [(i, {"settlement_id": sid[(r.branch_code, r.settlement)], "name": r.street})
         for i, r in good],
        scratch,
    )  # fmt: skip

    def street_id(r: Any) -> int:
        return int(streets[(sid[(r.branch_code, r.settlement)], r.street)].pk)

    building_rows = []
    for i, r in good:
        values = {"street_id": street_id(r), "number": r.building}
        if postcodes is not None:
            values["postcode"] = postcodes.get(r.address_key(), "")
        building_rows.append((i, values))
    buildings = orm_upsert(Building, ("street_id", "number"), _distinct(building_rows), scratch)
    result: dict[AddressKey, tuple[int, int | None]] = {}
    apartment_rows = []
    for i, r in good:
        building = buildings[(street_id(r), r.building)]
        result[r.address_key()] = (building.pk, None)
        if r.apartment:
            apartment_rows.append((i, {"building_id": building.pk, "number": r.apartment}))
    apartments = orm_upsert(
        Apartment, ("building_id", "number"), _distinct(apartment_rows), scratch
    )
    for _i, r in good:
        building_pk, _none = result[r.address_key()]
        if r.apartment:
            result[r.address_key()] = (building_pk, apartments[(building_pk, r.apartment)].pk)
    return result


def _distinct(rows: list[tuple[int, dict[str, Any]]]) -> list[tuple[int, dict[str, Any]]]:
    seen: dict[tuple[Any, ...], tuple[int, dict[str, Any]]] = {}
    for index, values in rows:
        seen[tuple(values.values())[:2]] = (index, values)
    return list(seen.values())


class Addresses(RecordType):
    name = "addresses"
    title = "The address tree: one record per building or apartment"
    schema = AddressRecord

    def key(self, row: Any) -> Any:
        return row.address_key()

    def upsert(self, rows: list[tuple[int, Any]], outcome: Outcome) -> None:
        branch_rows = {}
        for index, row in rows:
            if row.branch_name:
                branch_rows[row.branch_code] = (
                    index,
                    {"code": row.branch_code, "name": row.branch_name, "phones": row.branch_phones},
                )
        orm_upsert(Branch, ("code",), branch_rows.values(), Outcome())
        # The record's outcome is its leaf's: the apartment, or the building when it has none.
        before_b = set(
            Building.objects.filter(
                street__settlement__branch__code__in={r.branch_code for _i, r in rows},
                number__in={r.building for _i, r in rows},
            ).values_list("street__settlement__branch__code", "street__settlement__name",
                          "street__name", "number", "postcode")
        )  # fmt: skip
        before_a = set(
            Apartment.objects.filter(
                building__number__in={r.building for _i, r in rows},
                number__in={r.apartment for _i, r in rows if r.apartment},
            ).values_list("building_id", "number")
        )
        known_b = {b[:4]: b[4] for b in before_b}
        postcodes = {r.address_key(): r.postcode for _i, r in rows}
        resolved = resolve_addresses(rows, outcome, postcodes=postcodes)
        for _index, row in rows:
            if row.address_key() not in resolved:
                continue  # rejected: unknown branch
            building_id, _apartment_id = resolved[row.address_key()]
            bkey = row.address_key()[:4]
            new_apartment = row.apartment and (building_id, row.apartment) not in before_a
            if bkey not in known_b or new_apartment:
                outcome.created += 1
            elif known_b[bkey] != row.postcode:
                outcome.updated += 1
            else:
                outcome.unchanged += 1
