import time
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from kabinet.core.ratelimit import Backoff, Throttle

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def test_throttle_allows_up_to_the_limit_then_refuses():
    throttle = Throttle("t", limit=3, window=60)
    assert [throttle.hit("+380501112233") for _ in range(5)] == [True, True, True, False, False]
    assert not throttle.allowed("+380501112233")
    assert throttle.allowed("+380509998877")  # another subject has its own count


def test_throttle_reset_and_scopes_are_separate():
    a, b = Throttle("a", limit=1, window=60), Throttle("b", limit=1, window=60)
    assert a.hit("x") and not a.hit("x")
    assert b.hit("x")
    a.reset("x")
    assert a.hit("x")


def test_throttle_window_expires(monkeypatch):
    from kabinet.core import ratelimit

    clock = [time.time() // 60 * 60 + 1]
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: clock[0]))
    throttle = Throttle("w", limit=1, window=60)
    assert throttle.hit("s") and not throttle.hit("s")
    clock[0] += 60
    assert throttle.hit("s")


def test_backoff_free_failures_then_doubling_delays_capped():
    backoff = Backoff("login", free=5, first_delay=30, max_delay=3600)
    delays = [backoff.fail("user:1") for _ in range(14)]
    assert delays[:5] == [0, 0, 0, 0, 0]
    assert delays[5:9] == [30, 60, 120, 240]
    assert max(delays) == 3600 and delays[-1] == 3600
    assert 3590 <= backoff.wait_seconds("user:1") <= 3600
    backoff.succeed("user:1")
    assert backoff.wait_seconds("user:1") == 0 and backoff.failures("user:1") == 0


def test_backoff_never_allows_100_failures_in_a_cool_off_period():
    """NIST 800-63B: no more than 100 consecutive failures. The fastest attacker waits out
    every delay; count how many guesses fit before the counter would be forgotten."""
    backoff = Backoff("login")
    elapsed, failures = 0, 0
    while elapsed < backoff.cool_off:
        failures += 1
        elapsed += backoff.delay_after(failures)
    assert failures < 100


@pytest.mark.django_db(transaction=True)
def test_limits_are_shared_between_two_processes_through_the_cache():
    """A second Python process sees the counts of this one (the cache is shared, not local)."""
    import os
    import subprocess
    import sys

    from django.conf import settings
    from django.db import connection

    env = dict(os.environ, DJANGO_SETTINGS_MODULE="kabinet.settings")
    env["DATABASE_URL"] = _url(connection.settings_dict)
    if getattr(settings, "REDIS_URL", ""):
        env["REDIS_URL"] = settings.REDIS_URL
    # The windows are fixed (numbered by time // 60): a run that straddles a minute's edge
    # starts a new window in the second process, and is tried again with another subject.
    for attempt in range(3):
        subject = f"+38050111223{attempt}"
        window = int(time.time() // 60)
        throttle = Throttle("shared", limit=2, window=60)
        assert throttle.hit(subject) and throttle.hit(subject)
        code = (
            "import django; django.setup();"
            "from kabinet.core.ratelimit import Throttle;"
            f"print(Throttle('shared', limit=2, window=60).hit('{subject}'))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        if int(time.time() // 60) == window:
            break
    assert out.stdout.strip() == "False"


def _url(db: dict) -> str:
    if "sqlite" in db["ENGINE"]:  # Django's backend or ours (kabinet.core.sqlite)
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
