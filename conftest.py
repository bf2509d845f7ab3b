"""Test settings and the shared cast (see kabinet/core/testing.py for the builders)."""

from __future__ import annotations

import shutil
import tempfile

import pytest
from django.test.utils import override_settings
from hypothesis import settings as hypothesis_settings

from kabinet.core import testing
from kabinet.core.models import UtilityProfile
from kabinet.identity.models import User

# Property tests: enough examples to find edge cases, few enough to keep the suite fast; no
# example database on disk (nothing to gitignore, nothing that differs between machines).
hypothesis_settings.register_profile("kabinet", max_examples=200, deadline=None, database=None)
hypothesis_settings.load_profile("kabinet")

# Uploaded and generated files go to a folder of their own, removed after the run.
_media_root = tempfile.mkdtemp(prefix="kabinet-test-media-")

_test_settings = override_settings(
    MEDIA_ROOT=_media_root,
    # Production serves static files through whitenoise's manifest, which needs collectstatic;
    # tests (and the live server of the browser tests) find them in the apps instead.
    STORAGES={
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    },
    # whitenoise then serves them from the finders, looked up per request (no start-up scan,
    # no warning about the missing STATIC_ROOT).
    WHITENOISE_USE_FINDERS=True,
    WHITENOISE_AUTOREFRESH=True,
    # Background tasks run at once, inside the test, so their effects can be asserted.
    TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
    # SMS go to an in-memory list the tests read (kabinet.notify.transports.fake.FakeSms).
    SMS_BACKEND="fake",
    # Uploaded documents are scanned by a fake that finds the EICAR test string.
    VIRUS_SCANNER="fake",
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
)


def pytest_configure(config: pytest.Config) -> None:
    # override_settings (rather than assigning to settings) sends setting_changed, so the
    # storage and task-backend caches are rebuilt from the test values.
    _test_settings.enable()


def pytest_unconfigure(config: pytest.Config) -> None:
    _test_settings.disable()
    shutil.rmtree(_media_root, ignore_errors=True)


@pytest.fixture(autouse=True)
def _fresh_cache(request: pytest.FixtureRequest) -> None:
    """Rate limits live in the shared cache (a database table or Redis), which no transaction
    rollback or flush empties: every test that touches the database starts with none."""
    uses_db = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if uses_db:
        from django.core.cache import cache

        request.getfixturevalue("django_db_setup")
        with request.getfixturevalue("django_db_blocker").unblock():
            cache.clear()


@pytest.fixture(autouse=True)
def _fresh_fake_sms() -> None:
    from kabinet.notify.transports.fake import FakeSms

    FakeSms.reset()


@pytest.fixture
def utility(db: None) -> UtilityProfile:
    """The utility profile with names, contacts and hours."""
    return testing.make_utility()


@pytest.fixture
def household(db: None) -> testing.Household:
    """Olena: an individual at an apartment with gas and electricity accounts."""
    return testing.make_household(phone="+380501112233")


@pytest.fixture
def company(db: None) -> testing.Company:
    """A legal entity with the contract “Вода і стоки”, a service point, an account, a meter."""
    return testing.make_company(phone="+380631112233")


@pytest.fixture
def outsider(db: None) -> testing.Household:
    """Another household, unrelated to everyone else: for “not yours → 404” tests."""
    return testing.make_household(
        phone="+380671234567",
        name="Шевчук Андрій Іванович",
        street="вул. Лесі Українки",
        building="45",
        apartment="101",
    )


@pytest.fixture
def staff(db: None) -> User:
    """A member of the utility's staff (is_staff, no special permissions)."""
    return testing.make_staff(username="operator")
