"""The virus-scan hook for uploads (SECURITY.md 24): ClamAV's clamd over TCP when
CLAMD_ADDRESS is set ("host:3310"), using clamd's INSTREAM command (the file's bytes in
chunks, each after its length as 4 bytes in network order, a zero length at the end).

`upload_scan` answers a status to store with the file: "clean"; "pending" when clamd is
configured but did not answer (the file stays in quarantine until `manage.py
attachments_scan` scans it); "unscanned" when no scanner is configured. An infected file is
refused (ValidationError) and never stored."""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterable
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLEAN, PENDING, UNSCANNED, INFECTED = "clean", "pending", "unscanned", "infected"
CHUNK = 64 * 1024


class ScanUnavailable(Exception):
    """clamd could not be reached or gave no verdict."""


class ClamdScanner:
    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout

    def _chunks(self, stream: IO[bytes]) -> Iterable[bytes]:
        while chunk := stream.read(CHUNK):
            yield chunk

    def scan(self, stream: IO[bytes]) -> str | None:
        """The signature's name if clamd found one, else None."""
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout) as sock:
                sock.sendall(b"zINSTREAM\0")
                for chunk in self._chunks(stream):
                    sock.sendall(struct.pack("!L", len(chunk)) + chunk)
                sock.sendall(struct.pack("!L", 0))
                reply = b""
                while not reply.endswith(b"\0"):
                    data = sock.recv(4096)
                    if not data:
                        break
                    reply += data
        except OSError as error:
            raise ScanUnavailable(str(error)) from error
        text = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
        if text.endswith(" OK"):
            return None
        if text.endswith(" FOUND"):
            return text.removeprefix("stream:").removesuffix(" FOUND").strip()
        raise ScanUnavailable(text or "no reply")


def scanner() -> ClamdScanner | None:
    address = getattr(settings, "CLAMD_ADDRESS", "")
    if not address:
        return None
    host, _sep, port = address.rpartition(":")
    return ClamdScanner(host or "127.0.0.1", int(port), getattr(settings, "CLAMD_TIMEOUT", 10.0))


def stream_scan(stream: IO[bytes]) -> str:
    """CLEAN, INFECTED, PENDING (clamd down) or UNSCANNED (no scanner configured)."""
    engine = scanner()
    if engine is None:
        return UNSCANNED
    stream.seek(0)
    try:
        found = engine.scan(stream)
    except ScanUnavailable:
        return PENDING
    finally:
        stream.seek(0)
    return INFECTED if found else CLEAN


def upload_scan(upload: IO[bytes]) -> str:
    """The status to store with an upload; an infected file is refused next to the field."""
    status = stream_scan(upload)
    if status == INFECTED:
        raise ValidationError(_("The file contains a virus and was not accepted."), code="infected")
    return status
