"""Expired codes, ended sessions, abandoned sign-ups and rejected uploads are purged."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kabinet.core import testing
from kabinet.core.models import AuditEvent
from kabinet.identity.models import OneTimeCode, RegistrationApplication, User, UserSession
from kabinet.identity.retention import purge_expired


def test_expired_codes_go_and_live_ones_stay(household):
    now = timezone.now()
    common = {"purpose": "signup", "recipient": "+380501112233", "code_hash": "x" * 64}
    old = OneTimeCode.objects.create(expires_at=now - timedelta(days=2), **common)
    live = OneTimeCode.objects.create(expires_at=now + timedelta(minutes=5), **common)
    assert purge_expired().codes == 1
    assert not OneTimeCode.objects.filter(pk=old.pk).exists()
    assert OneTimeCode.objects.filter(pk=live.pk).exists()


def test_records_of_ended_sessions_go(household):
    client = Client()
    client.post(
        reverse("identity:login"),
        {"identifier": household.user.phone, "password": testing.PASSWORD},
    )
    UserSession.objects.create(user=household.user, session_key="no-such-session")
    assert purge_expired().session_records == 1
    assert UserSession.objects.get().session_key == client.session.session_key


def test_abandoned_sign_ups_go_after_a_week_with_an_audit_event(utility):
    old = User.objects.create(username="+380501230000", phone="+380501230000", is_active=False)
    User.objects.filter(pk=old.pk).update(date_joined=timezone.now() - timedelta(days=8))
    recent = User.objects.create(username="+380501230001", phone="+380501230001", is_active=False)
    assert purge_expired().abandoned_signups == 1
    assert (
        not User.objects.filter(pk=old.pk).exists() and User.objects.filter(pk=recent.pk).exists()
    )
    assert AuditEvent.objects.filter(action="retention.signup_purged").count() == 1


def test_rejected_application_files_go_after_the_retention_period(utility, settings):
    application = RegistrationApplication.objects.create(
        company_name="ТОВ «Тест»", tax_id=testing.valid_edrpou(), email="a@example.com",
        phones="0501112233", code_word="слово", contact_person="Іван", offer="universal",
        status=RegistrationApplication.Status.REJECTED,
        reviewed_at=timezone.now() - timedelta(days=settings.RETENTION_DAYS + 1),
    )  # fmt: skip
    application.document.save("a.pdf", ContentFile(b"%PDF-1.4 test"))
    path = application.document.path
    assert purge_expired().application_files == 1
    application.refresh_from_db()
    assert not application.document
    import os

    assert not os.path.exists(path)


def test_the_command_runs(db, capsys):
    call_command("purge_expired")
    assert "codes 0" in capsys.readouterr().out
