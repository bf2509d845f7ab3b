"""Adding a personal account by address, naming it and removing it from the list."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kabinet.core import testing
from kabinet.core.models import AuditEvent, LinkFact, Service
from kabinet.customers.accounts import BUSINESS, NOT_FOUND, NOT_FOUND_CHARGE, TOO_MANY
from kabinet.customers.models import Account, AccountLink

ADD = "/cabinet/accounts/add/"


@pytest.fixture
def newcomer(client, utility):
    """A freshly signed-up user with an empty cabinet, logged in, reading English."""
    user = testing.make_user(phone=testing.unique_phone())
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


def address_of(account: Account) -> dict[str, object]:
    street = account.building.street
    return {
        "branch": street.settlement.branch_id,
        "settlement": street.settlement_id,
        "street": street.pk,
        "building": account.building_id,
        "apartment": account.apartment_id or "",
    }


def add(client, account: Account, number: str | None = None, surname: str = "Ков", **address):
    data = {**address_of(account), **address}
    data.update(number=account.number if number is None else number, surname_start=surname)
    return client.post(ADD, data)


def errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


def test_url_and_login(client, utility):
    assert reverse("customers:account_add") == ADD
    assert client.get(ADD).status_code == 302
    assert client.get(reverse("customers:address_options")).status_code == 302


def test_each_step_shows_only_the_children_of_the_previous_choice(client, newcomer, household):
    other = testing.make_address(
        branch="Світловодська філія", settlement="Світловодськ", street="вул. Героїв", building="5"
    )
    here = household.address
    street = here.building.street
    settlement = street.settlement

    page = client.get(ADD)
    steps = {step.name: step for step in page.context["cascade"].steps}
    names = {name for _, name in steps["branch"].options}
    assert names == {"Кременчуцька філія", "Світловодська філія"}
    assert not steps["settlement"].visible
    assert 'class="button secondary js-next"' in page.content.decode()

    page = client.get(ADD, {"branch": settlement.branch_id})
    steps = {step.name: step for step in page.context["cascade"].steps}
    assert [name for _, name in steps["settlement"].options] == ["Кременчук"]
    assert not steps["street"].visible

    page = client.get(ADD, {"branch": settlement.branch_id, "settlement": settlement.pk})
    steps = {step.name: step for step in page.context["cascade"].steps}
    assert [name for _, name in steps["street"].options] == ["вул. Соборна"]

    chosen = {**address_of(household.gas), "apartment": ""}
    page = client.get(ADD, chosen)
    steps = {step.name: step for step in page.context["cascade"].steps}
    assert [name for _, name in steps["apartment"].options] == ["7"]
    assert not page.context["cascade"].complete

    page = client.get(ADD, address_of(household.gas))
    assert page.context["cascade"].complete

    # a settlement of another branch is dropped, with everything after it
    page = client.get(
        ADD, {**address_of(household.gas), "settlement": other.building.street.settlement_id}
    )
    steps = {step.name: step for step in page.context["cascade"].steps}
    assert steps["settlement"].chosen is None and not steps["street"].visible
    assert not page.context["cascade"].complete


def test_a_building_without_apartments_completes_the_address(client, newcomer):
    house = testing.make_building(street="вул. Садова", building="3")
    page = client.get(ADD, {"building": house.pk, **_parents(house)})
    assert page.context["cascade"].complete
    assert not page.context["cascade"].steps[4].visible


def _parents(building) -> dict[str, int]:
    return {
        "branch": building.street.settlement.branch_id,
        "settlement": building.street.settlement_id,
        "street": building.street_id,
    }


def test_the_json_endpoint_returns_only_children(client, newcomer, household):
    testing.make_address(street="вул. Соборна", building="2", apartment="1")
    testing.make_building(street="вул. Київська", building="9")
    url = reverse("customers:address_options")
    street = household.address.building.street
    items = client.get(url, {"level": "street", "id": street.pk}).json()
    assert [item["name"] for item in items] == ["2", "12"]  # natural order
    items = client.get(url, {"level": "building", "id": household.address.building_id}).json()
    assert items == [{"id": household.address.pk, "name": "7"}]
    assert client.get(url, {"level": "apartment", "id": 1}).status_code == 400
    assert client.get(url, {"level": "street"}).status_code == 400
    assert len(client.get(url).json()) == 1  # the branches


def test_adding_an_account_links_it_and_records_the_family_sharing(client, newcomer, household):
    response = add(client, household.gas, surname="кОв")
    link = AccountLink.objects.get(user=newcomer)
    assert link.account == household.gas
    assert response.status_code == 302 and response.url == f"/cabinet/accounts/{household.gas.pk}/"
    event = AuditEvent.objects.get(action="account.link_added")
    assert event.data["shared"] is True and event.account_id == household.gas.pk


def test_an_account_nobody_holds_is_not_shared(client, newcomer, household):
    account = testing.make_account(
        customer=household.customer, service=Service.WATER, address=household.address
    )
    response = add(client, account, number=f" {account.number} ")
    assert response.url == f"/cabinet/accounts/{account.pk}/"
    assert AuditEvent.objects.get(action="account.link_added").data["shared"] is False


def test_wrong_number_address_or_surname_give_the_same_message(client, newcomer, household):
    other = testing.make_address(street="вул. Соборна", building="12", apartment="8")
    attempts = [
        add(client, household.gas, number="0000000000"),
        add(client, household.gas, apartment=other.pk),
        add(client, household.gas, surname="Шев"),
        add(client, household.gas, number=household.gas.number[:-1]),
    ]
    for response in attempts:
        assert response.status_code == 200
        assert errors(response) == [str(NOT_FOUND)]
    assert not AccountLink.objects.filter(user=newcomer).exists()
    assert AuditEvent.objects.filter(action="account.link_failed").count() == 4


def test_attempts_are_rate_limited(client, newcomer, household):
    for _ in range(10):
        assert errors(add(client, household.gas, surname="Шев")) == [str(NOT_FOUND)]
    # now even the right answer is refused, revealing nothing
    assert errors(add(client, household.gas)) == [str(TOO_MANY)]
    assert not AccountLink.objects.filter(user=newcomer).exists()


def test_attempts_are_rate_limited_per_ip_too(client, utility, household):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for _ in range(3):
        client.force_login(testing.make_user(phone=testing.unique_phone()))
        for _ in range(10):
            add(client, household.gas, surname="Шев")
    client.force_login(testing.make_user(phone=testing.unique_phone()))
    assert errors(add(client, household.gas)) == [str(TOO_MANY)]


def test_a_business_account_is_refused(client, newcomer, company):
    response = add(client, company.account, surname="тов")
    assert errors(response) == [str(BUSINESS)]
    assert not AccountLink.objects.filter(user=newcomer).exists()
    assert AuditEvent.objects.filter(action="account.link_refused_business").count() == 1


def test_a_business_account_with_a_wrong_name_gets_the_common_message(client, newcomer, company):
    assert errors(add(client, company.account, surname="Ков")) == [str(NOT_FOUND)]


def test_adding_an_account_twice_makes_no_duplicate(client, household, utility):
    client.force_login(household.user)
    response = add(client, household.gas)
    assert response.url == f"/cabinet/accounts/{household.gas.pk}/"
    assert AccountLink.objects.filter(user=household.user, account=household.gas).count() == 1
    assert not AuditEvent.objects.filter(action="account.link_added").exists()


def test_bad_input_keeps_what_was_typed(client, newcomer, household):
    response = add(client, household.gas, number="55 123", surname="Ко")
    html = response.content.decode()
    assert response.context["form"].errors["surname_start"]
    assert 'value="55 123"' in html and 'value="Ко"' in html
    assert response.context["cascade"].complete  # the address stays chosen
    response = add(client, household.gas, number="", surname="Ков")
    assert response.context["form"].errors["number"]


def test_an_incomplete_address_is_refused(client, newcomer, household):
    response = add(client, household.gas, apartment="")
    assert response.status_code == 200 and errors(response)
    assert 'id="account-final" class="stacked" novalidate>' in response.content.decode()  # shown
    assert not AccountLink.objects.filter(user=newcomer).exists()


def queries_for(client, url, data):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, data)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_add_page_issues_a_fixed_number_of_queries(client, newcomer, household):
    chosen = address_of(household.gas)
    client.get(ADD, chosen)
    few = queries_for(client, ADD, chosen)
    for n in range(30):
        building = testing.make_building(street=f"вул. Нова {n}", building=str(n))
        testing.make_address(street="вул. Соборна", building=f"{n}а", apartment=str(n))
        account = testing.make_account(customer=household.customer, address=building)
        testing.link_account(newcomer, account)
    assert queries_for(client, ADD, chosen) == few


def test_rename_and_remove(client, household, utility):
    client.force_login(household.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    rename = reverse("customers:account_rename", args=[household.gas.pk])
    assert client.get(rename).status_code == 200
    response = client.post(rename, {"nickname": "x" * 61})
    assert response.status_code == 200 and response.context["form"].errors["nickname"]
    response = client.post(rename, {"nickname": "Дача"})
    assert response.url == f"/cabinet/accounts/{household.gas.pk}/"
    assert AccountLink.objects.get(user=household.user, account=household.gas).nickname == "Дача"
    assert AuditEvent.objects.get(action="account.link_renamed").data["new"] == "Дача"

    remove = reverse("customers:account_remove", args=[household.gas.pk])
    page = client.get(remove)
    assert page.status_code == 200 and "Дача" in page.content.decode()
    assert AccountLink.objects.filter(user=household.user, account=household.gas).exists()
    response = client.post(remove)
    assert response.url == reverse("customers:cabinet")
    assert not AccountLink.objects.filter(user=household.user, account=household.gas).exists()
    assert Account.objects.filter(pk=household.gas.pk).exists()  # the account stays
    assert AuditEvent.objects.filter(action="account.link_removed").count() == 1


def test_another_users_account_cannot_be_renamed_or_removed(client, household, outsider):
    client.force_login(outsider.user)
    for name in ("customers:account_rename", "customers:account_remove"):
        url = reverse(name, args=[household.gas.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"nickname": "Моє"}).status_code == 404
    link = AccountLink.objects.get(user=household.user, account=household.gas)
    assert link.nickname == ""


def test_the_empty_cabinet_offers_to_add_an_account(client, newcomer):
    html = client.get(reverse("customers:cabinet")).content.decode()
    assert f'href="{ADD}"' in html


def test_the_json_endpoint_is_rate_limited(client, newcomer, monkeypatch):
    from kabinet.core.ratelimit import Throttle
    from kabinet.customers import accounts

    monkeypatch.setattr(accounts, "OPTIONS_PER_USER", Throttle("test-options", limit=2, window=60))
    url = reverse("customers:address_options")
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]


# --- The profile asks for the last bill's charge instead of the surname ---------------------------


@pytest.fixture
def by_charge(utility):
    utility.account_link_fact = LinkFact.LAST_CHARGE
    utility.save()
    return utility


def add_by_charge(client, account: Account, charge: str, **address):
    data = {**address_of(account), **address, "number": account.number, "last_charge": charge}
    return client.post(ADD, data)


def bill(account: Account, *charges: str) -> None:
    """Statements for consecutive months, the last charge given last."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from kabinet.billing.models import Statement

    for month, charge in enumerate(charges, start=1):
        Statement.objects.create(
            account=account,
            period=dt.date(2025, month, 1),
            charged=Decimal(charge),
            as_of=timezone.now(),
        )


