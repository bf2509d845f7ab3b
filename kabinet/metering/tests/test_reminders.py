"""Reminders of the readings window: off by default, SMS or e-mail by choice, on the day the
window opens and two days before it closes, only while a meter has no reading yet."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from freezegun import freeze_time

from kabinet.core.models import Service
from kabinet.metering import services
from kabinet.metering.models import ReadingRules, ReminderChoice, ReminderPreference
from kabinet.notify.models import OutboxMessage
from kabinet.notify.transports.fake import FakeSms

pytestmark = pytest.mark.django_db


@pytest.fixture
def window(db):
    return ReadingRules.objects.create(service=Service.GAS, window_opens=25, window_closes=3)


def test_off_by_default(utility, household, gas_meter, window):
    assert services.reminders_send(today=dt.date(2026, 1, 25)) == 0
    assert not OutboxMessage.objects.exists()


def test_sms_when_the_window_opens_and_two_days_before_it_closes(
    utility, household, gas_meter, window, django_capture_on_commit_callbacks
):
    services.reminder_preference_set(user=household.user, channel=ReminderChoice.SMS)
    assert services.reminders_send(today=dt.date(2026, 1, 24)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send(today=dt.date(2026, 1, 25)) == 1
        assert services.reminders_send(today=dt.date(2026, 1, 25)) == 0  # never twice
        assert services.reminders_send(today=dt.date(2026, 1, 31)) == 0
        assert services.reminders_send(today=dt.date(2026, 2, 1)) == 1  # 3 February closes
    messages = list(OutboxMessage.objects.order_by("id"))
    assert [m.purpose for m in messages] == ["reading_reminder_opens", "reading_reminder_closing"]
    assert all(m.recipient == household.user.phone for m in messages)
    assert [r.to for r in FakeSms.outbox] == [household.user.phone] * 2


def test_no_reminder_once_the_meter_has_a_reading(
    utility, household, gas_meter, window, django_capture_on_commit_callbacks
):
    services.reminder_preference_set(user=household.user, channel=ReminderChoice.EMAIL)
    household.user.email = "olena@example.com"
    household.user.save()
    with freeze_time("2026-01-26 12:00:00+02:00"):
        services.reading_submit(meter=gas_meter, user=household.user, texts=["00010"])
    assert services.reminders_send(today=dt.date(2026, 2, 1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send(today=dt.date(2026, 2, 25)) == 1
    assert mail.outbox and "olena@example.com" in mail.outbox[-1].to


def test_the_daily_command(utility, household, gas_meter, window, capsys):
    services.reminder_preference_set(user=household.user, channel=ReminderChoice.SMS)
    call_command("reading_reminders", "--date", "2026-03-25")
    assert "1 reminder(s)" in capsys.readouterr().out


def test_the_customer_chooses_in_settings(client, utility, household):
    client.force_login(household.user)
    url = reverse("metering:reminders")
    page = client.get(url, {"account": household.gas.pk}).content.decode()
    assert 'value="off" checked' in page.replace("\n", " ") or "checked" in page
    response = client.post(url + f"?account={household.gas.pk}", {"channel": "sms"})
    assert response.status_code == 302
    assert ReminderPreference.objects.get(user=household.user).channel == "sms"
    response = client.post(url, {"channel": "email"})  # no e-mail address yet
    assert response.status_code == 400
    assert ReminderPreference.objects.get(user=household.user).channel == "sms"
