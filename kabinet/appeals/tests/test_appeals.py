"""Customers' messages from the Contacts page: creation, uploads (SECURITY.md 23), limits,
and the list of my messages (own only, a fixed number of queries)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.timezone import localtime

from kabinet.appeals.models import RESPONSE_DAYS, Appeal, AppealAttachment, AppealTopic, Status
from kabinet.appeals.services import (
    APPEALS_PER_DAY,
    MAX_FILE_BYTES,
    appeal_answer,
    appeal_create,
)
from kabinet.core.models import AuditEvent
from kabinet.core.roles import role
from kabinet.core.testing import make_staff

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n"
TEXT = "Платіж за жовтень не відображається в кабінеті."


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def send(client, **fields):
    data = {"topic": "payment_missing", "text": TEXT, "account": "", **fields}
    return client.post(reverse("core:contacts"), data)


def topic(code):
    return AppealTopic.objects.get(code=code)


def make_appeal(user, **fields):
    values = {"user": user, "topic": topic("other"), "text": TEXT, "account": None, "upload": None}
    values.update(fields)
    return appeal_create(request=None, **values)


def test_the_form_creates_an_appeal_with_number_and_due_date(client, utility, household):
    english(client).force_login(household.user)
    response = send(client, account=household.gas.pk)
    assert response.status_code == 302 and response.url == reverse("appeals:list")
    appeal = Appeal.objects.get()
    assert appeal.user == household.user and appeal.account == household.gas
    assert appeal.status == Status.NEW and appeal.topic_id == "payment_missing"
    assert appeal.number == f"{appeal.created_at:%Y}-{appeal.pk:06d}"
    assert appeal.due_at - appeal.created_at == dt.timedelta(days=RESPONSE_DAYS)
    assert AuditEvent.objects.filter(action="appeal.create", object_id=str(appeal.pk)).exists()
    page = client.get(response.url).content.decode()
    assert appeal.number in page
    assert f"{localtime(appeal.due_at):%d.%m.%Y}" in page
    assert "has been sent" in page


def test_missing_topic_and_short_text_keep_what_was_typed(client, utility, household):
    english(client).force_login(household.user)
    response = send(client, topic="", text="Hi there")
    assert response.status_code == 200
    form = response.context["form"]
    assert "Choose the topic of your message." in form.errors["topic"]
    assert "at least 10 characters" in form.errors["text"][0]
    assert "Hi there" in response.content.decode()
    assert not Appeal.objects.exists()


def test_another_users_account_cannot_be_chosen(client, utility, household, outsider):
    client.force_login(household.user)
    response = send(client, account=outsider.gas.pk)
    assert response.status_code == 200 and "account" in response.context["form"].errors
    assert not Appeal.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("invoice.exe", PNG, "Attach a PDF, JPG or PNG file."),
        ("photo.png", b"GIF89a" + b"\x00" * 20, "does not match its type"),
        ("scan.pdf", PNG, "does not match its type"),
        ("big.png", PNG + b"\x00" * MAX_FILE_BYTES, "too large: at most 5 MB"),
    ],
)
def test_bad_attachments_are_refused_next_to_the_field(
    client, utility, household, name, content, message
):
    english(client).force_login(household.user)
    upload = SimpleUploadedFile(name, content)
    response = send(client, attachment=upload)
    assert response.status_code == 200
    errors = response.context["form"].errors["attachment"]
    assert any(message in error for error in errors)
    assert TEXT in response.content.decode()
    assert not Appeal.objects.exists() and not AppealAttachment.objects.exists()


def test_attachment_is_stored_under_a_server_name_and_served_only_to_its_owner(
    client, utility, household, outsider
):
    client.force_login(household.user)
    send(client, attachment=SimpleUploadedFile("Квитанція жовтень.pdf", PDF))
    attachment = AppealAttachment.objects.get()
    assert attachment.original_name == "Квитанція жовтень.pdf"
    assert attachment.content_type == "application/pdf" and attachment.size == len(PDF)
    stored = Path(attachment.file.path)
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT) / "appeals")
    assert not stored.is_relative_to(Path(settings.STATIC_ROOT))
    assert "Квитанція" not in stored.name and stored.suffix == ".pdf"
    assert stored.read_bytes() == PDF
    # no public URL serves the media directory
    for prefix in ("/", "/media/"):
        assert client.get(f"{prefix}{attachment.file.name}").status_code == 404

    url = reverse("appeals:attachment", args=[attachment.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF

    client.force_login(outsider.user)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_rate_limit_per_user(client, utility, household):
    english(client).force_login(household.user)
    for _ in range(APPEALS_PER_DAY.limit):
        assert send(client).status_code == 302
    response = send(client)
    assert response.status_code == 200
    assert "many messages today" in response.content.decode()
    assert TEXT in response.content.decode()
    assert Appeal.objects.count() == APPEALS_PER_DAY.limit


def test_my_messages_shows_only_my_own_and_the_answer(client, utility, household, outsider):
    mine = make_appeal(household.user, topic=topic("billing"))
    theirs = make_appeal(outsider.user, text="Чужий лист про інше питання")
    staff = make_staff(username="handler")
    appeal_answer(
        appeal=mine,
        staff=staff,
        text="Перерахунок зроблено.",
        upload=None,
        waiting_for_customer=False,
        request=None,
    )
    mine.refresh_from_db()
    assert mine.status == Status.ANSWERED and mine.answered_at is not None
    client.force_login(household.user)
    html = client.get(reverse("appeals:list")).content.decode()
    assert mine.number in html and "Перерахунок зроблено." in html
    assert theirs.number not in html and "Чужий лист" not in html
    assert client.get(reverse("appeals:detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("appeals:detail", args=[theirs.pk])).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, utility):
    for name, args in (("appeals:list", []), ("appeals:detail", [1]), ("appeals:attachment", [1])):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302 and response.url.startswith(reverse("identity:login"))


def count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_list_query_count_does_not_grow(client, utility, household):
    upload = SimpleUploadedFile("a.png", PNG)
    make_appeal(household.user, account=household.gas, upload=upload)
    client.force_login(household.user)
    url = reverse("appeals:list")
    client.get(url)
    one = count_queries(client, url)
    cache_reset = APPEALS_PER_DAY.reset
    for n in range(29):
        cache_reset(str(household.user.pk))
        make_appeal(
            household.user,
            account=household.electricity if n % 2 else None,
            upload=SimpleUploadedFile(f"{n}.png", PNG),
        )
    assert Appeal.objects.count() == 30
    assert count_queries(client, url) == one


def test_staff_read_the_attachment_only_with_the_permission_and_a_second_factor(
    client, utility, household
):
    from kabinet.core import testing

    appeal = make_appeal(household.user, upload=SimpleUploadedFile("a.png", PNG))
    attachment = appeal.attachments.get()
    url = reverse("appeals:attachment", args=[attachment.pk])
    staff = testing.make_staff(username="appeals-officer")
    client.force_login(staff)
    assert client.get(url).status_code == 404  # no permission
    staff.groups.add(Group.objects.get(name=role("appeals_handler").group))
    staff = type(staff).objects.get(pk=staff.pk)
    client.force_login(staff)
    assert client.get(url).status_code == 404  # no TOTP-verified session
    testing.back_office_login(client, staff)
    assert client.get(url).status_code == 200
    page = client.get(reverse("admin:appeals_appeal_changelist") + "?q=" + appeal.number)
    assert page.status_code == 200 and appeal.number in page.content.decode()