def test_the_form_asks_only_for_the_fact_the_profile_chose(client, newcomer, household, by_charge):
    chosen = {**address_of(household.gas)}
    fields = client.get(ADD, chosen).context["form"].fields
    assert "last_charge" in fields and "surname_start" not in fields
    by_charge.account_link_fact = LinkFact.SURNAME
    by_charge.save()
    fields = client.get(ADD, chosen).context["form"].fields
    assert "surname_start" in fields and "last_charge" not in fields


@pytest.mark.parametrize(
    ("on_bill", "typed"),
    [
        ("412.50", "412,50"),
        ("412.50", "412.5"),
        ("412.50", "412.50 грн"),
        ("4012.50", "4\u00a0012,50"),
        ("4012.50", "4 012,50"),
    ],
)
def test_the_last_charge_links_the_account_as_typed_on_the_bill(
    client, newcomer, household, by_charge, on_bill, typed
):
    bill(household.gas, "380.00", on_bill)
    response = add_by_charge(client, household.gas, typed)
    assert response.status_code == 302, response.context["form"].errors
    assert AccountLink.objects.filter(user=newcomer, account=household.gas).exists()


def test_an_older_charge_or_no_bill_is_refused_with_the_same_message(
    client, newcomer, household, by_charge
):
    bill(household.gas, "380.00", "412.50")
    for response in (
        add_by_charge(client, household.gas, "380,00"),  # an older bill's charge
        add_by_charge(client, household.gas, "412,51"),
        add_by_charge(client, household.electricity, "0"),  # no bill yet: nothing to match
    ):
        assert errors(response) == [str(NOT_FOUND_CHARGE)]
    assert not AccountLink.objects.filter(user=newcomer).exists()
    reasons = set(
        AuditEvent.objects.filter(action="account.link_failed").values_list(
            "data__reason", flat=True
        )
    )
    assert reasons == {"charge"}


@pytest.mark.parametrize("typed", ["", "abc", "12,345", "1e3", "-5"])
def test_a_malformed_amount_is_shown_next_to_the_field_and_kept(
    client, newcomer, household, by_charge, typed
):
    response = add_by_charge(client, household.gas, typed)
    assert response.context["form"].errors["last_charge"]
    if typed:
        assert f'value="{typed}"' in response.content.decode()
    assert not AuditEvent.objects.filter(action="account.link_failed").exists()
