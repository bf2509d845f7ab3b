"""KRESC: a signed application, staff verification in the back office, a registration code."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kabinet.core import testing
from kabinet.core.models import AuditEvent
from kabinet.identity import signup_application as flow
from kabinet.identity import signup_application_documents as documents
from kabinet.identity.models import OneTimeCode, RegistrationApplication, User

Application = RegistrationApplication
PASSWORD = "Steppe-Wind-Turbine-31"
EDRPOU = testing.valid_edrpou(3141592)
RNOKPP = testing.valid_rnokpp(271828182)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
FILES = {
    "scan.pdf": PDF,
    "scan.JPG": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32,
    "scan.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 32,
    "signed.pdf.p7s": b"\x30\x82\x01\x00\x06\x09*\x86H\x86\xf7\r\x01\x07\x02" + b"\x00" * 32,
}


def upload(name: str = "Заява підписана.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def application_data(**overrides):
    data = {
        "company_name": "ТОВ «Інгул-Агро»",
        "tax_id": EDRPOU,
        "email": "buh@ingul-agro.example.ua",
        "phones": "050 123 45 67, 0522 22 33 44",
        "code_word": "Соняшник",
        "contact_person": "Бондаренко Ірина Петрівна",
        "offer": "free_price",
        "document": upload(),
    }
    data.update(overrides)
    return data


@pytest.fixture
def kresc(utility, client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")  # each test sees only its own files
    utility.signup_by_application = True
    utility.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    settings.SITE_URL = "https://portal.example.com"
    return utility


def verifier_user(username: str = "verifier", *, can_change: bool = True) -> User:
    user = testing.make_staff(username=username)
    codenames = ["view_registrationapplication"]
    if can_change:
        codenames += ["change_registrationapplication", "add_registrationapplication"]
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return User.objects.get(pk=user.pk)  # fresh permission cache


def back_office(client, user: User):
    """Log staff in to the back office, second factor included (the admin is OTP-guarded)."""
    testing.back_office_login(client, user)
    return client


@pytest.fixture
def verifier(db) -> User:
    return verifier_user()


@pytest.fixture
def staff_client(client_factory, verifier):
    return back_office(client_factory(), verifier)


@pytest.fixture
def client_factory(settings):
    from django.test import Client

    def make():
        made = Client()
        made.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return made

    return make


def submit(client, **overrides):
    return client.post(reverse("identity:signup_application"), application_data(**overrides))


def submitted(client, **overrides) -> Application:
    response = submit(client, **overrides)
    assert response.status_code == 302, response.context["form"].errors
    return Application.objects.latest("pk")


def approve(staff_client, application, captured):
    url = reverse("admin:identity_registrationapplication_approve", args=[application.pk])
    with captured(execute=True):
        return staff_client.post(url)


def emailed_code() -> str:
    match = re.search(r"\b([A-Z2-9]{10})\b", str(mail.outbox[-1].body))
    assert match, mail.outbox[-1].body
    return match.group(1)


def finish(client, code, **overrides):
    data = {
        "email": "buh@ingul-agro.example.ua",
        "code": code,
        "username": "ingul_agro",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return client.post(reverse("identity:signup_application_finish"), data)


@pytest.fixture
def approved(kresc, client, staff_client, django_capture_on_commit_callbacks):
    application = submitted(client)
    response = approve(staff_client, application, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    application.refresh_from_db()
    return application


# --- The public page and the blank forms ----------------------------------------------------------


def test_the_page_explains_the_steps_and_offers_both_forms(client, kresc):
    page = client.get(reverse("identity:signup_application")).content.decode()
    assert "call you to confirm" in page
    for offer in ("universal", "free_price"):
        assert reverse("identity:signup_application_blank", args=[offer]) in page
    assert 'enctype="multipart/form-data"' in page
    assert (
        reverse("identity:signup_application")
        in client.get(reverse("identity:signup")).content.decode()
    )


@pytest.mark.parametrize("offer", ["universal", "free_price"])
def test_each_blank_form_is_a_one_page_a4_pdf(client, kresc, offer):
    response = client.get(reverse("identity:signup_application_blank", args=[offer]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type /Page\b(?!s)", body)) == 1
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in body  # A4
    assert b"/FontFile2" in body and b"DejaVuSans" in body  # an embedded font with Cyrillic


def test_an_unknown_offer_and_a_switched_off_flow_are_not_found(client, utility):
    assert client.get(reverse("identity:signup_application")).status_code == 404
    utility.signup_by_application = True
    utility.save()
    assert client.get("/signup/application/forms/other.pdf").status_code == 404


# --- Upload ---------------------------------------------------------------------------------------


def test_an_application_is_stored_with_a_server_made_name(client, kresc, settings):
    response = submit(client)
    assert response.url == reverse("identity:signup_application_sent")
    application = Application.objects.get()
    assert application.tax_id == EDRPOU and application.offer == "free_price"
    assert application.phones == "+380501234567, +380522223344"
    assert (application.source, application.status) == ("online", "new")
    name = str(application.document.name)
    assert re.fullmatch(r"applications/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", name), name
    stored = Path(settings.MEDIA_ROOT) / name
    assert stored.read_bytes() == PDF
    assert AuditEvent.objects.filter(action="application.submitted").exists()
    page = client.get(response.url).content.decode()
    assert "We will call you to confirm the data" in page


@pytest.mark.parametrize("name", list(FILES))
def test_scans_and_e_signed_files_are_accepted(client, kresc, name):
    application = submitted(client, document=upload(name, FILES[name]))
    assert str(application.document.name).endswith(Path(name).suffix.lower())


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("application.docx", b"PK\x03\x04" + b"\x00" * 20, "PDF, JPEG or PNG"),
        ("application.exe", b"MZ" + b"\x00" * 20, "PDF, JPEG or PNG"),
        ("application", PDF, "PDF, JPEG or PNG"),
        ("application.pdf", b"<html><script>alert(1)</script>", "does not match"),
        ("application.png", PDF, "does not match"),
        ("application.jpg", b"\x89PNG\r\n\x1a\n" + b"\x00" * 8, "does not match"),
        ("application.p7s", b"-----BEGIN PKCS7-----", "does not match"),
        ("application.pdf", b"", "empty"),
    ],
)
def test_wrong_files_are_refused(client, kresc, settings, name, content, message):
    response = submit(client, document=upload(name, content))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["document"])
    assert message in errors, errors
    assert not Application.objects.exists()
    assert "Соняшник" in response.content.decode()  # typed values are kept
    assert not list(Path(settings.MEDIA_ROOT).glob("applications/**/*.*"))


def test_a_too_large_file_is_refused(client, kresc, monkeypatch):
    monkeypatch.setattr(documents, "MAX_UPLOAD_BYTES", 1024)
    response = submit(client, document=upload("big.pdf", PDF + b"0" * 1024))
    assert "too large" in " ".join(response.context["form"].errors["document"])
    assert not Application.objects.exists()


def test_the_size_limit_is_ten_megabytes_by_default():
    assert documents.MAX_UPLOAD_BYTES == 10 * 1024 * 1024


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("tax_id", "1234567", "8 digits"),
        ("tax_id", EDRPOU[:-1] + str((int(EDRPOU[-1]) + 1) % 10), "valid EDRPOU"),
        ("tax_id", RNOKPP[:-1] + str((int(RNOKPP[-1]) + 1) % 10), "valid RNOKPP"),
        ("email", "buh@", "valid email"),
        ("phones", "050 123, call me", "not a phone number"),
        ("code_word", "", "required"),
        ("contact_person", "", "required"),
        ("offer", "cheapest", "valid choice"),
        ("document", "", "required"),
    ],
)
def test_bad_registration_data_is_explained(client, kresc, field, value, message):
    response = submit(client, **{field: value})
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors, errors
    assert not Application.objects.exists()


def test_an_individual_applies_with_the_rnokpp(client, kresc):
    assert submitted(client, tax_id=RNOKPP).tax_id == RNOKPP


def test_submissions_are_limited_per_address(client, kresc):
    for _ in range(5):
        submitted(client)
    response = submit(client)
    assert response.status_code == 200
    assert "Too many applications" in response.content.decode()
    assert Application.objects.count() == 5


# --- The stored file is reachable only through the back office ------------------------------------


def test_the_file_has_no_public_address(client, kresc, settings):
    application = submitted(client)
    name = application.document.name
    for url in (f"{settings.MEDIA_URL}{name}", f"/media/{name}", f"/{name}"):
        response = client.get(url)
        assert response.status_code == 404 and PDF not in response.content


def test_the_download_needs_staff_with_the_permission(client, kresc, client_factory, household):
    application = submitted(client)
    url = reverse("admin:identity_registrationapplication_document", args=[application.pk])
    anonymous = client_factory().get(url)
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous.url
    customer = client_factory()
    customer.force_login(household.user)
    assert customer.get(url).status_code == 302
    unprivileged = back_office(client_factory(), testing.make_staff(username="clerk"))
    assert unprivileged.get(url).status_code == 403
    reader = back_office(client_factory(), verifier_user("reader", can_change=False))
    response = reader.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="application-{application.pk}.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/octet-stream"
    assert AuditEvent.objects.filter(action="application.document_downloaded").count() == 1


# --- Staff: approve, reject, enter ----------------------------------------------------------------


def test_approval_emails_a_single_use_code_and_the_link(approved, verifier):
    assert approved.status == "approved"
    assert approved.reviewed_by == verifier and approved.reviewed_at
    message = mail.outbox[-1]
    assert message.to == ["buh@ingul-agro.example.ua"]
    assert "https://portal.example.com/signup/application/finish/" in message.body
    code = emailed_code()
    otc = OneTimeCode.objects.get(purpose="registration")
    assert otc.operation == f"application:{approved.pk}" and code not in otc.code_hash
    assert abs(otc.expires_at - otc.created_at - timedelta(days=7)) < timedelta(seconds=5)
    event = AuditEvent.objects.get(action="application.approved")
    assert event.actor == verifier and code not in str(event.data)


def test_staff_without_the_permission_cannot_approve_or_reject(client, kresc, client_factory, rf):
    application = submitted(client)
    clerk = testing.make_staff(username="clerk")
    other = back_office(client_factory(), clerk)
    for name in ("approve", "reject"):
        url = reverse(f"admin:identity_registrationapplication_{name}", args=[application.pk])
        assert other.post(url, {"reason": "x"}).status_code == 403
    request = rf.post("/")
    request.user = clerk
    with pytest.raises(PermissionDenied):
        flow.application_approve(application=application, staff=clerk, request=request)
    with pytest.raises(PermissionDenied):
        flow.application_reject(application=application, staff=clerk, reason="x", request=request)
    application.refresh_from_db()
    assert application.status == "new" and not mail.outbox


def test_rejection_needs_a_reason_and_emails_it(
    client, kresc, staff_client, django_capture_on_commit_callbacks
):
    application = submitted(client)
    url = reverse("admin:identity_registrationapplication_reject", args=[application.pk])
    page = staff_client.get(url)
    assert page.status_code == 200 and "Соняшник" in page.content.decode()
    assert staff_client.post(url, {"reason": ""}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, {"reason": "The EDRPOU differs from the contract."})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "rejected"
    assert application.reject_reason == "The EDRPOU differs from the contract."
    assert "The EDRPOU differs from the contract." in mail.outbox[-1].body
    assert AuditEvent.objects.filter(action="application.rejected").exists()
    # a closed application cannot be approved any more
    approve_url = reverse("admin:identity_registrationapplication_approve", args=[application.pk])
    staff_client.post(approve_url)
    application.refresh_from_db()
    assert application.status == "rejected" and not OneTimeCode.objects.exists()


def test_rejecting_an_approved_application_kills_its_code(
    approved, client, staff_client, django_capture_on_commit_callbacks
):
    code = emailed_code()
    url = reverse("admin:identity_registrationapplication_reject", args=[approved.pk])
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url, {"reason": "Called: nobody from the company applied."})
    response = finish(client, code)
    assert "code" in response.context["form"].errors
    assert not User.objects.filter(username="ingul_agro").exists()


def test_staff_enter_an_application_signed_at_a_service_centre(kresc, staff_client, verifier):
    data = application_data()
    del data["document"]
    response = staff_client.post(reverse("admin:identity_registrationapplication_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    application = Application.objects.get()
    assert application.source == "office" and not application.document
    event = AuditEvent.objects.get(action="application.entered")
    assert event.actor == verifier
    bad = {**data, "tax_id": "123", "upload": upload("x.pdf", b"not a pdf")}
    response = staff_client.post(reverse("admin:identity_registrationapplication_add"), bad)
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"tax_id", "upload"}


def test_the_back_office_lists_filters_and_searches(client, kresc, staff_client):
    application = submitted(client)
    changelist = reverse("admin:identity_registrationapplication_changelist")
    for query in ({"status__exact": "new"}, {"q": EDRPOU}, {"q": "ingul-agro"}, {}):
        response = staff_client.get(changelist, query)
        assert response.status_code == 200 and "Інгул-Агро" in response.content.decode()
    assert (
        "Інгул-Агро"
        not in staff_client.get(changelist, {"status__exact": "rejected"}).content.decode()
    )
    change = staff_client.get(
        reverse("admin:identity_registrationapplication_change", args=[application.pk])
    ).content.decode()
    assert (
        reverse("admin:identity_registrationapplication_approve", args=[application.pk]) in change
    )
    assert (
        reverse("admin:identity_registrationapplication_document", args=[application.pk]) in change
    )


def test_the_bulk_action_approves(client, kresc, staff_client, django_capture_on_commit_callbacks):
    first = submitted(client)
    second = submitted(client, email="other@example.ua")
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            reverse("admin:identity_registrationapplication_changelist"),
            {"action": "approve_selected", "_selected_action": [first.pk, second.pk]},
        )
    assert set(Application.objects.values_list("status", flat=True)) == {"approved"}
    assert sorted(m.to[0] for m in mail.outbox) == ["buh@ingul-agro.example.ua", "other@example.ua"]


# --- Finish: code, login, password ---------------------------------------------------------------


def test_the_code_creates_the_user_and_the_login_works(approved, client):
    response = finish(client, emailed_code().lower(), email="BUH@ingul-agro.example.ua")
    assert response.status_code == 302 and response.url == reverse("identity:login")
    user = User.objects.get(username="ingul_agro")
    assert user.is_active and user.kind == "company" and user.tax_id == EDRPOU
    assert user.email == "buh@ingul-agro.example.ua" and user.phone == "+380501234567"
    approved.refresh_from_db()
    assert approved.status == "completed" and approved.user == user
    assert AuditEvent.objects.filter(action="application.completed").exists()
    login = client.post(
        reverse("identity:login"), {"identifier": "ingul_agro", "password": PASSWORD}
    )
    assert login.status_code == 302 and login.url == reverse("customers:cabinet")


def test_the_code_is_single_use(approved, client):
    code = emailed_code()
    finish(client, code)
    response = finish(client, code, username="second_login")
    assert "code" in response.context["form"].errors
    assert User.objects.filter(tax_id=EDRPOU).count() == 1


def test_an_expired_code_is_refused(approved, client):
    OneTimeCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = finish(client, emailed_code())
    assert "has expired" in " ".join(response.context["form"].errors["code"])
    assert not User.objects.filter(username="ingul_agro").exists()


def test_five_wrong_codes_kill_the_code(approved, client):
    code = emailed_code()
    wrong = "A" * 10 if code != "A" * 10 else "B" * 10
    for _ in range(5):
        assert "code" in finish(client, wrong).context["form"].errors
    assert "code" in finish(client, code).context["form"].errors
    assert OneTimeCode.objects.get().attempts == 5


def test_wrong_codes_are_limited_per_address(approved, client, monkeypatch):
    monkeypatch.setattr(flow, "FINISH_TRIES_PER_IP", flow.Throttle("t", 1, 3600))
    finish(client, "WRONGCODE2")
    response = finish(client, emailed_code())
    assert "Too many attempts" in response.content.decode()


def test_a_code_for_another_email_does_not_fit(approved, client):
    response = finish(client, emailed_code(), email="someone@else.example")
    assert "code" in response.context["form"].errors


def test_a_taken_login_is_explained_and_the_code_still_works(approved, client):
    testing.make_user(username="Ingul_Agro")
    code = emailed_code()
    response = finish(client, code)
    assert "is taken" in " ".join(response.context["form"].errors["username"])
    assert "ingul_agro" in response.content.decode() and PASSWORD not in response.content.decode()
    assert finish(client, code, username="ingul_agro_2").status_code == 302


@pytest.mark.parametrize("username", ["0501234567", "ab", "ingul@agro", "ingul agro"])
def test_logins_that_look_like_other_identifiers_are_refused(approved, client, username):
    response = finish(client, emailed_code(), username=username)
    assert "username" in response.context["form"].errors


def test_a_password_with_the_edrpou_is_refused_and_the_code_still_works(approved, client):
    code = emailed_code()
    weak = f"Company-{EDRPOU}"
    response = finish(client, code, password1=weak, password2=weak)
    assert "tax id" in " ".join(response.context["form"].errors["password1"])
    assert finish(client, code).status_code == 302


def test_the_code_never_travels_in_an_address(approved):
    code = emailed_code()
    links = re.findall(r"https?://\S+", str(mail.outbox[-1].body))
    assert links == ["https://portal.example.com/signup/application/finish/"]
    assert all(code not in link for link in links)
