"""Fixtures of the metering tests: a household's electricity meter (two zones) and gas meter."""

from __future__ import annotations

import pytest

from kabinet.core import testing
from kabinet.metering.models import Meter


@pytest.fixture
def gas_meter(household: testing.Household) -> Meter:
    return testing.make_meter(account=household.gas, digits=5, place="Кухня", serial="G-0001")


@pytest.fixture
def power_meter(household: testing.Household) -> Meter:
    return testing.make_meter(
        account=household.electricity, digits=6, tariff_zones=2, place="Коридор", serial="E-0001"
    )
