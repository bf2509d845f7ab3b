"""Fixtures of the notify tests: a fake SMS provider, a movable clock, task backends, and a
local HTTP server that plays TurboSMS or SMS.ru."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone
from django_tasks import task_backends
from django_tasks.backends.dummy import DummyBackend

from kabinet.notify.transports.fake import FakeSms

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
PHONE = "+380501234567"
MASKED = "+38050•••••67"


@pytest.fixture(autouse=True)
def fake_sms(settings: Any) -> Iterator[type[FakeSms]]:
    """Every notify test sends SMS through FakeSms and runs tasks at once, unless it says so."""
    settings.SMS_BACKEND = "fake"
    settings.TASKS = IMMEDIATE
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    FakeSms.reset()
    yield FakeSms
    FakeSms.reset()


@pytest.fixture
def dummy_backend(settings: Any) -> DummyBackend:
    """Tasks are only recorded (backend.results), so a test can look at what was enqueued."""
    settings.TASKS = DUMMY
    backend = task_backends["default"]
    assert isinstance(backend, DummyBackend)
    backend.clear()
    return backend


class Clock:
    """`django.utils.timezone.now`, frozen and moved by hand (auto_now fields follow it)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moving = Clock(timezone.now().replace(microsecond=0))
    monkeypatch.setattr(timezone, "now", moving)
    return moving


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Reply = tuple[int, Any]  # (HTTP status, body: a dict/list for JSON, or bytes as they are)


@dataclass
class FakeProvider:
    """A provider on 127.0.0.1: `reply(request) -> (status, body)`; `delay` seconds first."""

    url: str
    reply: Callable[[Recorded], Reply] = lambda request: (200, {})
    delay: float = 0.0
    requests: list[Recorded] = field(default_factory=list)


@pytest.fixture
def fake_provider(settings: Any) -> Iterator[FakeProvider]:
    provider = FakeProvider(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = Recorded(
                method="POST",
                path=self.path,
                headers={key.lower(): value for key, value in self.headers.items()},
                body=self.rfile.read(length),
            )
            provider.requests.append(request)
            if provider.delay:
                time.sleep(provider.delay)
            status, body = provider.reply(request)
            payload = body if isinstance(body, bytes) else json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:  # the client gave up (a timeout test)
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    provider.url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.SMS_API_URL = provider.url
    settings.SMS_API_TOKEN = "test-token"
    settings.SMS_TIMEOUT = 0.5
    yield provider
    server.shutdown()
    server.server_close()
