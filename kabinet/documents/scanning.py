"""The virus-scan hook (SECURITY.md 24): one small interface, chosen by settings.VIRUS_SCANNER.

- "clamd": ClamAV's daemon over its socket (CLAMD_SOCKET, a Unix socket path, or
  CLAMD_ADDRESS, host:port, the setting core/virusscan.py reads too), with the INSTREAM
  command its documentation describes;
- "fake": the tests' scanner, which finds the EICAR test string;
- "none": no scanner; files are released and recorded as not scanned.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

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
