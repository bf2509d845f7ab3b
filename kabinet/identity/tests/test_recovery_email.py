"""Password recovery by an e-mailed link (the DRSK and KrasKom guides; SECURITY.md 6, 14)."""

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse

from kabinet.core import testing
from kabinet.identity import recovery_email
from kabinet.identity.models import User

NEW = "Quiet-River-Stone-42"
SITE = "https://lk.drsk.example.ru"


@pytest.fixture
def en(client, settings, utility):
    settings.SITE_URL = SITE
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def person(db):
    return testing.make_user(username="ivanov", email="ivanov@example.ru", phone="+79031234567")


@pytest.fixture
def ask(en, django_capture_on_commit_callbacks):
    def post(identifier, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return en.post(reverse("identity:recovery_email"), {"identifier": identifier, **extra})

    return post


def link_path() -> str:
    match = re.search(r"https?://\S+", str(mail.outbox[-1].body))
    assert match, mail.outbox[-1].body
    link = match.group(0)
    assert link.startswith(SITE + "/recovery/email/")
    return urlsplit(link).path


def set_password(client, path, password=NEW, again=None, capture=None):
    opened = client.get(path)
    assert opened.status_code == 302  # the token leaves the address bar
    assert opened["Referrer-Policy"] == "no-referrer"
    with capture(execute=True):
        return client.post(opened.url, {"password1": password, "password2": again or password})


@pytest.mark.parametrize("identifier", ["ivanov", "ivanov@example.ru", "+7 903 123-45-67"])
def test_a_link_resets_the_password_without_logging_in_and_ends_sessions(
    en, ask, person, identifier, django_capture_on_commit_callbacks
):
    elsewhere = Client()
    elsewhere.post(
        reverse("identity:login"), {"identifier": "ivanov", "password": testing.PASSWORD}
    )
    assert Session.objects.count() == 1

    response = ask(identifier)
    assert response.status_code == 302
    assert response.url == reverse("identity:recovery_email_sent")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ivanov@example.ru"]
    assert "60 minutes" in mail.outbox[0].body

    response = set_password(en, link_path(), capture=django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response.url == reverse("identity:login")
    assert "_auth_user_id" not in en.session  # no automatic login (SECURITY 14)
    user = User.objects.get(pk=person.pk)
    assert user.check_password(NEW)
    assert not Session.objects.exclude(session_key=en.session.session_key).exists()
    assert elsewhere.get(reverse("identity:settings")).status_code == 302  # logged out there
    assert "password was changed" in mail.outbox[-1].subject


def test_the_link_page_sends_no_referrer_and_the_token_leaves_the_address(en, ask, person):
    ask("ivanov")
    path = link_path()
    token = path.rstrip("/").split("/")[-1]
    opened = en.get(path)
    assert opened["Referrer-Policy"] == "no-referrer"
    assert token not in opened.url and opened.url.endswith("/set-password/")
    page = en.get(opened.url)
    assert page.status_code == 200 and token not in page.content.decode()
    assert "password1" in page.context["form"].fields


def test_a_link_works_once(en, ask, person, django_capture_on_commit_callbacks):
    ask("ivanov")
    path = link_path()
    set_password(en, path, capture=django_capture_on_commit_callbacks)
    again = en.get(en.get(path).url)
    assert "This link no longer works" in again.content.decode()
    assert again["Referrer-Policy"] == "no-referrer"


def test_a_link_expires_after_an_hour(en, ask, person, monkeypatch):
    ask("ivanov")
    path = link_path()
    later = datetime.now() + timedelta(seconds=3601)
    monkeypatch.setattr(recovery_email.reset_tokens, "_now", lambda: later)
    page = en.get(en.get(path).url)
    assert "This link no longer works" in page.content.decode()
    assert "form" not in page.context


def test_the_hour_holds_whatever_the_site_wide_timeout(settings):
    settings.PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600
    assert recovery_email.reset_tokens.lifetime() == 3600
    settings.PASSWORD_RESET_TIMEOUT = 900
    assert recovery_email.reset_tokens.lifetime() == 900


def test_a_tampered_link(en, ask, person):
    ask("ivanov")
    path = link_path()
    token = path.rstrip("/").split("/")[-1]
    forged = path.replace(token, token[:-1] + ("0" if token[-1] != "0" else "1"))
    page = en.get(en.get(forged).url)
    assert "This link no longer works" in page.content.decode()


def test_unknown_login_same_page_no_e_mail(ask, en, person):
    known = ask("ivanov")
    mail.outbox.clear()
    unknown = ask("petrov")
    assert unknown.status_code == known.status_code == 302
    assert unknown.url == known.url
    assert mail.outbox == []


def test_no_e_mail_on_file_same_page_nothing_sent(ask):
    testing.make_user(username="sidorov", phone="+79037654321")
    response = ask("sidorov")
    assert response.url == reverse("identity:recovery_email_sent")
    assert mail.outbox == []


def test_an_inactive_user_gets_no_link(ask):
    testing.make_user(username="pending", email="pending@example.ru", is_active=False)
    ask("pending")
    assert mail.outbox == []


def test_a_login_shared_by_two_people_gets_no_link(ask, household):
    testing.make_user(username="neighbour", email="n@example.ru", accounts=[household.gas])
    household.user.email = "olena@example.ru"
    household.user.save()
    ask(household.gas.number)
    assert mail.outbox == []


def test_the_status_select_when_the_profile_asks_for_it(en, ask, utility, company):
    utility.login_status_select = True
    utility.login_by_tax_id = True
    utility.save()
    company.user.email = "office@vodohrai.example.com"
    company.user.save()
    assert "status" in en.get(reverse("identity:recovery_email")).context["form"].fields
    ask(company.customer.edrpou, status="individual")
    assert mail.outbox == []
    ask(company.customer.edrpou, status="company")
    assert len(mail.outbox) == 1


def test_links_per_person_are_limited(ask, person):
    for _ in range(recovery_email.LINKS_PER_USER.limit + 2):
        assert ask("ivanov").url == reverse("identity:recovery_email_sent")
    assert len(mail.outbox) == recovery_email.LINKS_PER_USER.limit


def test_the_new_password_follows_the_policy(en, ask, person, django_capture_on_commit_callbacks):
    ask("ivanov")
    path = link_path()
    response = set_password(en, path, password="short1", capture=django_capture_on_commit_callbacks)
    assert response.status_code == 200 and "password1" in response.context["form"].errors
    response = en.post(response.request["PATH_INFO"], {"password1": NEW, "password2": NEW + "x"})
    assert "password2" in response.context["form"].errors
    assert User.objects.get(pk=person.pk).check_password(testing.PASSWORD)


def test_the_choice_page_offers_the_link_and_the_flow_can_be_off(en, utility):
    assert (
        reverse("identity:recovery_email") in en.get(reverse("identity:recovery")).content.decode()
    )
    utility.recovery_by_email = False
    utility.save()
    assert en.get(reverse("identity:recovery_email")).url == reverse("identity:recovery")
