"""The clamd adapter (SECURITY.md 24) against a local fake of clamd's INSTREAM protocol, and
the quarantine of appeal attachments: infected files refused, unscanned ones held back."""

from __future__ import annotations

import socketserver
import struct
import threading
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from kabinet.appeals.models import AppealAttachment, AppealTopic, ScanStatus
from kabinet.appeals.services import appeal_create
from kabinet.core.virusscan import ClamdScanner, ScannerUnavailable, stream_scan

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
VIRUS = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class FakeClamd(socketserver.BaseRequestHandler):
    """clamd's documented INSTREAM: "zINSTREAM\\0", <4-byte length><data>…, a zero length."""

    received: list[bytes] = []

    def handle(self) -> None:
        def read(n: int) -> bytes:
            data = b""
            while len(data) < n:
                chunk = self.request.recv(n - len(data))
                if not chunk:
                    raise ConnectionError
                data += chunk
            return data

        assert read(10) == b"zINSTREAM\0"
        body = b""
        while length := struct.unpack("!L", read(4))[0]:
            body += read(length)
        FakeClamd.received.append(body)
        reply = b"stream: Eicar-Test-Signature FOUND\0" if b"EICAR" in body else b"stream: OK\0"
        self.request.sendall(reply)


@pytest.fixture
def clamd(settings) -> Iterator[str]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), FakeClamd)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    address = f"127.0.0.1:{server.server_address[1]}"
    settings.CLAMD_ADDRESS = address
    settings.VIRUS_SCANNER = "clamd"
    FakeClamd.received = []
    yield address
    server.shutdown()
    server.server_close()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_adapter_streams_the_file_in_chunks_and_reads_the_verdict(clamd):
    engine = ClamdScanner(host=clamd, timeout=5)
    big = b"a" * 200_000  # more than one chunk
    assert engine.scan(big).clean
    assert FakeClamd.received[-1] == big
    found = engine.scan(VIRUS)
    assert not found.clean and "Eicar-Test-Signature" in found.detail


def test_an_unreachable_clamd_is_unavailable_and_the_file_pending(settings):
    import io

    with pytest.raises(ScannerUnavailable):
        ClamdScanner(host=f"127.0.0.1:{free_port()}", timeout=1).scan(b"x")
    settings.VIRUS_SCANNER = "clamd"
    settings.CLAMD_ADDRESS = f"127.0.0.1:{free_port()}"
    assert stream_scan(io.BytesIO(b"x")) == ScanStatus.PENDING
    settings.VIRUS_SCANNER = "none"
    assert stream_scan(io.BytesIO(b"x")) == ScanStatus.UNSCANNED


def test_an_infected_attachment_is_refused_next_to_the_field(client, utility, household, clamd):
    client.force_login(household.user)
    from django.conf import settings as conf

    client.cookies[conf.LANGUAGE_COOKIE_NAME] = "en"
    infected = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n" + VIRUS)
    response = client.post(
        reverse("core:contacts"),
        {"topic": "other", "text": "Додаю скан документа.", "attachment": infected},
    )
    assert response.status_code == 200
    assert "The file contains a virus" in response.content.decode()
    assert not AppealAttachment.objects.exists()
    clean = SimpleUploadedFile("scan.png", PNG)
    client.post(
        reverse("core:contacts"),
        {"topic": "other", "text": "Додаю скан документа.", "attachment": clean},
    )
    assert AppealAttachment.objects.get().scan_status == ScanStatus.CLEAN


def test_a_quarantined_file_is_not_served_until_the_scan_releases_it(
    client, utility, household, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.VIRUS_SCANNER = "clamd"
    settings.CLAMD_ADDRESS = f"127.0.0.1:{free_port()}"  # clamd is down at upload
    appeal = appeal_create(
        user=household.user,
        topic=AppealTopic.objects.get(code="other"),
        text="Додаю квитанцію про оплату.",
        account=None,
        upload=SimpleUploadedFile("receipt.png", PNG),
        request=None,
    )
    attachment = appeal.attachments.get()
    assert attachment.scan_status == ScanStatus.PENDING
    client.force_login(household.user)
    url = reverse("appeals:attachment", args=[attachment.pk])
    assert client.get(url).status_code == 404
    assert url not in client.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), FakeClamd)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.CLAMD_ADDRESS = f"127.0.0.1:{server.server_address[1]}"
        call_command("attachments_scan")
    finally:
        server.shutdown()
        server.server_close()
    attachment.refresh_from_db()
    assert attachment.scan_status == ScanStatus.CLEAN
    assert client.get(url).status_code == 200
