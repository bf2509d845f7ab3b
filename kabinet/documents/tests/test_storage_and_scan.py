"""Stored documents (SECURITY.md 23-24): checked, hashed, kept in quarantine until scanned,
moved out when clean, refused to everyone when infected; clamd spoken to over its socket."""

from __future__ import annotations

import hashlib
import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kabinet.core.testing import Household
from kabinet.core.virusscan import EICAR, ClamdScanner, ScannerUnavailable

from ..models import ScanStatus
from ..services import document_scan, document_store, upload_validate

PDF = b"%PDF-1.4\n% a tiny test file\n"


def store(user, data: bytes = PDF, name: str = "scan.pdf"):
    upload = SimpleUploadedFile(name, data, content_type="application/pdf")
    return document_store(
        upload=upload,
        owner=user,
        uploaded_by=user,
        kind="site_plan",
        title="Plan",
        content_type=upload_validate(upload, user=user),
    )


def test_a_clean_file_leaves_quarantine(client, household: Household) -> None:
    document = store(household.user)
    assert document.scan_status == ScanStatus.CLEAN and document.scan_detail == "fake: OK"
    assert document.file.name.startswith("documents/")
    assert not document.file.name.endswith("scan.pdf")  # a server-generated name
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert not list(Path(document.file.storage.path("quarantine")).glob("*"))
    client.force_login(household.user)
    response = client.get(reverse("documents:download", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    # the customer's own upload is never rendered inline
    read = client.get(reverse("documents:read", args=[document.pk]))
    assert read["Content-Disposition"].startswith("attachment")


def test_an_infected_file_stays_in_quarantine_and_is_served_to_no_one(
    client, household: Household
) -> None:
    document = store(household.user, PDF + EICAR)
    assert document.scan_status == ScanStatus.INFECTED
    assert document.file.name.startswith("quarantine/")
    client.force_login(household.user)
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 404


def test_without_a_scanner_the_file_is_released_marked_unscanned(settings, household) -> None:
    settings.VIRUS_SCANNER = "none"
    assert store(household.user).scan_status == ScanStatus.UNSCANNED


def test_an_unreachable_scanner_keeps_the_file_in_quarantine(settings, tmp_path, household):
    settings.VIRUS_SCANNER = "clamd"
    settings.CLAMD_SOCKET = str(tmp_path / "nothing.sock")
    document = store(household.user)
    assert document.scan_status == ScanStatus.PENDING
    assert document.file.name.startswith("quarantine/")
    settings.VIRUS_SCANNER = "fake"
    assert document_scan(document=document).scan_status == ScanStatus.CLEAN


def test_the_magic_bytes_and_the_limits_are_checked(settings, household) -> None:
    with pytest.raises(ValidationError):
        upload_validate(SimpleUploadedFile("a.pdf", b"MZ\x90\x00"), user=household.user)
    with pytest.raises(ValidationError):
        upload_validate(SimpleUploadedFile("a.exe", PDF), user=household.user)
    settings.DOCUMENTS_USER_QUOTA_MB = 0
    with pytest.raises(ValidationError) as error:
        upload_validate(SimpleUploadedFile("a.pdf", PDF), user=household.user)
    assert error.value.code == "quota"


@pytest.fixture(params=["unix", "tcp"])
def fake_clamd(request, tmp_path: Path) -> Iterator[tuple[ClamdScanner, list[bytes]]]:
    """A local clamd speaking the INSTREAM protocol from ClamAV's documentation, on a Unix
    socket (CLAMD_SOCKET) or on TCP (CLAMD_ADDRESS)."""
    if request.param == "unix":
        path = str(tmp_path / "clamd.sock")
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        client = ClamdScanner(unix_socket=path, timeout=5)
    else:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.bind(("127.0.0.1", 0))
        client = ClamdScanner(host=f"127.0.0.1:{server.getsockname()[1]}", timeout=5)
    server.listen(1)
    received: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                command = conn.recv(10)
                assert command == b"zINSTREAM\0"
                data = b""
                while True:
                    size = struct.unpack("!L", conn.recv(4, socket.MSG_WAITALL))[0]
                    if not size:
                        break
                    data += conn.recv(size, socket.MSG_WAITALL)
                received.append(data)
                found = b"stream: Eicar-Signature FOUND\0" if EICAR in data else b"stream: OK\0"
                conn.sendall(found)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield client, received
    server.close()


def test_clamd_scanner_streams_the_file(fake_clamd) -> None:
    scanner, received = fake_clamd
    big = PDF + b"x" * 200_000  # more than one chunk
    assert scanner.scan(big).clean
    assert received == [big]
    infected = scanner.scan(PDF + EICAR)
    assert not infected.clean and "Eicar" in infected.detail


def test_clamd_down_is_unavailable(tmp_path) -> None:
    with pytest.raises(ScannerUnavailable):
        ClamdScanner(unix_socket=str(tmp_path / "none.sock"), timeout=1).scan(PDF)


def test_the_command_scans_what_waits(settings, tmp_path, household) -> None:
    from django.core.management import call_command

    settings.VIRUS_SCANNER = "clamd"
    settings.CLAMD_SOCKET = str(tmp_path / "down.sock")
    document = store(household.user)
    settings.VIRUS_SCANNER = "fake"
    call_command("documents_scan")
    document.refresh_from_db()
    assert document.scan_status == ScanStatus.CLEAN
