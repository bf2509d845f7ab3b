"""The test transport: keeps what it "sent" in memory and can play a provider that is down."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import ClassVar

from .base import DeliveryError, SmsTransport


@dataclass(frozen=True)
class FakeSmsRecord:
    to: str
    text: str
    message_id: str


class FakeSms(SmsTransport):
    """`FakeSms.outbox` lists sent messages; `FakeSms.down = True` fails every attempt with a
    retryable error; numbers in `FakeSms.invalid` fail permanently. `FakeSms.reset()` between
    tests."""

    name = "fake"
    outbox: ClassVar[list[FakeSmsRecord]] = []
    down: ClassVar[bool] = False
    invalid: ClassVar[set[str]] = set()
    calls: ClassVar[int] = 0
    _ids = itertools.count(1)

    def send(self, *, to: str, text: str) -> str:
        type(self).calls += 1
        if type(self).down:
            raise DeliveryError("fake provider is down", retryable=True)
        if to in type(self).invalid:
            raise DeliveryError("fake provider: invalid number", retryable=False)
        record = FakeSmsRecord(to=to, text=text, message_id=f"fake-{next(self._ids)}")
        type(self).outbox.append(record)
        return record.message_id

    @classmethod
    def reset(cls) -> None:
        cls.outbox.clear()
        cls.invalid.clear()
        cls.down = False
        cls.calls = 0
