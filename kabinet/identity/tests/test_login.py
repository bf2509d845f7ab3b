"""One login form for every identifier; guessing limits; no user enumeration (SECURITY 5-6)."""

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import reverse

from kabinet.core import testing
from kabinet.identity.models import User, UserSession

PASSWORD = testing.PASSWORD


@pytest.fixture
def login(client, utility, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def submit(identifier, password=PASSWORD, **extra):
        return client.post(
            reverse("identity:login"), {"identifier": identifier, "password": password, **extra}
        )

    return submit


def enable(utility, **switches):
    for name, value in switches.items():
        setattr(utility, name, value)
    utility.save()


def test_login_by_phone_in_any_usual_writing(login, household):
    for written in ("+380501112233", "0501112233", "(050) 111-22-33"):
        response = login(written)
        assert response.status_code == 302, written
        assert response.url == reverse("customers:cabinet")


def test_login_by_account_number_email_username_tax_id_and_snils(login, household, utility):
    enable(utility, login_by_tax_id=True, login_by_snils=True)
    user = household.user
    user.email = "olena@example.com"
    user.save()
    customer = household.customer
    customer.snils = testing.valid_snils()
    customer.save()
    account = household.accounts[0].number
    for identifier in (
        account,
        "OLENA@example.com",
        user.username,
        customer.rnokpp,
        customer.snils,
    ):
        response = login(identifier)
        assert response.status_code == 302, identifier


def test_disabled_methods_do_not_log_in(login, household, utility):
    enable(utility, login_by_phone=False, login_by_username=False)
    assert login(household.user.phone).status_code == 200


def test_a_shared_account_number_is_resolved_by_the_password(login, household, utility):
    relative = testing.make_user(phone="+380671110000", username="relative")
    relative.password = make_password("Another-Relative-Pass-1")
    relative.save()
    testing.link_account(relative, household.accounts[0])
    number = household.accounts[0].number
    assert login(number).status_code == 302
    assert login(number, password="Another-Relative-Pass-1").status_code == 302
    relative.password = household.user.password  # same password: ask for another identifier
    relative.save()
    response = login(number)
    assert response.status_code == 200
    assert "Several users" in " ".join(response.context["form"].errors["identifier"])


def test_status_select_restricts_individuals_and_companies(login, household, company, utility):
    enable(utility, login_status_select=True, login_by_tax_id=True)
    assert login(company.customer.edrpou, status="company").status_code == 302
    assert login(company.customer.edrpou, status="individual").status_code == 200
    assert login(household.customer.rnokpp, status="individual").status_code == 302


def test_wrong_password_and_unknown_login_answer_the_same(login, household):
    known = login(household.user.phone, password="Wrong-Password-123")
    unknown = login("+380939999999", password="Wrong-Password-123")
    assert known.status_code == unknown.status_code == 200
    assert known.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()


def test_unknown_users_cost_a_password_hash_too(login, utility, monkeypatch):
    from kabinet.identity import backends

    calls: list[str] = []
    real = backends.make_password

    def counting(password: str) -> str:
        calls.append(password)
        return real(password)

    monkeypatch.setattr(backends, "make_password", counting)
    login("nobody-at-all")
    assert calls


def test_guessing_is_delayed_after_five_failures_for_every_identifier(login, household):
    user = household.user
    for _ in range(5):
        assert "not right" in str(login(user.phone, password="Wrong-Password-1").content)
    # the sixth failure starts a delay; it holds for the account's other identifiers too
    login(user.phone, password="Wrong-Password-1")
    response = login(household.accounts[0].number)  # right password, but must wait
    assert response.status_code == 200
    assert "Too many attempts" in response.content.decode()


def test_unknown_logins_get_the_same_delays(login, utility):
    for _ in range(6):
        login("+380939999999", password="Wrong-Password-1")
    assert "Too many attempts" in login("+380939999999").content.decode()


def test_success_resets_the_counter(login, household):
    for _ in range(4):
        login(household.user.phone, password="Wrong-Password-1")
    assert login(household.user.phone).status_code == 302
    for _ in range(4):
        login(household.user.phone, password="Wrong-Password-1")
    assert login(household.user.phone).status_code == 302


def test_login_rotates_the_session_key_and_records_the_session(client, login, household):
    client.get(reverse("identity:login"))
    before = client.session.session_key
    login(household.user.phone)
    assert client.session.session_key != before
    record = UserSession.objects.get(user=household.user)
    assert record.session_key == client.session.session_key


def test_logout_kills_the_session_on_the_server(client, login, household):
    from django.contrib.sessions.models import Session

    login(household.user.phone)
    key = client.session.session_key
    client.post(reverse("identity:logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("identity:settings")).status_code == 302


def test_logout_is_post_only(client, login, household):
    login(household.user.phone)
    assert client.get(reverse("identity:logout")).status_code == 405


def test_absolute_session_timeout(client, login, household, settings):
    login(household.user.phone)
    session = client.session
    session["kabinet_started"] -= settings.SESSION_ABSOLUTE_SECONDS + 1
    session.save()
    response = client.get(reverse("customers:cabinet"))
    assert response.status_code == 302 and response.url == reverse("identity:login")


def test_next_is_kept_but_never_leaves_the_site(client, login, household):
    response = login(household.user.phone, next="https://evil.example.com/")
    assert response.url == reverse("customers:cabinet")
    response = login(household.user.phone, next="/settings/")
    assert response.url == "/settings/"


def test_inactive_users_cannot_log_in(login, household):
    User.objects.filter(pk=household.user.pk).update(is_active=False)
    assert login(household.user.phone).status_code == 200


def test_idle_timeout_moves_forward_at_most_once_a_minute(client, login, household):
    from django.contrib.sessions.models import Session

    login(household.user.phone)
    key = client.session.session_key
    first = Session.objects.get(session_key=key).expire_date
    client.get(reverse("identity:settings"))
    assert Session.objects.get(session_key=key).expire_date == first  # no write this minute
    session = client.session
    session["kabinet_seen"] -= 61
    session.save()
    saved = Session.objects.get(session_key=key).expire_date
    client.get(reverse("identity:settings"))
    assert Session.objects.get(session_key=key).expire_date > saved  # a minute on: refreshed


def test_an_idle_session_ends(client, login, household):
    """Whatever the session engine (database, or cache in front of it with Redis)."""
    import time

    login(household.user.phone)
    session = client.session
    session.set_expiry(1)  # as if SESSION_COOKIE_AGE had passed without a request
    session.save()
    time.sleep(1.2)
    response = client.get(reverse("identity:settings"))
    assert response.status_code == 302 and response.url.startswith(reverse("identity:login"))
