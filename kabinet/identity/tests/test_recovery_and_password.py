"""Recovery by SMS code (Kremenchukgaz, DTEK), password change, the forced first password."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from kabinet.core import testing
from kabinet.identity.models import User
from kabinet.notify.models import OutboxMessage
from kabinet.notify.transports.fake import FakeSms

from .conftest import last_code

NEW = "Quiet-River-Stone-42"


@pytest.fixture
def en(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def start_recovery(client, phone, password=NEW, capture=None):
    with capture(execute=True):
        return client.post(
            reverse("identity:recovery_sms"),
            {"phone": phone, "password1": password, "password2": password},
        )


def test_recovery_by_sms_sets_the_new_password_without_logging_in(
    en, household, django_capture_on_commit_callbacks
):
    phone = household.user.phone
    response = start_recovery(en, phone, capture=django_capture_on_commit_callbacks)
    assert response.url == reverse("identity:recovery_sms_confirm")
    response = en.post(reverse("identity:recovery_sms_confirm"), {"code": last_code(phone)})
    assert response.url == reverse("identity:login")
    assert "_auth_user_id" not in en.session  # no automatic login (SECURITY 14)
    user = User.objects.get(pk=household.user.pk)
    assert user.check_password(NEW) and not user.check_password(testing.PASSWORD)


def test_unknown_phone_gets_the_same_page_and_no_sms(
    en, utility, django_capture_on_commit_callbacks
):
    response = start_recovery(en, "+380939999999", capture=django_capture_on_commit_callbacks)
    assert response.url == reverse("identity:recovery_sms_confirm")
    assert FakeSms.outbox == []


def test_recovery_activates_a_pending_signup(en, utility, django_capture_on_commit_callbacks):
    """The guide: no activation SMS? Go through password recovery."""
    phone = "+380501234567"
    pending = User.objects.create(username=phone, phone=phone, is_active=False)
    start_recovery(en, phone, capture=django_capture_on_commit_callbacks)
    en.post(reverse("identity:recovery_sms_confirm"), {"code": last_code(phone)})
    pending.refresh_from_db()
    assert pending.is_active and pending.check_password(NEW)


def test_recovery_ends_every_session(en, household, django_capture_on_commit_callbacks):
    other = Client()
    other.post(
        reverse("identity:login"),
        {"identifier": household.user.phone, "password": testing.PASSWORD},
    )
    assert Session.objects.count() == 1
    start_recovery(en, household.user.phone, capture=django_capture_on_commit_callbacks)
    en.post(reverse("identity:recovery_sms_confirm"), {"code": last_code(household.user.phone)})
    assert other.get(reverse("identity:settings")).status_code == 302


def test_a_wrong_code_leaves_the_password_alone(en, household, django_capture_on_commit_callbacks):
    start_recovery(en, household.user.phone, capture=django_capture_on_commit_callbacks)
    code = last_code(household.user.phone)
    response = en.post(
        reverse("identity:recovery_sms_confirm"), {"code": f"{(int(code) + 7) % 10**6:06d}"}
    )
    assert response.status_code == 200 and response.context["form"].errors["code"]
    assert User.objects.get(pk=household.user.pk).check_password(testing.PASSWORD)


def test_password_change_needs_the_current_one_ends_other_sessions_and_notifies(
    en, household, django_capture_on_commit_callbacks
):
    household.user.email = ""
    household.user.save()
    other = Client()
    other.force_login(household.user)
    en.post(
        reverse("identity:login"),
        {"identifier": household.user.phone, "password": testing.PASSWORD},
    )
    url = reverse("identity:password_change")
    response = en.post(url, {"current": "not-it-at-all", "password1": NEW, "password2": NEW})
    assert response.status_code == 200 and response.context["form"].errors["current"]
    with django_capture_on_commit_callbacks(execute=True):
        response = en.post(url, {"current": testing.PASSWORD, "password1": NEW, "password2": NEW})
    assert response.status_code == 302
    assert en.get(reverse("identity:settings")).status_code == 200  # this session stays
    assert other.get(reverse("identity:settings")).status_code == 302  # the other one ended
    notice = OutboxMessage.objects.get(purpose="password_changed")
    assert notice.recipient == household.user.phone


def test_staff_issued_password_must_be_replaced_at_first_login(en, household):
    user = household.user
    user.must_change_password = True
    user.save()
    en.post(reverse("identity:login"), {"identifier": user.phone, "password": testing.PASSWORD})
    assert en.get(reverse("customers:cabinet")).url == reverse("identity:first_password")
    response = en.post(
        reverse("identity:first_password"), {"password1": "Qz7!ab", "password2": "Qz7!ab"}
    )
    assert "too short" in " ".join(response.context["form"].errors["password1"])
    en.post(reverse("identity:first_password"), {"password1": NEW, "password2": NEW})
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password(NEW)
    assert en.get(reverse("identity:settings")).status_code == 200


def test_long_unicode_passwords_with_spaces_are_accepted_whole(en, household):
    long_password = "Щедрий вечір, добрий вечір, добрим людям на здоров'я! " * 2
    user = household.user
    en.force_login(user)
    response = en.post(
        reverse("identity:password_change"),
        {"current": testing.PASSWORD, "password1": long_password, "password2": long_password},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(long_password)
    assert not user.check_password(long_password[:64])  # never truncated


def test_policy_with_composition_rules(en, household, utility):
    utility.password_require_classes = True
    utility.save()
    en.force_login(household.user)
    url = reverse("identity:password_change")
    response = en.post(
        url,
        {
            "current": testing.PASSWORD,
            "password1": "onlylowercase1!",
            "password2": "onlylowercase1!",
        },
    )
    assert "upper-case" in " ".join(response.context["form"].errors["password1"])
    page = en.get(url).content.decode()
    assert "Qwer123!" in page  # the hint shows the rule before anyone fails it
