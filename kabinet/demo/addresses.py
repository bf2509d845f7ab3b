"""The demo address tree: branches, settlements and streets up front, buildings as people move in.

Buildings and apartments are made on demand (bulk rows), so the tree holds exactly the houses
and flats that have accounts, and its size follows the number of accounts asked for.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from kabinet.core.models import Apartment, Branch, Building, Settlement, Street
from kabinet.demo import names
from kabinet.demo.bulk import BulkWriter

BLOCK_SIZES = (36, 45, 60, 80, 108, 144)


@dataclass(slots=True)
class StreetCursor:
    id: int
    name: str
    next_number: int = 1


@dataclass(slots=True)
class Block:
    """The apartment block new flats are taken from."""

    building_id: int
    text: str
    flats: int
    next_flat: int = 1


@dataclass(slots=True)
class Place:
    id: int
    name: str
    postcode: str
    town: bool
    branch_code: str
    branch_digit: int
    streets: list[StreetCursor] = field(default_factory=list)
    block: Block | None = None

    def street(self, name: str) -> StreetCursor:
        return next(s for s in self.streets if s.name == name)


@dataclass(frozen=True, slots=True)
class Address:
    building_id: int
    apartment_id: int | None
    text: str
    place: Place


class AddressBook:
    def __init__(self, *, rng: random.Random, writer: BulkWriter, accounts: int) -> None:
        self.rng = rng
        self.writer = writer
        self.buildings = writer.table(Building, ["id", "street", "number", "postcode"])
        self.apartments = writer.table(Apartment, ["id", "building", "number"])
        self.next_building = writer.next_id(Building)
        self.next_apartment = writer.next_id(Apartment)
        self.places = self._tree(accounts)
        self.by_branch: dict[str, list[Place]] = {}
        for place in self.places:
            self.by_branch.setdefault(place.branch_code, []).append(place)
        self.branch_codes = [b[0] for b in names.BRANCHES]
        self.branch_weights = [b[4] for b in names.BRANCHES]

    def _tree(self, accounts: int) -> list[Place]:
        """Branches, settlements and streets through the ORM: a few hundred rows at most."""
        town_streets = max(4, min(len(names.TOWN_STREETS), accounts // 120))
        village_streets = max(2, min(len(names.VILLAGE_STREETS), accounts // 2000))
        places = []
        for code, name, digit, phones, _weight in names.BRANCHES:
            branch = Branch.objects.create(code=code, name=name, phones=phones)
            for settlement_name, postcode, town in names.SETTLEMENTS[code]:
                settlement = Settlement.objects.create(branch=branch, name=settlement_name)
                pool = names.TOWN_STREETS[:town_streets] if town else names.VILLAGE_STREETS
                count = town_streets if town else village_streets
                streets = Street.objects.bulk_create(
                    [Street(settlement=settlement, name=street) for street in pool[:count]]
                )
                place = Place(settlement.pk, settlement_name, postcode, town, code, digit)
                place.streets = [StreetCursor(s.pk, s.name) for s in streets]
                places.append(place)
        return places

    # --- choosing where -----------------------------------------------------------------------

    def pick(self, *, town: bool | None = None, branch: str | None = None) -> Place:
        rng = self.rng
        code = branch or rng.choices(self.branch_codes, self.branch_weights)[0]
        places = self.by_branch[code]
        if town is None:
            town = rng.random() < 0.75
        if town:
            return places[0]
        return rng.choice(places[1:])

    def find(self, settlement: str) -> Place:
        return next(p for p in self.places if p.name == settlement)

    # --- making buildings and flats -------------------------------------------------------------

    def _building(self, place: Place, street: StreetCursor | None) -> tuple[int, str]:
        rng = self.rng
        street = street or rng.choice(place.streets)
        number = str(street.next_number)
        street.next_number += 1 if rng.random() < 0.8 else 2
        if rng.random() < 0.04:
            number += "\u0410"  # Cyrillic A, as house numbers are written
        postcode = place.postcode
        if place.town:
            postcode = f"{int(postcode) + rng.randrange(12):05d}"
        building_id = self.next_building
        self.next_building += 1
        self.writer.add(self.buildings, (building_id, street.id, number, postcode))
        return building_id, f"{place.name}, {street.name}, {number}"

    def house(self, place: Place, *, street: str | None = None) -> Address:
        """A private house (or a business's premises): a building without apartments."""
        cursor = place.street(street) if street else None
        building_id, text = self._building(place, cursor)
        return Address(building_id, None, text, place)

    def flat(self, place: Place) -> Address:
        """The next flat of the town's current apartment block (a new block when it is full)."""
        if not place.town:
            return self.house(place)
        block = place.block
        if block is None or block.next_flat > block.flats:
            building_id, text = self._building(place, None)
            block = Block(building_id, text, self.rng.choice(BLOCK_SIZES))
            place.block = block
        number = str(block.next_flat)
        block.next_flat += 1
        apartment_id = self.next_apartment
        self.next_apartment += 1
        self.writer.add(self.apartments, (apartment_id, block.building_id, number))
        return Address(block.building_id, apartment_id, f"{block.text}, кв. {number}", place)
