"""Colleagues: the administrator invites by e-mail or phone with a role, changes roles and
removes colleagues; the colleague accepts with their own login; who did what is shown."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from kabinet.core import testing
from kabinet.core.models import AuditEvent
from kabinet.customers.models import AccountLink, CompanyMember, Invitation, Role
from kabinet.notify.models import OutboxMessage

from .business_cast import colleague

PASSWORD = "Quiet-River-Stone-42"
ACCEPT = reverse("customers:invitation_accept")


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def sent_link(text: str) -> str:
    match = re.search(r"https?://\S+/cabinet/invitations/[^/\s]+/", text)
    assert match, text
    return match.group(0).removeprefix(settings.SITE_URL)


def invite(client, **data) -> str:
    response = client.post(reverse("customers:company_users"), data)
    assert response.status_code == 302, response.content.decode()
    message = OutboxMessage.objects.order_by("-id").first()
    assert message is not None
    return sent_link(message.text)


def test_administrator_invites_by_e_mail_and_the_colleague_joins_with_own_login(english, company):
    english.force_login(company.user)
    path = invite(english, email="buh@vodohrai.example.com", role=Role.READINGS)
    assert OutboxMessage.objects.get().recipient == "buh@vodohrai.example.com"
    english.logout()
    opened = english.get(path)
    assert opened.status_code == 302 and opened.url == ACCEPT
    assert opened["Referrer-Policy"] == "no-referrer"
    page = english.get(ACCEPT)
    assert page.status_code == 200 and company.customer.name in page.content.decode()
    response = english.post(
        ACCEPT, {"username": "buhgalter", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302 and response.url == reverse("customers:contracts")
    member = CompanyMember.objects.get(user__username="buhgalter")
    assert member.role == Role.READINGS and member.customer == company.customer
    assert member.user.email == "buh@vodohrai.example.com"
    assert AccountLink.objects.filter(user=member.user, account=company.account).exists()
    # logged in: the contracts open
    assert english.get(reverse("customers:contracts")).status_code == 200
    # the link works once
    english.logout()
    assert english.get(path).status_code == 404


def test_invitation_by_phone_goes_by_sms(client, company):
    client.force_login(company.user)
    response = client.post(
        reverse("customers:company_users"), {"phone": "050 765 43 21", "role": Role.VIEW}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.phone == "+380507654321"
    message = OutboxMessage.objects.get(recipient="+380507654321")
    assert "/cabinet/invitations/" in message.text


def test_an_invitation_needs_an_e_mail_or_a_phone_and_keeps_what_was_typed(english, company):
    english.force_login(company.user)
    response = english.post(reverse("customers:company_users"), {"phone": "12", "role": Role.PAY})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Enter the phone with its code" in text and 'value="12"' in text
    response = english.post(reverse("customers:company_users"), {"role": Role.PAY})
    assert "Enter the colleague's e-mail or mobile phone." in html.unescape(
        response.content.decode()
    )
    assert not Invitation.objects.exists()


def test_a_logged_in_person_without_a_company_joins_with_their_login(client, company):
    client.force_login(company.user)
    path = invite(client, email="ops@vodohrai.example.com", role=Role.PAY)
    person = testing.make_user(username="ops")
    client.force_login(person)
    client.get(path)
    assert client.post(ACCEPT).status_code == 302
    person.refresh_from_db()
    assert person.customer == company.customer
    assert CompanyMember.objects.get(user=person).role == Role.PAY


def test_a_user_of_another_company_cannot_accept(client, company):
    client.force_login(company.user)
    path = invite(client, email="x@vodohrai.example.com", role=Role.FULL)
    other = testing.make_company(name="ТОВ «Інша»")
    client.force_login(other.user)
    client.get(path)
    client.post(ACCEPT)
    other.user.refresh_from_db()
    assert other.user.customer == other.customer
    assert not CompanyMember.objects.exists()


def test_administrator_changes_a_role_and_removes_a_colleague(client, company):
    user = colleague(company.customer, Role.VIEW, username="viewer")
    member = CompanyMember.objects.get(user=user)
    client.force_login(company.user)
    url = reverse("customers:company_user_role", args=[member.pk])
    assert client.post(url, {"role": Role.PAY}).status_code == 302
    member.refresh_from_db()
    assert member.role == Role.PAY
    assert (
        client.post(reverse("customers:company_user_remove", args=[member.pk])).status_code == 302
    )
    user.refresh_from_db()
    assert user.customer is None and not CompanyMember.objects.filter(pk=member.pk).exists()
    assert not AccountLink.objects.filter(user=user).exists()
    client.force_login(user)
    assert client.get(reverse("customers:contracts")).status_code == 404


@pytest.mark.parametrize("role", [Role.VIEW, Role.READINGS, Role.PAY, Role.FULL])
def test_only_administrators_manage_colleagues(client, company, role):
    user = colleague(company.customer, role)
    other = colleague(company.customer, Role.VIEW)
    member = CompanyMember.objects.get(user=other)
    client.force_login(user)
    assert client.get(reverse("customers:company_users")).status_code == 404
    assert client.get(reverse("customers:company_activity")).status_code == 404
    url = reverse("customers:company_user_role", args=[member.pk])
    assert client.post(url, {"role": Role.ADMIN}).status_code == 404
    assert (
        client.post(reverse("customers:company_user_remove", args=[member.pk])).status_code == 404
    )
    member.refresh_from_db()
    assert member.role == Role.VIEW


def test_another_companys_colleagues_and_invitations_are_not_found(client, company):
    other = testing.make_company(name="ТОВ «Інша»")
    member = CompanyMember.objects.get(user=colleague(other.customer, Role.VIEW))
    client.force_login(other.user)
    invite(client, email="z@insha.example.com", role=Role.VIEW)
    invitation = Invitation.objects.get()
    client.force_login(company.user)
    for url in (
        reverse("customers:company_user_role", args=[member.pk]),
        reverse("customers:company_user_remove", args=[member.pk]),
        reverse("customers:invitation_withdraw", args=[invitation.pk]),
    ):
        assert client.post(url, {"role": Role.ADMIN}).status_code == 404
    page = client.get(reverse("customers:company_users")).content.decode()
    assert member.user.username not in page and "z@insha.example.com" not in page


def test_a_withdrawn_invitation_no_longer_works(client, company):
    client.force_login(company.user)
    path = invite(client, email="late@vodohrai.example.com", role=Role.VIEW)
    invitation = Invitation.objects.get()
    client.post(reverse("customers:invitation_withdraw", args=[invitation.pk]))
    client.logout()
    assert client.get(path).status_code == 404


def test_every_action_shows_who_did_it(english, company):
    english.force_login(company.user)
    invite(english, email="who@vodohrai.example.com", role=Role.VIEW)
    event = AuditEvent.objects.get(action="company.invited")
    assert event.customer_id == company.customer.pk
    page = english.get(reverse("customers:company_activity")).content.decode()
    assert "Invited a colleague" in page and company.user.username in page
    users = english.get(reverse("customers:company_users")).content.decode()
    assert "who@vodohrai.example.com" in users


def test_the_colleagues_page_issues_the_same_queries_for_1_and_30_colleagues(client, company):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(company.user)
    url = reverse("customers:company_users")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _n in range(30):
        colleague(company.customer, Role.VIEW)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_an_invited_phone_that_already_has_a_login_is_asked_to_log_in(english, company):
    testing.make_user(username="owner", phone="+380507654321")
    english.force_login(company.user)
    english.post(reverse("customers:company_users"), {"phone": "+380507654321", "role": "view"})
    path = sent_link(OutboxMessage.objects.get(recipient="+380507654321").text)
    english.logout()  # which forgets the cookies too
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english.get(path)
    response = english.post(
        ACCEPT, {"username": "newlogin", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 200
    assert "This phone already has a login." in response.content.decode()
    assert 'value="newlogin"' in response.content.decode()
    assert not CompanyMember.objects.exists()


def test_invitations_are_limited_per_company(english, company):
    from kabinet.customers.company_users import INVITATIONS_PER_CUSTOMER

    english.force_login(company.user)
    for n in range(INVITATIONS_PER_CUSTOMER.limit):
        invite(english, email=f"c{n}@vodohrai.example.com", role=Role.VIEW)
    response = english.post(
        reverse("customers:company_users"),
        {"email": "one-more@vodohrai.example.com", "role": "view"},
    )
    assert response.status_code == 200
    assert "Too many attempts, try again later." in response.content.decode()
    assert Invitation.objects.count() == INVITATIONS_PER_CUSTOMER.limit


def test_accounts_billing_adds_later_reach_everyone_acting_for_the_company(company):
    from kabinet.customers.services import company_accounts_link

    mate = colleague(company.customer, Role.VIEW)
    new = testing.make_account(customer=company.customer, contract=company.contract)
    assert company_accounts_link(customer_ids=[company.customer.pk]) == 2
    assert company_accounts_link(customer_ids=[company.customer.pk]) == 0  # idempotent
    for user in (company.user, mate):
        assert AccountLink.objects.filter(user=user, account=new).count() == 1
    outsider = testing.make_household()
    assert not AccountLink.objects.filter(user=outsider.user, account=new).exists()


def test_the_accept_page_needs_a_valid_link_opened_first(client, company):
    assert client.get(ACCEPT).status_code == 404
    client.force_login(company.user)
    path = invite(client, email="late@vodohrai.example.com", role=Role.VIEW)
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    client.logout()
    assert client.get(path).status_code == 404
    assert client.post(ACCEPT, {"username": "late"}).status_code == 404
