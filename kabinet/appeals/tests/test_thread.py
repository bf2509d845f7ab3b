"""The appeal's life: deadlines per topic, the handler's queue and answers (notified by e-mail
and SMS), the customer's replies and rating, closed appeals, and guests' messages."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from captcha.models import CaptchaStore
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kabinet.appeals.models import Appeal, AppealMessage, AppealTopic, Status
from kabinet.appeals.services import (
    AppealClosed,
    appeal_answer,
    appeal_create,
    appeal_reply,
    appeal_status_set,
)
from kabinet.core import testing
from kabinet.core.models import AuditEvent
from kabinet.core.roles import role
from kabinet.notify.models import OutboxMessage

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
TEXT = "Платіж за жовтень не відображається в кабінеті."


def topic(code: str) -> AppealTopic:
    return AppealTopic.objects.get(code=code)


def make_appeal(user, code="other", **fields) -> Appeal:
    values: dict[str, Any] = {"topic": topic(code), "text": TEXT, "account": None, "upload": None}
    values.update(fields)
    return appeal_create(user=user, request=None, **values)


def member(key: str, username: str | None = None):
    staff = testing.make_staff(username=username or key)
    staff.groups.add(Group.objects.get(name=role(key).group))
    return type(staff).objects.get(pk=staff.pk)


@pytest.fixture
def handler(db):
    return member("appeals_handler", "handler")


def answer(appeal, staff, text="Платіж знайдено, дякуємо.", **fields):
    values = {"upload": None, "waiting_for_customer": False, "request": None, **fields}
    return appeal_answer(appeal=appeal, staff=staff, text=text, **values)


def test_the_deadline_is_the_topics_else_the_profiles(utility, household):
    utility.appeal_response_days = 20
    utility.save()
    AppealTopic.objects.filter(code="payment_missing").update(response_days=5)
    quick = make_appeal(household.user, "payment_missing")
    usual = make_appeal(household.user, "billing")
    assert quick.due_at - quick.created_at == dt.timedelta(days=5)
    assert usual.due_at - usual.created_at == dt.timedelta(days=20)


def test_a_switched_off_topic_is_not_offered(client, utility, household):
    AppealTopic.objects.filter(code="quality").update(active=False)
    client.force_login(household.user)
    html = client.get(reverse("core:contacts")).content.decode()
    assert 'value="billing"' in html and 'value="quality"' not in html


def test_the_handler_answers_on_the_office_page_and_the_customer_is_notified(
    client, utility, household, handler
):
    household.user.email = "olena@example.com"
    household.user.save()
    appeal = make_appeal(household.user, account=household.gas)
    testing.back_office_login(client, handler)
    url = reverse("appeals_office:detail", args=[appeal.pk])
    assert client.post(url, {"action": "take"}).status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.ASSIGNED and appeal.assigned_to == handler
    upload = SimpleUploadedFile("act.png", PNG)
    response = client.post(
        url, {"action": "answer", "text": "Перерахунок зроблено.", "attachment": upload}
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.ANSWERED and appeal.answered_at is not None
    message = AppealMessage.objects.get(appeal=appeal)
    assert message.from_staff and message.author == handler and message.attachments.count() == 1
    sent = {m.channel: m for m in OutboxMessage.objects.filter(purpose="appeal_answered")}
    assert (
        sent["email"].recipient == "olena@example.com"
        and "Перерахунок зроблено." in sent["email"].text
    )
    assert sent["sms"].recipient == household.user.phone and appeal.number in sent["sms"].text
    assert "Перерахунок" not in sent["sms"].text  # a customer reads the answer in the cabinet
    event = AuditEvent.objects.get(action="appeal.answer")
    assert event.actor == handler and event.customer_id == household.customer.pk
    assert event.account_id == household.gas.pk

    client.force_login(household.user)
    html = client.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert "Перерахунок зроблено." in html and "act.png" in html
    attachment = message.attachments.get()
    assert client.get(reverse("appeals:attachment", args=[attachment.pk])).status_code == 200


def test_an_empty_answer_keeps_the_page_with_the_error(client, utility, household, handler):
    appeal = make_appeal(household.user)
    testing.back_office_login(client, handler)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("appeals_office:detail", args=[appeal.pk])
    response = client.post(url, {"action": "answer", "text": "  "})
    assert response.status_code == 200 and "Write the answer." in response.content.decode()
    assert not AppealMessage.objects.exists()


def test_the_customer_replies_with_a_file_and_rates_the_answer(client, utility, household, handler):
    appeal = make_appeal(household.user)
    answer(appeal, handler, waiting_for_customer=True)
    appeal.refresh_from_db()
    assert appeal.status == Status.WAITING
    client.force_login(household.user)
    url = reverse("appeals:detail", args=[appeal.pk])
    upload = SimpleUploadedFile("receipt.png", PNG)
    response = client.post(
        url, {"action": "reply", "text": "Квитанцію додаю, оплата 05.11.", "attachment": upload}
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.IN_PROGRESS
    reply = AppealMessage.objects.get(appeal=appeal, from_staff=False)
    assert reply.author == household.user and reply.attachments.get().original_name == "receipt.png"
    assert AuditEvent.objects.filter(action="appeal.reply", actor=household.user).exists()

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    bad = client.post(url, {"action": "rate", "rating": "7"})
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()
    assert (
        client.post(url, {"action": "rate", "rating": "4", "comment": "Швидко"}).status_code == 302
    )
    appeal.refresh_from_db()
    assert appeal.rating == 4 and appeal.rating_comment == "Швидко"


def test_an_unanswered_appeal_cannot_be_rated(client, utility, household):
    appeal = make_appeal(household.user)
    client.force_login(household.user)
    url = reverse("appeals:detail", args=[appeal.pk])
    assert 'value="rate"' not in client.get(url).content.decode()
    client.post(url, {"action": "rate", "rating": "5"})
    appeal.refresh_from_db()
    assert appeal.rating is None


def test_a_closed_appeal_takes_no_reply_nor_answer(client, utility, household, handler):
    appeal = make_appeal(household.user)
    appeal_status_set(appeal=appeal, staff=handler, status=Status.CLOSED, request=None)
    appeal.refresh_from_db()
    assert appeal.closed_at is not None
    client.force_login(household.user)
    url = reverse("appeals:detail", args=[appeal.pk])
    assert 'value="reply"' not in client.get(url).content.decode()
    client.post(url, {"action": "reply", "text": "Ще одне питання до вас."})
    assert not AppealMessage.objects.exists()
    with pytest.raises(AppealClosed):
        answer(appeal, handler)
    with pytest.raises(AppealClosed):
        appeal_reply(appeal=appeal, user=household.user, text="Ще раз", upload=None, request=None)


def test_another_customer_cannot_read_reply_or_rate(client, utility, household, outsider, handler):
    appeal = make_appeal(household.user)
    answer(appeal, handler)
    client.force_login(outsider.user)
    url = reverse("appeals:detail", args=[appeal.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "reply", "text": "Чужа відповідь тут"}).status_code == 404
    assert client.post(url, {"action": "rate", "rating": "1"}).status_code == 404
    file = SimpleUploadedFile("x.png", PNG)
    mine = make_appeal(household.user, upload=file).attachments.get()
    assert client.get(reverse("appeals:attachment", args=[mine.pk])).status_code == 404


def test_personal_pages_are_not_cached(client, utility, household):
    appeal = make_appeal(household.user)
    client.force_login(household.user)
    for url in (reverse("appeals:list"), reverse("appeals:detail", args=[appeal.pk])):
        assert "no-store" in client.get(url)["Cache-Control"]


def captcha(client) -> dict[str, str]:
    html = client.get(reverse("core:contacts")).content.decode()
    key = re.search(r'name="captcha_0" value="(\w+)"', html)
    assert key, "no captcha on the contacts page"
    return {
        "captcha_0": key.group(1),
        "captcha_1": CaptchaStore.objects.get(hashkey=key.group(1)).response,
    }


def test_a_guest_writes_from_contacts_and_gets_the_answer_by_email(client, utility, handler):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = {"topic": "quality", "name": "Іван Петренко", "text": "Довго чекав у черзі в ЦОК."}
    missing = client.post(reverse("core:contacts"), {**data, **captcha(client)})
    assert "Give an e-mail or a mobile phone for the answer." in missing.content.decode()
    wrong = client.post(
        reverse("core:contacts"),
        {**data, "email": "ivan@example.com", "captcha_0": "x", "captcha_1": "1"},
    )
    assert wrong.status_code == 200 and "Довго чекав" in wrong.content.decode()
    assert not Appeal.objects.exists()
    sent = client.post(
        reverse("core:contacts"), {**data, "email": "ivan@example.com", **captcha(client)}
    )
    assert sent.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.user is None and appeal.guest_email == "ivan@example.com"
    assert AuditEvent.objects.filter(
        action="appeal.create_guest", object_id=str(appeal.pk)
    ).exists()
    answer(appeal, handler, text="Вибачте, ми додали вікно.")
    mail = OutboxMessage.objects.get(purpose="appeal_answered")
    assert mail.recipient == "ivan@example.com" and "Вибачте, ми додали вікно." in mail.text


def queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_handlers_queue_puts_overdue_first_in_fixed_queries(client, utility, household, handler):
    late = make_appeal(household.user)
    Appeal.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    fresh = make_appeal(household.user)
    testing.back_office_login(client, handler)
    url = reverse("appeals_office:queue")
    client.get(url)
    html = client.get(url).content.decode()
    assert html.index(late.number) < html.index(fresh.number)
    overdue = client.get(url + "?status=overdue").content.decode()
    assert late.number in overdue and fresh.number not in overdue
    few = queries(client, url)
    for _ in range(25):
        _reset(household.user)
        make_appeal(household.user)
    assert queries(client, url) == few
    detail = reverse("appeals_office:detail", args=[late.pk])
    answer(late, handler)
    one = queries(client, detail)
    for _ in range(5):
        answer(late, handler, upload=SimpleUploadedFile("a.png", PNG))
    assert queries(client, detail) == one


def _reset(user) -> None:
    from kabinet.appeals.services import APPEALS_PER_DAY

    APPEALS_PER_DAY.reset(str(user.pk))


def test_the_deadline_stops_while_the_utility_waits_for_the_customer(utility, household, handler):
    """Five days waiting for the customer's documents move the deadline on by five days; the
    appeal is not overdue meanwhile, however long the customer takes."""
    from freezegun import freeze_time

    start = timezone.now()
    with freeze_time(start):
        appeal = make_appeal(household.user)
        due = appeal.due_at
    with freeze_time(start + dt.timedelta(days=2)):
        answer(appeal, handler, text="Надішліть, будь ласка, квитанцію.", waiting_for_customer=True)
        appeal.refresh_from_db()
        assert appeal.status == Status.WAITING and appeal.waiting_since is not None
    with freeze_time(due + dt.timedelta(days=1)):  # past the old deadline, still waiting
        appeal.refresh_from_db()
        assert not appeal.is_overdue and not Appeal.objects.overdue().exists()
    back = due + dt.timedelta(days=3)
    with freeze_time(back):
        appeal_reply(appeal=appeal, user=household.user, text="Ось квитанція.", upload=None,
                     request=None)  # fmt: skip
        appeal.refresh_from_db()
        assert appeal.status == Status.IN_PROGRESS and appeal.waiting_since is None
        assert appeal.due_at == due + (back - (start + dt.timedelta(days=2)))
        assert not appeal.is_overdue
    # Waiting again, then the handler takes it up without a reply: the clock resumes too.
    with freeze_time(back + dt.timedelta(hours=1)):
        answer(appeal, handler, text="Ще потрібен акт.", waiting_for_customer=True)
    with freeze_time(back + dt.timedelta(days=2, hours=1)):
        appeal_status_set(appeal=appeal, staff=handler, status=Status.IN_PROGRESS, request=None)
        appeal.refresh_from_db()
        assert appeal.due_at == due + (back - (start + dt.timedelta(days=2))) + dt.timedelta(days=2)
        assert appeal.waiting_since is None


def test_an_answer_that_waits_twice_keeps_the_first_wait(utility, household, handler):
    appeal = make_appeal(household.user)
    answer(appeal, handler, waiting_for_customer=True)
    appeal.refresh_from_db()
    first = appeal.waiting_since
    answer(appeal, handler, text="І ще копію договору.", waiting_for_customer=True)
    appeal.refresh_from_db()
    assert appeal.waiting_since == first
