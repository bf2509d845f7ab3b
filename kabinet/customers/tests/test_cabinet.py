"""The cabinet's first page: the user's own accounts only, a fixed number of queries."""

from django.urls import reverse

from kabinet.core import testing


def test_anonymous_visitors_are_sent_to_log_in(client, utility):
    response = client.get(reverse("customers:cabinet"))
    assert response.status_code == 302 and response.url.startswith(reverse("identity:login"))


def test_empty_cabinet_invites_to_add_an_account(client, utility):
    user = testing.make_user(phone=testing.unique_phone())
    client.force_login(user)
    response = client.get(reverse("customers:cabinet"))
    assert response.context["links"] == []
    assert 'id="start"' in response.content.decode()


def test_with_accounts_it_opens_the_first_accounts_dashboard(client, household):
    client.force_login(household.user)
    response = client.get(reverse("customers:cabinet"))
    first = household.accounts[0]
    assert response.status_code == 302
    assert response.url == reverse("customers:dashboard", args=[first.pk])
