"""One permission check for every business action, per role (customers.roles.can)."""

from __future__ import annotations

import pytest

from kabinet.core import testing
from kabinet.customers import roles
from kabinet.customers.models import Role

from .business_cast import colleague

EXPECTED = {
    Role.VIEW: {roles.VIEW},
    Role.READINGS: {roles.VIEW, roles.SUBMIT_READINGS},
    Role.PAY: {roles.VIEW, roles.PAY},
    Role.FULL: {roles.VIEW, roles.SUBMIT_READINGS, roles.PAY, roles.ORDER},
    Role.ADMIN: set(roles.ACTIONS),
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_allows_exactly_its_actions_on_every_kind_of_target(company, role):
    user = colleague(company.customer, role)
    for target in (company.customer, company.contract, company.account, company.service_point):
        allowed = {action for action in roles.ACTIONS if roles.can(user, target, action)}
        assert allowed == EXPECTED[role], (role, target)


def test_the_registrant_without_a_member_row_is_the_administrator(company):
    assert roles.role_of(company.user, company.customer.pk) == Role.ADMIN
    assert roles.can(company.user, company.customer, roles.MANAGE_USERS)


def test_a_view_only_colleague_cannot_submit_or_pay(company):
    viewer = colleague(company.customer, Role.VIEW)
    assert roles.can(viewer, company.account, roles.VIEW)
    assert not roles.can(viewer, company.account, roles.SUBMIT_READINGS)
    assert not roles.can(viewer, company.account, roles.PAY)


def test_nobody_acts_on_another_company(company):
    other = testing.make_company(name="ТОВ «Інша»")
    admin = colleague(other.customer, Role.ADMIN)
    for target in (company.customer, company.contract, company.account, company.service_point):
        assert not any(roles.can(admin, target, action) for action in roles.ACTIONS)


def test_a_household_may_do_all_but_manage_users_on_its_linked_accounts(household, outsider):
    user = household.user
    assert roles.can(user, household.gas, roles.SUBMIT_READINGS)
    assert roles.can(user, household.gas, roles.PAY)
    assert not roles.can(user, household.gas, roles.MANAGE_USERS)
    assert not roles.can(user, outsider.gas, roles.VIEW)


def test_an_account_needs_a_link_even_for_the_companys_user(company):
    unlinked = testing.make_account(customer=company.customer, contract=company.contract)
    assert not roles.can(company.user, unlinked, roles.VIEW)
    assert roles.can(company.user, company.contract, roles.VIEW)


def test_inactive_or_anonymous_users_can_do_nothing(company):
    from django.contrib.auth.models import AnonymousUser

    assert not roles.can(AnonymousUser(), company.account, roles.VIEW)
    company.user.is_active = False
    assert not roles.can(company.user, company.account, roles.VIEW)


def test_an_unknown_action_is_a_programming_error(company):
    with pytest.raises(ValueError):
        roles.can(company.user, company.account, "delete")


@pytest.mark.parametrize(
    ("role", "pay", "submit"),
    [
        (Role.VIEW, False, False),
        (Role.READINGS, False, True),
        (Role.PAY, True, False),
        (Role.FULL, True, True),
        (Role.ADMIN, True, True),
    ],
)
def test_the_dashboard_offers_paying_and_readings_by_role(client, company, role, pay, submit):
    import datetime as dt

    from django.urls import reverse

    from kabinet.core.models import UtilityProfile

    from .business_cast import statement

    UtilityProfile.objects.filter(pk=1).update(payments_enabled=True, readings_enabled=True)
    statement(company.account, dt.date(2026, 10, 1), charged="100")  # a debt to pay
    client.force_login(colleague(company.customer, role))
    response = client.get(reverse("customers:dashboard", args=[company.account.pk]))
    assert (response.context["can_pay"], response.context["can_submit_reading"]) == (pay, submit)


def test_a_household_dashboard_still_offers_both(client, household):
    import datetime as dt

    from django.urls import reverse

    from kabinet.core.models import UtilityProfile

    from .business_cast import statement

    UtilityProfile.objects.filter(pk=1).update(payments_enabled=True, readings_enabled=True)
    statement(household.gas, dt.date(2026, 10, 1), charged="100")
    client.force_login(household.user)
    response = client.get(reverse("customers:dashboard", args=[household.gas.pk]))
    assert response.context["can_pay"] and response.context["can_submit_reading"]
