"""Rate limits and guessing limits, held in the shared cache so they hold across processes.

Never a per-process counter: the cache is the database (default) or Redis, which every web
process and every host of a deployment shares (SECURITY.md 5, 10, 11, 17).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


def _key(scope: str, subject: str) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{subject}".encode()).hexdigest()[:32]
    return f"rl:{scope}:{digest}"


@dataclass(frozen=True)
class Throttle:
    """At most `limit` events per `window` seconds for one subject (a phone, an IP, a user)."""

    scope: str
    limit: int
    window: int

    def _bucket(self, subject: str) -> str:
        # Fixed windows named by their number: correct whatever a cache backend does to the
        # expiry on incr (the database cache resets it).
        return f"{_key(self.scope, subject)}:{int(time.time() // self.window)}"

    def hit(self, subject: str) -> bool:
        """Count one event; False when it is over the limit (the event should not happen)."""
        key = self._bucket(subject)
        cache.add(key, 0, self.window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, self.window)
            count = 1
        return count <= self.limit

    def allowed(self, subject: str) -> bool:
        """Whether one more event would be within the limit (does not count it)."""
        return int(cache.get(self._bucket(subject), 0)) < self.limit

    def reset(self, subject: str) -> None:
        cache.delete(self._bucket(subject))


@dataclass(frozen=True)
class Backoff:
    """Consecutive failures with growing delays and a cool-off, never a permanent lock.

    After `free` failures each further one must wait `first_delay` × 2ⁿ seconds (capped at
    `max_delay`); `cool_off` seconds without a failure forget them all. With the defaults at
    most ~35 guesses fit into a day, far below NIST's ceiling of 100 consecutive failures.
    """

    scope: str
    free: int = 5
    first_delay: int = 30
    max_delay: int = 3600
    cool_off: int = 24 * 3600

    def _state(self, subject: str) -> tuple[str, dict[str, float]]:
        key = _key(self.scope, subject)
        return key, cache.get(key) or {"n": 0, "until": 0.0}

    def wait_seconds(self, subject: str) -> int:
        """Seconds until the next attempt is allowed (0: now)."""
        state = self._state(subject)[1]
        return max(0, int(state["until"] - time.time() + 0.999))

    def failures(self, subject: str) -> int:
        return int(self._state(subject)[1]["n"])

    def delay_after(self, failures: int) -> int:
        if failures <= self.free:
            return 0
        return int(min(self.max_delay, self.first_delay * 2 ** (failures - self.free - 1)))

    def fail(self, subject: str) -> int:
        """Record a failure; returns the seconds the subject must now wait."""
        key, state = self._state(subject)
        failures = int(state["n"]) + 1
        delay = self.delay_after(failures)
        cache.set(key, {"n": failures, "until": time.time() + delay}, self.cool_off)
        return delay

    def succeed(self, subject: str) -> None:
        cache.delete(_key(self.scope, subject))
