"""Household sign-up by phone (the Kremenchukgaz guide), with its codes and limits."""

import pytest
from django.urls import reverse

from kabinet.identity.models import OneTimeCode, User
from kabinet.notify.transports.fake import FakeSms

from .conftest import last_code

PHONE = "+380501234567"
PASSWORD = "Sunflower-Field-77"


@pytest.fixture
def signup(client, utility, django_capture_on_commit_callbacks, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # assertions read English messages

    def submit(phone="050 123 45 67", password=PASSWORD, again=None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("identity:signup_phone"),
                {"phone": phone, "password1": password, "password2": again or password},
            )

    return submit


def test_signup_sends_a_code_and_the_code_activates(client, signup):
    response = signup()
    assert response.status_code == 302 and response.url == reverse("identity:signup_confirm")
    user = User.objects.get(phone=PHONE)
    assert not user.is_active and user.username == PHONE
    page = client.get(reverse("identity:signup_confirm"))
    assert "+38050•••••67" in page.content.decode()
    response = client.post(reverse("identity:signup_confirm"), {"code": last_code(PHONE)})
    assert response.status_code == 302 and response.url == reverse("identity:login")
    user.refresh_from_db()
    assert user.is_active
    # first login lands on the empty cabinet that invites to add an account
    response = client.post(
        reverse("identity:login"), {"identifier": "0501234567", "password": PASSWORD}
    )
    assert response.status_code == 302
    cabinet = client.get(response.url)
    assert cabinet.status_code == 200
    assert cabinet.context["links"] == []


def test_only_a_hash_of_the_code_is_stored(signup):
    signup()
    code = last_code(PHONE)
    otc = OneTimeCode.objects.get(recipient=PHONE)
    assert code not in otc.code_hash and len(otc.code_hash) == 64
    assert (otc.expires_at - otc.created_at).total_seconds() <= 600


def test_wrong_code_five_times_kills_the_code(client, signup):
    signup()
    code = last_code(PHONE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        response = client.post(reverse("identity:signup_confirm"), {"code": wrong})
        assert response.status_code == 200
        assert "code" in response.context["form"].errors
    response = client.post(reverse("identity:signup_confirm"), {"code": code})
    assert response.status_code == 200  # the right code no longer works
    assert not User.objects.get(phone=PHONE).is_active


def test_code_is_single_use_and_bound_to_its_purpose(client, signup):
    signup()
    code = last_code(PHONE)
    client.post(reverse("identity:signup_confirm"), {"code": code})
    otc = OneTimeCode.objects.get(recipient=PHONE)
    assert otc.used_at is not None
    from kabinet.identity.codes import code_verify

    assert code_verify(purpose="signup", recipient=PHONE, code=code, request=None) is None
    assert code_verify(purpose="reset", recipient=PHONE, code=code, request=None) is None


def test_resend_invalidates_the_previous_code_after_a_cool_down(
    client, signup, django_capture_on_commit_callbacks
):
    signup()
    first = last_code(PHONE)
    response = client.post(reverse("identity:code_resend"), follow=True)
    assert len(FakeSms.outbox) == 1  # within the cool-down: no second SMS
    assert "minute" in str(next(iter(response.context["messages"])))
    from kabinet.identity import codes

    codes.COOL_DOWN.reset(f"signup:{PHONE}")  # a minute later
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("identity:code_resend"))
    second = last_code(PHONE)
    assert len(FakeSms.outbox) == 2
    if first != second:
        client.post(reverse("identity:signup_confirm"), {"code": first})
        assert not User.objects.get(phone=PHONE).is_active
    client.post(reverse("identity:signup_confirm"), {"code": second})
    assert User.objects.get(phone=PHONE).is_active


def test_registered_phone_gets_a_notice_not_a_code_and_the_page_is_the_same(
    client, signup, household
):
    phone = household.user.phone
    response = signup(phone=phone)
    assert response.status_code == 302 and response.url == reverse("identity:signup_confirm")
    assert not OneTimeCode.objects.filter(recipient=phone).exists()
    assert "already has an account" in FakeSms.outbox[-1].text or FakeSms.outbox[-1].to == phone
    household.user.refresh_from_db()
    assert household.user.check_password("Tri-Kolyory-Veselky-2024")  # untouched


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"phone": "12345"}, "phone", "valid mobile phone"),
        ({"password": "Qz7!ab"}, "password1", "too short"),
        ({"password": "password123"}, "password1", "too common"),
        ({"again": "Sunflower-Field-78"}, "password2", "differ"),
        ({"password": "0501234567Ab!"}, "password1", "phone"),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_kept(signup, data, field, message):
    response = signup(**data)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors.lower() or message in errors
    html = response.content.decode()
    typed_phone = data.get("phone", "050 123 45 67")
    assert f'value="{typed_phone}"' in html  # what the person typed is still there
    assert data.get("password", PASSWORD) not in html  # passwords never come back


def test_messages_are_in_the_users_language(client, signup, settings):
    import re

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"
    response = signup(phone="123")
    message = " ".join(response.context["form"].errors["phone"])
    assert re.search("[іїєґ]", message), message  # Ukrainian letters, not English


def test_sending_is_throttled_per_phone(client, utility):
    from kabinet.identity import codes

    statuses = []
    for _ in range(7):
        codes.COOL_DOWN.reset(f"signup:{PHONE}")  # each try a minute after the previous
        response = client.post(
            reverse("identity:signup_phone"),
            {"phone": PHONE, "password1": PASSWORD, "password2": PASSWORD},
        )
        statuses.append(response.status_code)
    assert statuses[:5] == [302] * 5
    assert statuses[5:] == [200, 200]  # the form says to wait
    assert OneTimeCode.objects.filter(recipient=PHONE).count() == 5
