"""Passwords are stored with Argon2id at OWASP's parameters; older hashes are upgraded at the
next successful login (SECURITY.md 3)."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    PBKDF2PasswordHasher,
    check_password,
    get_hasher,
    make_password,
)

from kabinet.core.testing import PASSWORD, make_user, password_hash
from kabinet.identity.hashers import Argon2idHasher

pytestmark = pytest.mark.django_db

PREFIX = "argon2$argon2id$v=19$m=19456,t=2,p=1$"


def test_the_default_hasher_is_argon2id_with_owasp_parameters() -> None:
    assert isinstance(get_hasher("default"), Argon2idHasher)
    assert make_password("Sonyashnyk-2024").startswith(PREFIX)
    assert password_hash().startswith(PREFIX)


def test_a_stored_password() -> None:
    user = make_user(username="olena")
    user.set_password("Sonyashnyk-2024")
    user.save()
    user.refresh_from_db()
    assert user.password.startswith(PREFIX)
    assert user.check_password("Sonyashnyk-2024")
    assert not user.check_password("Sonyashnyk-2025")


def cheap_pbkdf2(password: str) -> str:
    # A PBKDF2 hash as older installs store it, with few iterations to keep the test fast.
    return PBKDF2PasswordHasher().encode(password, "pepper0salt0", iterations=1000)


def test_a_pbkdf2_hash_is_upgraded_at_login() -> None:
    user = make_user(username="old-timer", password=cheap_pbkdf2(PASSWORD))
    assert user.password.startswith("pbkdf2_sha256$")

    assert authenticate(username="old-timer", password="wrong password") is None
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$"), "a failed login changes nothing"

    assert authenticate(username="old-timer", password=PASSWORD) == user
    user.refresh_from_db()
    assert user.password.startswith(PREFIX)
    assert check_password(PASSWORD, user.password)


class LightArgon2Hasher(Argon2PasswordHasher):
    """Argon2 with other parameters than ours (small, so the test stays fast)."""

    time_cost = 1
    memory_cost = 1024
    parallelism = 2


def test_an_argon2_hash_with_other_parameters_is_upgraded_at_login() -> None:
    encoded = LightArgon2Hasher().encode(PASSWORD, "pepper0salt0")
    assert not encoded.startswith(PREFIX)
    user = make_user(username="heavy", password=encoded)
    assert authenticate(username="heavy", password=PASSWORD) == user
    user.refresh_from_db()
    assert user.password.startswith(PREFIX)


def test_a_current_hash_is_not_rewritten_at_login() -> None:
    user = make_user(username="fresh")
    before = user.password
    assert authenticate(username="fresh", password=PASSWORD) == user
    user.refresh_from_db()
    assert user.password == before
