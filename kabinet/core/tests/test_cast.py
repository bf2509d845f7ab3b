"""The shared test cast is what the other tests assume it is."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.staticfiles.storage import StaticFilesStorage, staticfiles_storage
from django.core.exceptions import ValidationError
from django.core.files.storage import storages

from kabinet.core.identifiers import normalize
from kabinet.core.models import Service, UtilityProfile
from kabinet.core.testing import (
    PASSWORD,
    Company,
    Household,
    make_company,
    make_customer,
    make_household,
    valid_edrpou,
    valid_inn,
    valid_ogrn,
    valid_rnokpp,
    valid_snils,
)
from kabinet.customers.models import Account, CustomerKind
from kabinet.identity.models import User

pytestmark = pytest.mark.django_db


def test_test_settings() -> None:
    # Static files work without collectstatic; tasks run inside the test.
    assert type(storages["staticfiles"]) is StaticFilesStorage
    assert staticfiles_storage.url("core/kabinet.css") == "/static/core/kabinet.css"
    assert str(settings.TASKS["default"]["BACKEND"]).endswith("ImmediateBackend")


def test_household(household: Household) -> None:
    customer = household.customer
    assert customer.kind == CustomerKind.INDIVIDUAL
    assert normalize("rnokpp", customer.rnokpp) == customer.rnokpp
    assert {a.service for a in household.accounts} == {Service.GAS, Service.ELECTRICITY}
    assert all(a.apartment == household.address for a in household.accounts)
    user = household.user
    assert user.phone == "+380501112233"
    assert user.customer == customer
    assert set(Account.objects.filter(links__user=user)) == set(household.accounts)
    assert authenticate(username=user.username, password=PASSWORD) == user


def test_company(company: Company) -> None:
    assert company.customer.kind == CustomerKind.COMPANY
    assert normalize("edrpou", company.customer.edrpou) == company.customer.edrpou
    assert company.contract.title == "Вода і стоки"
    assert company.contract.customer == company.customer
    assert company.service_point.contract == company.contract
    assert company.meter.service_point == company.service_point
    assert company.meter.digits == 5
    assert set(Account.objects.filter(links__user=company.user)) == {company.account}
    assert company.user.customer == company.customer


def test_outsider_is_unrelated(household: Household, outsider: Household) -> None:
    assert outsider.customer != household.customer
    assert outsider.user != household.user
    assert outsider.address != household.address
    assert not set(outsider.accounts) & set(household.accounts)
    assert not Account.objects.filter(links__user=outsider.user, customer=household.customer)
    # Neighbours: the same settlement, another street
    here, there = household.address.building.street, outsider.address.building.street
    assert here.settlement == there.settlement and here != there


def test_staff(staff: User) -> None:
    assert staff.is_staff and not staff.is_superuser
    assert staff.customer is None


def test_utility(utility: UtilityProfile) -> None:
    assert UtilityProfile.get() == utility
    assert len(utility.phone_lines()) == 2


def test_generated_identifiers_are_valid() -> None:
    for n in (0, 1, 42, 9_999_999):
        assert normalize("edrpou", valid_edrpou(n))
        assert normalize("rnokpp", valid_rnokpp(n))
        assert normalize("inn", valid_inn(n))
        assert normalize("inn", valid_inn(n, person=True))
        assert normalize("ogrn", valid_ogrn(n))
        assert normalize("snils", valid_snils(n))


def test_make_customer_validates() -> None:
    with pytest.raises(ValidationError):
        make_customer(edrpou="32855968", kind=CustomerKind.COMPANY)


def test_builders_make_as_many_as_a_test_needs() -> None:
    first, second = make_household(), make_household()
    assert first.user.phone != second.user.phone
    assert first.address == second.address  # same names, same apartment: flatmates
    assert make_company().customer.edrpou != make_company().customer.edrpou
