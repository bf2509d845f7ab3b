"""The customer's meter pages: the table, adding a reading, correcting it, the history."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from kabinet.core import testing
from kabinet.core.models import Service
from kabinet.customers.models import Role
from kabinet.customers.tests import business_cast
from kabinet.metering.models import Reading

pytestmark = pytest.mark.django_db


def meters_url(account):
    return reverse("metering:meters", args=[account.pk])


def add_url(account, meter):
    return reverse("metering:reading_add", args=[account.pk, meter.pk])


def test_household_sees_the_meters_of_the_chosen_account(
    client, utility, household, gas_meter, power_meter
):
    client.force_login(household.user)
    response = client.get(meters_url(household.gas))
    assert response.status_code == 200
    body = response.content.decode()
    assert "G-0001" in body and "E-0001" not in body
    assert "no-store" in response["Cache-Control"]


def test_add_a_reading_keeps_leading_zeros_and_shows_it_in_the_table(
    client, utility, household, gas_meter
):
    client.force_login(household.user)
    page = client.get(add_url(household.gas, gas_meter)).content.decode()
    assert 'placeholder="00001"' in page
    response = client.post(add_url(household.gas, gas_meter), {"value1": "00001"})
    assert response.status_code == 302 and response["Location"] == meters_url(household.gas)
    reading = Reading.objects.get(meter=gas_meter)
    assert reading.value1 == Decimal(1) and reading.status == Reading.Status.SENT
    table = client.get(meters_url(household.gas)).content.decode()
    assert "00001" in table


def test_a_bad_value_is_explained_next_to_the_field_and_kept(client, utility, household, gas_meter):
    client.force_login(household.user)
    response = client.post(add_url(household.gas, gas_meter), {"value1": "1234567"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="1234567"' in body
    assert Reading.objects.count() == 0


def test_two_zone_meter_takes_day_and_night(client, utility, household, power_meter):
    client.force_login(household.user)
    response = client.post(
        add_url(household.electricity, power_meter), {"value1": "000120", "value2": "000045"}
    )
    assert response.status_code == 302
    reading = Reading.objects.get(meter=power_meter)
    assert (reading.value1, reading.value2) == (Decimal(120), Decimal(45))


def test_a_lower_value_needs_a_rollover_confirmation(client, utility, household, gas_meter):
    client.force_login(household.user)
    client.post(add_url(household.gas, gas_meter), {"value1": "99990"})
    response = client.post(add_url(household.gas, gas_meter), {"value1": "00010"})
    assert response.status_code == 400
    assert 'name="confirm_rollover"' in response.content.decode()
    response = client.post(
        add_url(household.gas, gas_meter), {"value1": "00010", "confirm_rollover": "on"}
    )
    assert response.status_code == 302
    last = Reading.objects.filter(meter=gas_meter).order_by("-id").first()
    assert last is not None
    assert last.rollover and last.consumption == Decimal(20)


def test_not_taken_service_shows_the_operator_instead_of_a_form(
    client, utility, household, gas_meter
):
    utility.readings_not_accepted_services = [Service.GAS]
    utility.dso_url = "https://gas-operator.example.com/"
    utility.save()
    client.force_login(household.user)
    page = client.get(add_url(household.gas, gas_meter)).content.decode()
    assert "https://gas-operator.example.com/" in page and 'name="value1"' not in page
    response = client.post(add_url(household.gas, gas_meter), {"value1": "00001"})
    assert Reading.objects.count() == 0 and response.status_code == 400


def test_edit_within_the_day_then_locked(client, utility, household, gas_meter):
    client.force_login(household.user)
    with freeze_time("2026-03-02 10:00:00+02:00"):
        client.post(add_url(household.gas, gas_meter), {"value1": "00010"})
        reading = Reading.objects.get()
        edit = reverse("metering:reading_edit", args=[household.gas.pk, reading.pk])
        assert client.post(edit, {"value1": "00012"}).status_code == 302
    reading.refresh_from_db()
    assert reading.value1 == Decimal(12) and reading.revisions.count() == 2
    with freeze_time("2026-03-03 10:00:00+02:00"):
        client.force_login(household.user)  # a new session: the old one timed out
        page = client.get(edit).content.decode()
        assert 'class="message error locked"' in page and 'name="value1"' not in page
        client.post(edit, {"value1": "00013"})
        client.post(edit, {"delete": "1"})
    reading.refresh_from_db()
    assert reading.value1 == Decimal(12) and reading.deleted_at is None


def test_delete_within_the_day_keeps_it_in_the_history(client, utility, household, gas_meter):
    client.force_login(household.user)
    client.post(add_url(household.gas, gas_meter), {"value1": "00010"})
    reading = Reading.objects.get()
    edit = reverse("metering:reading_edit", args=[household.gas.pk, reading.pk])
    assert client.post(edit, {"delete": "1"}).status_code == 302
    reading.refresh_from_db()
    assert reading.deleted_at is not None
    assert [r.action for r in reading.revisions.all()] == ["created", "deleted"]
    history = client.get(reverse("metering:meter_history", args=[household.gas.pk, gas_meter.pk]))
    assert history.status_code == 200


def test_the_dashboard_button_opens_the_only_meter_s_form(client, utility, household, gas_meter):
    client.force_login(household.user)
    page = client.get(reverse("customers:dashboard", args=[household.gas.pk])).content.decode()
    button = re.search(r'<a class="button" href="([^"]+)">Передати показання</a>', page)
    assert button is not None
    assert client.get(button.group(1))["Location"] == add_url(household.gas, gas_meter)


def test_company_table_lists_the_organisation_s_meters_and_filters(client, utility, company):
    other_point = testing.make_service_point(contract=company.contract, name="Склад")
    second = testing.make_meter(service_point=other_point, serial="W-SKLAD")
    client.force_login(company.user)
    page = client.get(meters_url(company.account)).content.decode()
    assert company.meter.serial in page and "W-SKLAD" in page
    filtered = client.get(meters_url(company.account), {"point": other_point.pk}).content.decode()
    assert "W-SKLAD" in filtered and company.meter.serial not in filtered
    assert second.pk


def start_url(account):
    return reverse("metering:reading_start", args=[account.pk])


def test_submit_a_reading_opens_the_only_meter_s_form(client, utility, household, gas_meter):
    client.force_login(household.user)
    response = client.get(start_url(household.gas))
    assert response.status_code == 302 and response["Location"] == add_url(household.gas, gas_meter)
    # the electricity account has no meter: the (empty) table
    response = client.get(start_url(household.electricity))
    assert response["Location"] == meters_url(household.electricity)


def test_submit_a_reading_opens_the_table_to_choose_among_several(
    client, utility, household, gas_meter
):
    testing.make_meter(account=household.gas, serial="G-0002")
    client.force_login(household.user)
    response = client.get(start_url(household.gas))
    assert response.status_code == 302 and response["Location"] == meters_url(household.gas)


def test_a_company_s_only_meter_counts_across_the_organisation(client, utility, company):
    client.force_login(company.user)
    assert client.get(start_url(company.account))["Location"] == add_url(
        company.account, company.meter
    )
    point = testing.make_service_point(contract=company.contract, name="Склад")
    testing.make_meter(service_point=point, serial="W-SKLAD")
    assert client.get(start_url(company.account))["Location"] == meters_url(company.account)


@pytest.mark.parametrize("name", ["meters", "history", "add", "edit", "start"])
def test_another_customer_gets_404(client, utility, household, outsider, gas_meter, name):
    client.force_login(household.user)
    client.post(add_url(household.gas, gas_meter), {"value1": "00010"})
    reading = Reading.objects.get()
    urls = {
        "meters": meters_url(household.gas),
        "history": reverse("metering:meter_history", args=[household.gas.pk, gas_meter.pk]),
        "add": add_url(household.gas, gas_meter),
        "edit": reverse("metering:reading_edit", args=[household.gas.pk, reading.pk]),
        "start": start_url(household.gas),
    }
    client.force_login(outsider.user)
    assert client.get(urls[name]).status_code == 404
    assert client.post(urls[name], {"value1": "00020", "delete": "1"}).status_code in (404, 405)
    # and the outsider's own account with the household's meter or reading
    own = outsider.gas.pk
    foreign = {
        "history": reverse("metering:meter_history", args=[own, gas_meter.pk]),
        "add": reverse("metering:reading_add", args=[own, gas_meter.pk]),
        "edit": reverse("metering:reading_edit", args=[own, reading.pk]),
    }
    if name in foreign:
        assert client.get(foreign[name]).status_code == 404
    reading.refresh_from_db()
    assert reading.value1 == Decimal(10) and reading.deleted_at is None


def _count(client, url):
    client.get(url)  # the profile and the announcements are in the shared cache from now on
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_pages_issue_a_fixed_number_of_queries(client, utility, company):
    client.force_login(company.user)
    testing.make_meter(service_point=company.service_point)
    pages = [
        meters_url(company.account),
        add_url(company.account, company.meter),
        reverse("metering:meter_history", args=[company.account.pk, company.meter.pk]),
    ]
    client.post(add_url(company.account, company.meter), {"value1": "00010"})
    reading = Reading.objects.get(meter=company.meter)
    pages.append(reverse("metering:reading_edit", args=[company.account.pk, reading.pk]))
    pages.append(reverse("customers:dashboard", args=[company.account.pk]))
    few = [_count(client, url) for url in pages]
    for _n in range(15):
        point = testing.make_service_point(contract=company.contract)
        meter = testing.make_meter(service_point=point, tariff_zones=2)
        Reading.objects.create(
            meter=meter, taken_on=dt.date(2026, 1, 1), value1=1, value2=2, origin="billing"
        )
    for day in range(1, 20):
        Reading.objects.create(
            meter=company.meter, taken_on=dt.date(2025, 1, day), value1=day, origin="billing"
        )
    assert [_count(client, url) for url in pages] == few


def test_the_history_charts_consumption_from_imported_and_submitted_readings(
    client, utility, household, gas_meter
):
    for month, value in ((1, 100), (2, 130), (3, 170)):
        Reading.objects.create(
            meter=gas_meter,
            taken_on=dt.date(2025, month, 28),
            value1=value,
            origin=Reading.Origin.INSPECTOR,
            status=Reading.Status.ACCEPTED,
        )
    client.force_login(household.user)
    client.post(add_url(household.gas, gas_meter), {"value1": "00190"})
    page = client.get(reverse("metering:meter_history", args=[household.gas.pk, gas_meter.pk]))
    body = page.content.decode()
    assert 'id="meter-chart"' in body
    assert re.search(r'data-month="2" data-amount="30(\.0+)?"', body)
    assert re.search(r'data-month="3" data-amount="40(\.0+)?"', body)
    assert "00190" in body and "00170" in body


def test_the_table_says_when_the_utility_does_not_take_readings(
    client, utility, household, gas_meter
):
    utility.readings_not_accepted_services = [Service.GAS]
    utility.dso_url = "https://gas-operator.example.com/"
    utility.save()
    client.force_login(household.user)
    body = client.get(meters_url(household.gas)).content.decode()
    assert "readings-notice" in body and "https://gas-operator.example.com/" in body
    dashboard = client.get(reverse("customers:dashboard", args=[household.gas.pk]))
    assert add_url(household.gas, gas_meter) not in dashboard.content.decode()


def test_a_remote_meter_offers_no_form_in_the_table(client, utility, household):
    remote = testing.make_meter(account=household.gas, remote_read=True, serial="G-REMOTE")
    client.force_login(household.user)
    body = client.get(meters_url(household.gas)).content.decode()
    assert 'class="remote"' in body and add_url(household.gas, remote) not in body
    page = client.get(add_url(household.gas, remote)).content.decode()
    assert 'class="message error refusal"' in page and 'name="value1"' not in page


@pytest.mark.parametrize(
    ("role", "may_submit"),
    [(Role.VIEW, False), (Role.PAY, False), (Role.READINGS, True), (Role.FULL, True)],
)
def test_a_colleague_submits_readings_only_when_the_company_role_allows(
    client, utility, company, role, may_submit
):
    colleague = business_cast.colleague(company.customer, role)
    client.force_login(colleague)
    assert client.get(meters_url(company.account)).status_code == 200  # every role may look
    form = client.get(add_url(company.account, company.meter))
    posted = client.post(add_url(company.account, company.meter), {"value1": "00001"})
    if may_submit:
        assert form.status_code == 200 and posted.status_code in (200, 302)
    else:
        assert form.status_code == 403 and posted.status_code == 403
        assert not Reading.objects.filter(meter=company.meter, submitted_by=colleague).exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
def test_the_meters_of_an_account_are_found_by_index_not_by_reading_every_meter(household):
    """A LEFT JOIN to service points with an OR made SQLite read every meter of the utility
    (80 ms a dashboard at 100,000 accounts); the scope must search by the meter's indexes."""
    from kabinet.metering import selectors

    for business in (False, True):
        account = None if business else household.gas
        queryset = selectors.meters_for(household.user, account=account)
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
        assert "SCAN metering_meter" not in plan and "SCAN T" not in plan, plan
