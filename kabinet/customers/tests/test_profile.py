"""The profile: the customer's name, masked identifiers and contacts, the accounts' addresses."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kabinet.core import testing
from kabinet.customers.models import Customer

URL = reverse("customers:profile")


def page(client) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client, utility):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("identity:login"))


def test_name_masked_identifiers_contacts_and_addresses(client, utility, household, outsider):
    rnokpp = testing.valid_rnokpp()
    Customer.objects.filter(pk=household.customer.pk).update(
        rnokpp=rnokpp, email="olena@example.com"
    )
    client.force_login(household.user)
    html = page(client)
    assert household.customer.name in html
    assert rnokpp not in html and "•" * 7 + rnokpp[-3:] in html
    assert "+380501112233" not in html and "+38050•••••33" in html
    assert "olena@example.com" in html
    for account in household.accounts:
        assert account.number in html
    assert household.gas.address_line() in html
    assert reverse("identity:settings") in html
    for account in outsider.accounts:
        assert account.number not in html
    assert outsider.customer.name not in html


def test_a_user_without_a_customer_sees_their_own_name_and_identifiers(client, utility):
    tax_id = testing.valid_rnokpp()
    user = testing.make_user(
        phone=testing.unique_phone(), first_name="Ірина", last_name="Бондар", tax_id=tax_id
    )
    client.force_login(user)
    html = page(client)
    assert "Ірина Бондар" in html
    assert tax_id not in html and tax_id[-3:] in html
    assert "You have not added any accounts yet." in html


def test_query_count_does_not_grow_with_the_number_of_accounts(client, utility, household):
    client.force_login(household.user)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        page(client)
    for n in range(28):
        address = testing.make_address(street="вул. Нова", building=str(n + 1), apartment="1")
        account = testing.make_account(customer=household.customer, address=address)
        testing.link_account(household.user, account)
    with CaptureQueriesContext(connection) as many:
        html = page(client)
    assert html.count("вул. Нова") >= 28
    assert len(many.captured_queries) == len(few.captured_queries)
