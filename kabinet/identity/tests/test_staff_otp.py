"""TOTP for staff (SECURITY.md 7): the back office refuses a password alone, accepts the right
code, the command line gives the first device, and a verified member of staff replaces it."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from kabinet.core import testing
from kabinet.identity.models import User
from kabinet.identity.staff_otp import otpauth_uri, totp_code, totp_device_for

PASSWORD = testing.PASSWORD
ADMIN_LOGIN = "/admin/login/?next=/admin/"


verified_login = testing.back_office_login


def wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 10**6:06d}"


@pytest.fixture
def en(client, settings, utility):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def admin_login(client, username: str, password: str = PASSWORD, token: str = ""):
    return client.post(
        ADMIN_LOGIN,
        {"username": username, "password": password, "otp_token": token, "next": "/admin/"},
    )


def test_staff_without_a_device_cannot_enter(en, staff):
    response = admin_login(en, staff.username, token="123456")
    assert response.status_code == 200
    assert "no authenticator app" in response.content.decode()
    assert en.get("/admin/").status_code == 302


def test_a_password_alone_is_refused(en, staff):
    totp_device_for(staff)
    response = admin_login(en, staff.username)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert en.get("/admin/").status_code == 302


def test_the_right_code_lets_staff_in_and_a_wrong_one_does_not(en, staff):
    device = totp_device_for(staff)
    response = admin_login(en, staff.username, token=wrong(totp_code(device)))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Invalid token" in page
    assert PASSWORD not in page  # the password is not sent back after a wrong code
    assert en.get("/admin/").status_code == 302

    device.refresh_from_db()
    device.throttle_reset()  # django-otp makes a wrong code wait a second; skip the wait
    response = admin_login(en, staff.username, token=totp_code(device))
    assert response.status_code == 302 and response.url == "/admin/"
    assert en.get("/admin/").status_code == 200


def test_a_code_works_once(en, staff, client):
    device = totp_device_for(staff)
    code = totp_code(device)
    assert admin_login(en, staff.username, token=code).status_code == 302
    other = type(client)()
    assert admin_login(other, staff.username, token=code).status_code == 200  # replayed


def test_a_customer_login_session_is_not_enough_for_the_back_office(en, staff):
    totp_device_for(staff)
    response = en.post(
        reverse("identity:login"), {"identifier": staff.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert en.get("/admin/").status_code == 302
    assert en.get(reverse("identity:otp_authenticator")).status_code == 302


def test_wrong_passwords_at_the_back_office_meet_the_login_delays(en, staff):
    device = totp_device_for(staff)
    for _ in range(6):
        admin_login(en, staff.username, password="Not-The-Password-1", token="000000")
    response = admin_login(en, staff.username, token=totp_code(device))
    assert response.status_code == 200
    assert "Too many attempts" in response.content.decode()


def test_the_token_is_standard_totp_with_a_known_key(staff):
    key = "3132333435363738393031323334353637383930"  # RFC 6238's test key
    device = totp_device_for(staff, key_hex=key)
    assert device.confirmed and device.key == key
    assert totp_code(device) == f"{totp(bytes.fromhex(key)):06d}"
    uri = otpauth_uri(device)
    assert uri.startswith("otpauth://totp/") and "secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" in uri
    assert "issuer=" in uri
    totp_device_for(staff)  # a new device replaces the old one
    assert TOTPDevice.objects.filter(user=staff).count() == 1
    assert TOTPDevice.objects.get(user=staff).key != key


def test_the_command_creates_a_device_and_prints_the_uri_and_a_qr_code(staff):
    out = io.StringIO()
    call_command("staff_totp", staff.username, stdout=out)
    device = TOTPDevice.objects.get(user=staff)
    assert device.confirmed
    text = out.getvalue()
    assert otpauth_uri(device) in text
    assert "█" in text  # the QR code, drawn in the terminal
    call_command("staff_totp", staff.username, stdout=io.StringIO())
    assert TOTPDevice.objects.get(user=staff).key != device.key  # replaced


def test_the_command_refuses_customers_and_unknown_logins(household):
    with pytest.raises(CommandError):
        call_command("staff_totp", household.user.username, stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("staff_totp", "nobody", stdout=io.StringIO())
    assert not TOTPDevice.objects.exists()


def test_the_command_prints_the_current_code_only_in_the_demo(staff, settings):
    device = totp_device_for(staff)
    settings.DEBUG, settings.DEMO = False, False
    with pytest.raises(CommandError):
        call_command("staff_totp", staff.username, code=True, stdout=io.StringIO())
    settings.DEMO = True
    out = io.StringIO()
    call_command("staff_totp", staff.username, code=True, stdout=out)
    assert out.getvalue().strip() == totp_code(device)


def test_no_migration_creates_a_user_or_a_device(db):
    assert not User.objects.exists()
    assert not TOTPDevice.objects.exists()


def test_a_verified_member_of_staff_replaces_their_device(en, staff):
    old = verified_login(en, staff)
    url = reverse("identity:otp_authenticator")
    assert en.get(url).status_code == 200
    en.post(url, {"action": "start"})
    pending = TOTPDevice.objects.get(user=staff, confirmed=False)
    page = en.get(url).content.decode()
    assert "data:image/svg+xml" in page  # the QR code

    response = en.post(url, {"action": "confirm", "token": wrong(totp_code(pending))})
    assert response.status_code == 200 and response.context["form"].errors["token"]
    assert TOTPDevice.objects.filter(pk=old.pk).exists()

    pending.refresh_from_db()
    pending.throttle_reset()
    response = en.post(url, {"action": "confirm", "token": totp_code(pending)})
    assert response.status_code == 302
    assert list(TOTPDevice.objects.filter(user=staff)) == [pending]
    assert TOTPDevice.objects.get(pk=pending.pk).confirmed
    assert en.get("/admin/").status_code == 200  # still verified, by the new device


def test_an_unconfirmed_device_does_not_open_the_back_office(en, staff):
    old = verified_login(en, staff)
    en.post(reverse("identity:otp_authenticator"), {"action": "start"})
    pending = TOTPDevice.objects.get(user=staff, confirmed=False)
    old.delete()
    other = type(en)()
    response = admin_login(other, staff.username, token=totp_code(pending))
    assert response.status_code == 200
    assert other.get("/admin/").status_code == 302
