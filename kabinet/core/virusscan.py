"""The virus-scan hook for every upload (SECURITY.md 24): one small interface, chosen by
settings.VIRUS_SCANNER.

- "clamd": ClamAV's daemon over its Unix socket (CLAMD_SOCKET) or TCP (CLAMD_ADDRESS,
  host:port), with the INSTREAM command its documentation describes (the bytes in chunks, each
  after its length as 4 bytes in network order, a zero length at the end);
- "fake": the tests' scanner, which finds the EICAR test string;
- "none": no scanner; files are released and recorded as not scanned.

Stored documents (kabinet/documents) call `scanner()` and keep files in quarantine while it is
unavailable; appeal attachments use `upload_scan`, which answers the status to store: "clean";
"pending" when the scanner is configured but did not answer (the file stays in quarantine until
`manage.py attachments_scan` scans it); "unscanned" when none is configured. An infected file
is refused (ValidationError) and never stored.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import IO, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLEAN, PENDING, UNSCANNED, INFECTED = "clean", "pending", "unscanned", "infected"

EICAR = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE"
CHUNK = 64 * 1024


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    detail: str


class ScannerUnavailable(Exception):
    """The scanner could not be asked; the file stays in quarantine and is scanned later."""


class Scanner(Protocol):
    name: str

    def scan(self, data: bytes) -> ScanResult: ...


class ClamdScanner:
    name = "clamd"

    def __init__(self, *, unix_socket: str = "", host: str = "", timeout: float = 30) -> None:
        self.unix_socket, self.host, self.timeout = unix_socket, host, timeout

    def _connect(self) -> socket.socket:
        if self.unix_socket:
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            conn.settimeout(self.timeout)
            conn.connect(self.unix_socket)
            return conn
        address, _, port = self.host.rpartition(":")
        return socket.create_connection((address, int(port)), timeout=self.timeout)

    def scan(self, data: bytes) -> ScanResult:
        try:
            with self._connect() as conn:
                conn.sendall(b"zINSTREAM\0")
                for start in range(0, len(data), CHUNK):
                    chunk = data[start : start + CHUNK]
                    conn.sendall(struct.pack("!L", len(chunk)) + chunk)
                conn.sendall(struct.pack("!L", 0))
                reply = b""
                while not reply.endswith(b"\0"):
                    part = conn.recv(4096)
                    if not part:
                        break
                    reply += part
        except (OSError, ValueError) as exc:
            raise ScannerUnavailable(str(exc)) from exc
        answer = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
        # "stream: OK", "stream: Eicar-Signature FOUND", "INSTREAM size limit exceeded. ERROR"
        if answer.endswith(" OK"):
            return ScanResult(clean=True, detail="clamd: OK")
        if answer.endswith(" FOUND"):
            return ScanResult(clean=False, detail=answer.removeprefix("stream: ")[:200])
        raise ScannerUnavailable(answer[:200] or "no answer")


class FakeScanner:
    name = "fake"

    def scan(self, data: bytes) -> ScanResult:
        if EICAR in data:
            return ScanResult(clean=False, detail="Eicar-Test-Signature FOUND")
        return ScanResult(clean=True, detail="fake: OK")


def scanner() -> Scanner | None:
    """The configured scanner, or None when there is none."""
    choice = settings.VIRUS_SCANNER
    if choice == "clamd":
        return ClamdScanner(
            unix_socket=settings.CLAMD_SOCKET,
            host=getattr(settings, "CLAMD_ADDRESS", ""),
            timeout=getattr(settings, "CLAMD_TIMEOUT", 10.0),
        )
    if choice == "fake":
        return FakeScanner()
    if choice in ("", "none"):
        return None
    raise ValueError(f"unknown VIRUS_SCANNER {choice!r}")


def stream_scan(stream: IO[bytes]) -> str:
    """CLEAN, INFECTED, PENDING (scanner down) or UNSCANNED (no scanner configured)."""
    engine = scanner()
    if engine is None:
        return UNSCANNED
    stream.seek(0)
    try:
        result = engine.scan(stream.read())  # uploads are size-limited (core/uploads.py)
    except ScannerUnavailable:
        return PENDING
    finally:
        stream.seek(0)
    return CLEAN if result.clean else INFECTED


def upload_scan(upload: IO[bytes]) -> str:
    """The status to store with an upload; an infected file is refused next to the field."""
    status = stream_scan(upload)
    if status == INFECTED:
        raise ValidationError(_("The file contains a virus and was not accepted."), code="infected")
    return status
