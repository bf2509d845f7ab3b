"""Signing the utility's contract with an SMS code (SECURITY.md 13 and 25): the password again,
the code, what is stored, the signature page, the stamped copy, the document locked."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse

from kabinet.core import testing
from kabinet.core.models import UtilityProfile
from kabinet.core.testing import Household
from kabinet.documents.models import DocumentLocked, SimpleSignature
from kabinet.identity.tests.conftest import last_code
from kabinet.notify.transports.fake import FakeSms

from .. import services
from ..models import IssuedDocument, Stage
from .helpers import engineer, filled_application, pdf_bytes, pdf_upload


@pytest.fixture
def contract(utility: UtilityProfile, household: Household) -> IssuedDocument:
    utility.connections_enabled = True
    utility.save()
    application = filled_application(household.user)
    staff = engineer()
    services.application_register(
        application=application, staff=staff, registration_number="R-1", request=None
    )
    services.application_stage_next(application=application, staff=staff, comment="", request=None)
    issued = services.application_document_issue(
        application=application,
        staff=staff,
        kind="contract",
        upload=pdf_upload("contract.pdf", "Connection contract"),
        content_type="application/pdf",
        signable=True,
        fee_amount=None,
        request=None,
    )
    services.application_stage_next(application=application, staff=staff, comment="", request=None)
    services.application_stage_next(application=application, staff=staff, comment="", request=None)
    return issued


def urls(issued: IssuedDocument) -> tuple[str, str]:
    args = [issued.application_id, issued.pk]
    return reverse("connections:sign", args=args), reverse("connections:sign_confirm", args=args)


def test_signing_needs_the_password_again(client, contract, household) -> None:
    start, _confirm = urls(contract)
    client.force_login(household.user)
    response = client.post(start, {"current": "not-the-password"})
    assert response.status_code == 200 and response.context["form"].errors["current"]
    assert FakeSms.outbox == []


def test_sign_with_the_sms_code(client, contract, household, django_capture_on_commit_callbacks):
    start, confirm = urls(contract)
    client.force_login(household.user)
    page = client.get(start)
    assert contract.document.sha256 in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(start, {"current": testing.PASSWORD})
    assert response["Location"] == confirm
    wrong = client.post(confirm, {"code": "000000"}, HTTP_USER_AGENT="Firefox/140")
    assert wrong.context["form"].errors["code"]
    response = client.post(
        confirm, {"code": last_code(household.user.phone)}, HTTP_USER_AGENT="Firefox/140"
    )
    assert response["Location"] == reverse("documents:signature", args=[contract.document_id])

    signature = SimpleSignature.objects.get()
    document = contract.document
    document.refresh_from_db()
    with document.file.open("rb") as handle:
        assert signature.sha256 == hashlib.sha256(handle.read()).hexdigest() == document.sha256
    assert signature.user == household.user and signature.code.purpose == "sign"
    assert signature.code.used_at is not None
    assert signature.ip == "127.0.0.1" and signature.user_agent == "Firefox/140"
    assert document.locked_at == signature.signed_at
    contract.application.refresh_from_db()
    assert contract.application.stage == Stage.WORKS  # no fee: straight to the works

    shown = client.get(response["Location"]).content.decode()
    assert signature.sha256 in shown and "Firefox/140" in shown and "127.0.0.1" in shown
    stamped = client.get(reverse("documents:stamped", args=[document.pk]))
    data = b"".join(stamped.streaming_content)
    with document.file.open("rb") as handle:
        original = handle.read()
    assert data.startswith(original) and len(data) > len(original)  # an incremental update
    assert b"/KabinetStamp" in data

    # signed: immutable
    document.file.name = "documents/other.pdf"
    with pytest.raises(DocumentLocked):
        document.save()
    document.refresh_from_db()
    with pytest.raises(DocumentLocked):
        document.delete()
    # and not signed twice
    assert client.get(start).status_code == 200
    again = client.post(start, {"current": testing.PASSWORD})
    assert (
        "already" in str(again.context["form"].non_field_errors())
        or again.context["form"].non_field_errors()
    )


def test_changed_bytes_on_disk_cannot_be_signed(
    client, contract, household, django_capture_on_commit_callbacks
) -> None:
    start, confirm = urls(contract)
    client.force_login(household.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(start, {"current": testing.PASSWORD})
    with contract.document.file.storage.open(contract.document.file.name, "wb") as handle:
        handle.write(pdf_bytes("Другий текст договору"))
    response = client.post(confirm, {"code": last_code(household.user.phone)})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert not SimpleSignature.objects.exists()


def test_another_customer_cannot_sign_or_see_it(client, contract, outsider) -> None:
    start, confirm = urls(contract)
    client.force_login(outsider.user)
    for url in (
        start,
        confirm,
        reverse("documents:read", args=[contract.document_id]),
        reverse("documents:signature", args=[contract.document_id]),
        reverse("documents:stamped", args=[contract.document_id]),
    ):
        assert client.get(url).status_code == 404, url


def test_the_applicant_reads_the_issued_pdf_in_the_browser(client, contract, household) -> None:
    client.force_login(household.user)
    response = client.get(reverse("documents:read", args=[contract.document_id]))
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    download = client.get(reverse("documents:download", args=[contract.document_id]))
    assert download["Content-Disposition"].startswith("attachment")


def test_sign_with_a_qualified_certificate(client, contract, household, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kabinet.documents.models import CertificateSignature
    from kabinet.documents.tests.pki import cms_sign, make_ca, make_signer

    ca = make_ca()
    settings.SIGNATURE_TRUST_ROOTS = [ca.pem(tmp_path, "ca.pem")]
    contract.document.refresh_from_db()
    with contract.document.file.open("rb") as handle:
        data = handle.read()
    url = reverse("connections:sign_certificate", args=[contract.application_id, contract.pk])
    client.force_login(household.user)

    # signed over another file: kept, shown as not intact, the document stays unsigned
    wrong = cms_sign(make_signer(ca), pdf_bytes("Інший документ"))
    client.post(url, {"signature": SimpleUploadedFile("d.p7s", wrong)})
    first = CertificateSignature.objects.get()
    assert first.result == "invalid" and first.intact is False
    contract.document.refresh_from_db()
    assert contract.document.locked_at is None

    good = cms_sign(make_signer(ca, kind="ec"), data)
    response = client.post(url, {"signature": SimpleUploadedFile("d.p7s", good)})
    assert response["Location"] == reverse("documents:signature", args=[contract.document_id])
    record = CertificateSignature.objects.latest("pk")
    assert record.result == "valid" and record.signer_ids["EDRPOU"] == "31415926"
    page = client.get(response["Location"]).content.decode()
    assert "Бондаренко Ірина Петрівна" in page and "31415926" in page
    contract.application.refresh_from_db()
    assert contract.application.stage == Stage.WORKS
    contract.document.refresh_from_db()
    assert contract.document.locked_at is not None


def test_sign_with_a_signed_pdf(client, contract, household, tmp_path, settings) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kabinet.documents.models import CertificateSignature
    from kabinet.documents.tests.pki import make_ca, make_signer, pdf_sign

    ca = make_ca()
    settings.SIGNATURE_TRUST_ROOTS = [ca.pem(tmp_path, "ca.pem")]
    contract.document.refresh_from_db()
    with contract.document.file.open("rb") as handle:
        data = handle.read()
    url = reverse("connections:sign_certificate", args=[contract.application_id, contract.pk])
    client.force_login(household.user)

    another = pdf_sign(make_signer(ca), ca, pdf_bytes("Not the contract"))
    client.post(url, {"signature": SimpleUploadedFile("signed.pdf", another)})
    refused = CertificateSignature.objects.get()
    assert refused.result == "invalid" and refused.intact is False  # validly signed, other file
    contract.document.refresh_from_db()
    assert contract.document.locked_at is None

    signed = pdf_sign(make_signer(ca), ca, data)
    client.post(url, {"signature": SimpleUploadedFile("signed.pdf", signed)})
    accepted = CertificateSignature.objects.latest("pk")
    assert accepted.result == "valid" and str(accepted.file.name).endswith(".pdf")
    contract.application.refresh_from_db()
    assert contract.application.stage == Stage.WORKS
