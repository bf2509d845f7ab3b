"""The utility profile and announcements."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

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


def titles(queryset: object) -> set[str]:
    return {a.title for a in queryset}  # type: ignore[attr-defined]


def test_current_announcements_by_date() -> None:
    now = timezone.now()
    hour = dt.timedelta(hours=1)
    announce("open-ended")
    announce("running", starts_at=now - hour, ends_at=now + hour)
    announce("future", starts_at=now + hour)
    announce("ended", starts_at=now - 2 * hour, ends_at=now - hour)
    assert titles(Announcement.objects.current()) == {"open-ended", "running"}


def test_current_announcements_by_branch() -> None:
    apartment = make_address()
    here = Branch.objects.get(settlements__streets__buildings__apartments=apartment)
    elsewhere = Branch.objects.create(code="LUB", name="Лубенська філія")
    announce("everyone")
    announce("here", branch=here)
    announce("elsewhere", branch=elsewhere)
    assert titles(Announcement.objects.current()) == {"everyone"}
    assert titles(Announcement.objects.current(branch_ids=[here.pk])) == {"everyone", "here"}
    assert titles(Announcement.objects.current(branch_ids=[here.pk, elsewhere.pk])) == {
        "everyone",
        "here",
        "elsewhere",
    }


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
