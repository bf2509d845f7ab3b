"""KRESC's signed registration application (the identity issue) is verified by the same service,
and the verifier sees the result on the approval page."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kabinet.connections.tests.helpers import pdf_bytes
from kabinet.core import testing
from kabinet.identity.models import RegistrationApplication, User

from .pki import cms_sign, make_ca, make_signer


def test_the_signed_application_is_checked_on_the_approval_page(
    client, utility, settings, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    utility.signup_by_application = True
    utility.save()
    ca = make_ca()
    settings.SIGNATURE_TRUST_ROOTS = [ca.pem(tmp_path, "ca.pem")]
    edrpou = testing.valid_edrpou(3141592)
    signed = cms_sign(
        make_signer(ca, edrpou=edrpou), pdf_bytes("Заява про приєднання"), detached=False
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        reverse("identity:signup_application"),
        {
            "company_name": "ТОВ «Інгул-Агро»",
            "tax_id": edrpou,
            "email": "buh@ingul-agro.example.ua",
            "phones": "050 123 45 67",
            "code_word": "Соняшник",
            "contact_person": "Бондаренко Ірина Петрівна",
            "offer": "free_price",
            "document": SimpleUploadedFile("заява.p7s", signed),
        },
    )
    assert response.status_code == 302, [
        line for line in response.content.decode().splitlines() if "error" in line
    ]
    application = RegistrationApplication.objects.get()

    verifier = testing.make_staff(username="verifier")
    verifier.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_registrationapplication"])
    )
    testing.back_office_login(client, User.objects.get(pk=verifier.pk))
    page = client.get(
        reverse("admin:identity_registrationapplication_change", args=[application.pk])
    ).content.decode()
    assert "E-signature check" in page
    assert "Result: Valid" in page and f"EDRPOU {edrpou}" in page
    assert "Бондаренко Ірина Петрівна" in page

    # a scan has no e-signature, and a broken .p7s is a result, not an error page
    settings.SIGNATURE_TRUST_ROOTS = []
    page = client.get(
        reverse("admin:identity_registrationapplication_change", args=[application.pk])
    ).content.decode()
    assert "Chain to a trusted CA: no" in page
