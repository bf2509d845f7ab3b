"""The cabinet's first page: the user's own accounts only, a fixed number of queries."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kabinet.core import testing


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response


def test_anonymous_visitors_are_sent_to_log_in(client, utility):
    response = client.get(reverse("customers:cabinet"))
    assert response.status_code == 302 and response.url.startswith(reverse("identity:login"))


def test_empty_cabinet_invites_to_add_an_account(client, utility):
    user = testing.make_user(phone=testing.unique_phone())
    client.force_login(user)
    response = client.get(reverse("customers:cabinet"))
    assert response.context["links"] == []
    assert 'id="start"' in response.content.decode()


def test_shows_only_the_users_accounts(client, household, outsider):
    client.force_login(household.user)
    html = client.get(reverse("customers:cabinet")).content.decode()
    for account in household.accounts:
        assert account.number in html
    for account in outsider.accounts:
        assert account.number not in html


def test_query_count_does_not_grow_with_the_number_of_accounts(client, household):
    client.force_login(household.user)
    url = reverse("customers:cabinet")
    client.get(url)  # the first request of a session does one-off work
    few, _ = queries_for(client, url)
    building = household.accounts[0].building
    for _ in range(20):
        account = testing.make_account(customer=household.customer, address=building)
        testing.link_account(household.user, account)
    many, response = queries_for(client, url)
    assert len(response.context["links"]) == len(household.accounts) + 20
    assert many == few
