"""The Contacts page: address, phones per branch, hours, the message form or a login prompt,
and the notice when the utility does not take meter readings."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kabinet.core import testing
from kabinet.core.models import Branch, Service

URL = reverse("core:contacts")


def page(client) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def test_address_phones_per_branch_hours_and_lunch_break(client, utility):
    Branch.objects.update_or_create(
        code="hadiach", defaults={"name": "Гадяцька філія", "phones": "(067) 505-63-12"}
    )
    html = page(client)
    assert utility.address in html
    assert "0536 70 12 12" in html and "0 800 30 12 12" in html
    assert "Гадяцька філія: (067) 505-63-12" in html
    assert "Opening hours" in html and utility.opening_hours in html
    assert "Lunch break" in html and utility.lunch_break in html


def test_anonymous_visitors_see_a_login_prompt_and_the_guest_form(client, utility):
    html = page(client)
    assert "Log in to send a message" in html
    assert 'name="text"' in html and 'name="captcha_1"' in html
    assert 'name="attachment"' not in html and 'name="account"' not in html
    response = client.post(URL, {"topic": "other", "text": "Anonymous message text"})
    assert response.status_code == 200  # no captcha, no contact: the form with its errors
    assert "Anonymous message text" in response.content.decode()


def test_logged_in_customers_see_the_form_with_their_accounts(client, utility, household):
    client.force_login(household.user)
    html = page(client)
    assert 'name="topic"' in html and 'name="text"' in html and 'name="attachment"' in html
    assert 'enctype="multipart/form-data"' in html
    assert household.gas.number in html
    assert reverse("appeals:list") in html


def test_no_form_when_appeals_are_switched_off(client, household):
    testing.make_utility(appeals_enabled=False)
    client.force_login(household.user)
    html = page(client)
    assert 'name="text"' not in html and "Log in to send a message" not in html


def test_no_readings_notice_when_the_utility_takes_readings(client, utility):
    assert "Please do NOT send us meter readings" not in page(client)


def test_readings_notice_with_the_distribution_operators_site(client, db):
    testing.make_utility(readings_enabled=False, dso_url="https://grm.example.com/readings")
    html = page(client)
    assert "Please do NOT send us meter readings" in html
    assert 'href="https://grm.example.com/readings"' in html


def test_readings_notice_for_one_service(client, db):
    testing.make_utility(readings_not_accepted_services=[Service.GAS])
    assert "Please do NOT send us meter readings" in page(client)


def test_readings_notice_include_depends_on_the_accounts_service(household):
    from django.template.loader import render_to_string

    profile = testing.make_utility(
        readings_not_accepted_services=[Service.GAS], dso_url="https://grm.example.com/"
    )
    notice = "customers/_readings_notice.html"
    gas = render_to_string(notice, {"account": household.gas, "utility": profile})
    power = render_to_string(notice, {"account": household.electricity, "utility": profile})
    assert "https://grm.example.com/" in gas
    assert "grm.example.com" not in power


def test_query_count_does_not_grow_with_the_number_of_branches(client, household):
    testing.make_utility()
    client.force_login(household.user)
    Branch.objects.create(code="b0", name="Філія 0", phones="0 800 00 00 00")
    client.get(URL)
    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    for n in range(1, 20):
        Branch.objects.create(code=f"b{n}", name=f"Філія {n}", phones=f"0 800 00 00 {n:02d}")
    with CaptureQueriesContext(connection) as many:
        html = client.get(URL).content.decode()
    assert "Філія 19" in html
    assert len(many.captured_queries) == len(one.captured_queries)
