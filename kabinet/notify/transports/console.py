"""The demo transport: prints each SMS to stdout, as Django's console e-mail backend does."""

from __future__ import annotations

import sys
import threading
import uuid
from typing import TextIO

from .base import SmsTransport

_lock = threading.Lock()


class ConsoleSms(SmsTransport):
    """Writes the whole message, number included, to the terminal of the person trying the
    portal; never through `logging`, which may be shipped elsewhere (SECURITY.md 12)."""

    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send(self, *, to: str, text: str) -> str:
        message_id = f"console-{uuid.uuid4().hex[:12]}"
        rule = "-" * 79
        with _lock:
            self.stream.write(f"SMS to: {to}\nId: {message_id}\n\n{text}\n{rule}\n")
            self.stream.flush()
        return message_id
