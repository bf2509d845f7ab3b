"""The utility profile and announcements."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from freezegun import freeze_time

from kabinet.core.models import Announcement, Branch, Service, UtilityProfile
from kabinet.core.testing import make_address, make_utility

pytestmark = pytest.mark.django_db


# --- The utility profile -------------------------------------------------------------------------


def test_the_profile_is_created_on_first_use() -> None:
    assert not UtilityProfile.objects.exists()
    first = UtilityProfile.get()
    second = UtilityProfile.get()
    assert first.pk == second.pk == 1
    assert UtilityProfile.objects.count() == 1
    assert str(first) == "Kabinet"


def test_the_profile_is_a_singleton() -> None:
    make_utility(short_name="Перший")
    UtilityProfile(legal_name="Друга компанія", short_name="Друга").save()
    assert UtilityProfile.objects.count() == 1
    profile = UtilityProfile.get()
    assert profile.pk == 1
    assert profile.short_name == "Друга"


def test_phone_lines() -> None:
    profile = UtilityProfile(
        contact_phones=(
            "Кременчук: 0536 70 12 12\n"
            "\n"
            "0 800 30 12 12\n"
            "  Гаряча лінія :  +380 (44) 123-45-67  \r\n"
            "Порожній рядок:   \n"
            "Київ: (044): 222-33-44"
        )
    )
    assert profile.phone_lines() == [
        ("Кременчук", "0536 70 12 12"),
        ("", "0 800 30 12 12"),
        ("Гаряча лінія", "+380 (44) 123-45-67"),
        ("Київ: (044)", "222-33-44"),  # the last colon separates: labels may contain colons
    ]
    assert UtilityProfile(contact_phones="").phone_lines() == []


def test_offers() -> None:
    profile = UtilityProfile(services=[Service.GAS])
    assert profile.offers(Service.GAS)
    assert not profile.offers(Service.WATER)


# --- Announcements -------------------------------------------------------------------------------


def announce(title: str, **fields: object) -> Announcement:
    return Announcement.objects.create(title=title, body=f"{title}: текст", **fields)


def titles(announcements: list[Announcement]) -> set[str]:
    return {a.title for a in announcements}


def shown(on: str = "dashboard", branch_ids: tuple[int, ...] = ()) -> set[str]:
    return titles(Announcement.shown(on=on, branch_ids=set(branch_ids), limit=100))


def test_current_announcements_by_date() -> None:
    now = timezone.now()
    hour = dt.timedelta(hours=1)
    announce("open-ended")
    announce("running", starts_at=now - hour, ends_at=now + hour)
    announce("future", starts_at=now + hour)
    announce("ended", starts_at=now - 2 * hour, ends_at=now - hour)
    assert shown() == {"open-ended", "running"}


def test_announcements_start_and_end_on_time_from_the_cache() -> None:
    start = timezone.now()
    minute = dt.timedelta(minutes=1)  # well within the cache's lifetime
    announce("soon", starts_at=start + minute, ends_at=start + 2 * minute)
    with freeze_time(start):
        assert shown() == set()  # the live ones are cached now
    with freeze_time(start + minute), CaptureQueriesContext(connection) as queries:
        assert shown() == {"soon"}
    assert not [q for q in queries if "core_announcement" in q["sql"]]
    with freeze_time(start + 2 * minute):
        assert shown() == set()


def test_current_announcements_by_branch() -> None:
    apartment = make_address()
    here = Branch.objects.get(settlements__streets__buildings__apartments=apartment)
    elsewhere = Branch.objects.create(code="LUB", name="Лубенська філія")
    announce("everyone")
    announce("here", branch=here)
    announce("elsewhere", branch=elsewhere)
    assert shown() == {"everyone"}
    assert shown(branch_ids=(here.pk,)) == {"everyone", "here"}
    assert shown(branch_ids=(here.pk, elsewhere.pk)) == {"everyone", "here", "elsewhere"}


def test_announcements_by_page_newest_first_and_limited() -> None:
    now = timezone.now()
    for day in range(4):
        announce(f"day {day}", starts_at=now - dt.timedelta(days=day), on_dashboard=day != 3)
    announce("dashboard only", starts_at=now - dt.timedelta(days=9), on_login_page=False)
    newest = Announcement.shown(on="dashboard", limit=2)
    assert [a.title for a in newest] == ["day 0", "day 1"]
    assert shown("dashboard") == {"day 0", "day 1", "day 2", "dashboard only"}
    assert shown("login") == {"day 0", "day 1", "day 2", "day 3"}


def test_every_write_to_announcements_shows_at_once() -> None:
    first = announce("first")
    assert shown() == {"first"}  # cached
    announce("second")
    assert shown() == {"first", "second"}
    Announcement.objects.filter(pk=first.pk).update(title="renamed")
    assert shown() == {"renamed", "second"}
    Announcement.objects.bulk_create([Announcement(title="bulk", body="b")])
    assert shown() == {"renamed", "second", "bulk"}
    first.refresh_from_db()
    first.delete()
    assert shown() == {"second", "bulk"}
    Announcement.objects.filter(title="bulk").delete()
    assert shown() == {"second"}


def test_every_write_to_the_profile_shows_at_once() -> None:
    assert UtilityProfile.get().short_name  # cached
    UtilityProfile.objects.filter(pk=1).update(short_name="Газ-Схід")
    assert UtilityProfile.get().short_name == "Газ-Схід"
    profile = UtilityProfile.get()
    profile.short_name = "Газ-Захід"
    profile.save()
    assert UtilityProfile.objects.get().short_name == UtilityProfile.get().short_name == "Газ-Захід"


def test_a_rolled_back_write_leaves_no_stale_profile() -> None:
    UtilityProfile.get()
    with contextlib.suppress(RuntimeError), transaction.atomic():
        UtilityProfile.objects.update(short_name="never")
        raise RuntimeError
    assert UtilityProfile.get().short_name != "never"


def test_localized_falls_back_to_ukrainian() -> None:
    full = Announcement(
        title="Графік",
        body="Текст",
        title_ru="График",
        body_ru="Текст по-русски",
        title_en="Schedule",
        body_en="Text",
    )
    half = Announcement(title="Графік", body="Текст", title_ru="График")  # no Russian text
    with translation.override("uk"):
        assert full.localized() == ("Графік", "Текст")
    with translation.override("ru"):
        assert full.localized() == ("График", "Текст по-русски")
        assert half.localized() == ("Графік", "Текст")
    with translation.override("en"):
        assert full.localized() == ("Schedule", "Text")
        assert half.localized() == ("Графік", "Текст")
    with translation.override("de"):
        assert full.localized() == ("Графік", "Текст")


def test_phone_links_keep_digits_and_plus_for_tel() -> None:
    profile = UtilityProfile(contact_phones="Кременчук: 0536 70-12-12\n+380 (44) 123-45-67")
    assert profile.phone_links() == [
        ("Кременчук", "0536 70-12-12", "0536701212"),
        ("", "+380 (44) 123-45-67", "+380441234567"),
    ]


@pytest.mark.parametrize("language", ["uk", "ru", "en"])
def test_fast_choice_displays_say_what_djangos_would(language: str) -> None:
    """Models with ChoiceNames name their choices from a prepared dict; the words are Django's."""
    from django.db.models import Model

    from kabinet.billing.models import Payment, Source
    from kabinet.customers.models import Account
    from kabinet.metering.models import Meter, Reading

    def djangos(instance: Model, field: str) -> str:
        choices = instance._meta.get_field(field).flatchoices  # type: ignore[union-attr]
        return str(dict(choices)[getattr(instance, field)])

    with translation.override(language):
        for service in Service.values:
            account = Account(service=service)
            assert account.get_service_display() == djangos(account, "service")
        for channel in Payment.Channel.values:
            for source in Source.values:
                payment = Payment(channel=channel, source=source)
                assert payment.get_channel_display() == djangos(payment, "channel")
                assert payment.get_source_display() == djangos(payment, "source")
        for status in Reading.Status.values:
            for origin in Reading.Origin.values:
                reading = Reading(status=status, origin=origin)
                assert reading.get_status_display() == djangos(reading, "status")
                assert reading.get_origin_display() == djangos(reading, "origin")
        assert Meter(service="gas").get_service_display() == str(Service.GAS.label)
        assert Account(service="unknown").get_service_display() == "unknown"
