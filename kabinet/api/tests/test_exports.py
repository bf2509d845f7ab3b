"""Exports with a cursor: nothing missed, nothing twice, safe to repeat; reading callbacks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from kabinet.api.exports import cursor_make, cursor_read, export_page
from kabinet.appeals.models import Appeal
from kabinet.core import testing
from kabinet.core.audit import audit
from kabinet.metering.models import Reading

from .conftest import ApiClient

pytestmark = pytest.mark.django_db
LONG_AGO = timezone.now() - dt.timedelta(hours=1)


def reading(meter, *, value: int, at: dt.datetime = LONG_AGO, **fields) -> Reading:
    values = {"meter": meter, "taken_on": dt.date(2025, 1, 1), "value1": value,
              "origin": Reading.Origin.CUSTOMER, "submitted_at": at, **fields}  # fmt: skip
    return Reading.objects.create(**values)


@pytest.fixture
def meter(household):
    return testing.make_meter(account=household.gas, serial="G-1")


def walk(billing: ApiClient, name: str, limit: int, cursor: str | None = None) -> tuple[list, str]:
    seen = []
    while True:
        query = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        body = billing.get(f"export/{name}", **query).json()
        seen.extend(body["items"])
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return seen, cursor


def test_readings_pages_nothing_missed_nothing_twice(billing: ApiClient, meter) -> None:
    made = [reading(meter, value=v) for v in range(7)]
    reading(meter, value=99, origin=Reading.Origin.BILLING)  # billing's own: not sent back
    seen, cursor = walk(billing, "readings", limit=3)
    assert [r["id"] for r in seen] == [r.pk for r in made]
    assert seen[0]["meter_serial"] == "G-1"
    assert seen[0]["account_number"] == meter.account.number
    # Later rows come after the cursor, once; the old ones never again.
    later = reading(meter, value=100)
    more, cursor2 = walk(billing, "readings", limit=3, cursor=cursor)
    assert [r["id"] for r in more] == [later.pk]
    assert walk(billing, "readings", limit=3, cursor=cursor2)[0] == []


def test_the_same_cursor_gives_the_same_page(billing: ApiClient, meter) -> None:
    for v in range(4):
        reading(meter, value=v)

    def page(cursor: str | None = None) -> dict:
        """A page with its next cursor read back: signed cursors carry the second they were
        made in, so two answers a second apart differ in that alone."""
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = billing.get("export/readings", **query).json()
        return {**body, "next_cursor": cursor_read("readings", body["next_cursor"])}

    first, again = page(), page()
    assert first == again
    cursor = billing.get("export/readings", limit=2).json()["next_cursor"]
    second = page(cursor)
    assert second == page(cursor)
    assert {r["id"] for r in first["items"]}.isdisjoint({r["id"] for r in second["items"]})


@override_settings(EXPORT_SETTLE_SECONDS=60)
def test_rows_inside_the_settle_window_wait_and_hold_back_the_rest(meter) -> None:
    old = reading(meter, value=1)
    young = reading(meter, value=2, at=timezone.now())
    after = reading(meter, value=3)  # an older timestamp behind a younger sequence number
    page = export_page("readings", cursor=None, limit=10)
    assert [r["id"] for r in page.items] == [old.pk]
    later = export_page("readings", cursor=page.next_cursor, limit=10,
                        now=timezone.now() + dt.timedelta(minutes=2))  # fmt: skip
    assert [r["id"] for r in later.items] == [young.pk, after.pk]


def test_bad_and_foreign_cursors_are_404(billing: ApiClient) -> None:
    for cursor in ("garbage", cursor_make("appeals", 5), cursor_make("readings", 5) + "x"):
        response = billing.get("export/readings", cursor=cursor)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
        assert response.json()["error"]["message"].startswith("cursor: ")


def test_users_export_registrations_and_changed_contacts(billing: ApiClient, household) -> None:
    user = household.user
    audit("signup.completed", actor=user, obj=user, flow="phone")
    audit("login.success", actor=user, obj=user)  # not a change billing needs
    audit("contact.changed", actor=user, obj=user, kind="email")
    with override_settings(EXPORT_SETTLE_SECONDS=0):
        items, _cursor = walk(billing, "users", limit=10)
    assert [i["change"] for i in items] == ["registered", "contacts_changed"]
    assert items[0]["user_id"] == user.pk and items[0]["phone"] == user.phone


def test_appeals_export(billing: ApiClient, household) -> None:
    appeal = Appeal.objects.create(number="Z-1", user=household.user, account=household.gas,
                                   topic_id="billing", text="Перерахуйте",
                                   created_at=LONG_AGO)  # fmt: skip
    items, _cursor = walk(billing, "appeals", limit=10)
    assert [(i["number"], i["account_number"], i["text"]) for i in items] == [
        (appeal.number, household.gas.number, "Перерахуйте")
    ]


def test_reading_status_callbacks(billing: ApiClient, meter) -> None:
    one, two = reading(meter, value=1), reading(meter, value=2)
    updates = [
        {"reading_id": one.pk, "status": "accepted"},
        {"reading_id": two.pk, "status": "rejected", "reason": "Менше за попередній"},
        {"reading_id": 999999, "status": "accepted"},
        {"reading_id": one.pk, "status": "lost"},
        {"reading_id": two.pk, "status": "rejected"},
    ]
    body = billing.post("callbacks/readings", {"records": updates}).json()
    assert (body["updated"], body["unchanged"]) == (2, 0)
    assert [(r["index"], r["field"]) for r in body["rejected"]] == [
        (2, "reading_id"),
        (3, "status"),
        (4, "reason"),
    ]
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.status == "accepted"
    assert (two.status, two.reject_reason) == ("rejected", "Менше за попередній")
    body = billing.post("callbacks/readings", {"records": updates[:2]}).json()
    assert (body["updated"], body["unchanged"]) == (0, 2)


@pytest.mark.parametrize("name", ["readings", "users", "appeals"])
def test_an_export_page_costs_the_same_queries_at_any_size(
    billing: ApiClient, household, meter, name: str, django_assert_num_queries
) -> None:
    def add(n: int) -> None:
        for v in range(n):
            reading(meter, value=v)
            audit("signup.completed", actor=household.user, obj=household.user)
            Appeal.objects.create(number=f"Z-{name}-{v}-{Appeal.objects.count()}",
                                  user=household.user, account=household.gas, topic_id="other",
                                  text="?", created_at=LONG_AGO)  # fmt: skip

    with override_settings(EXPORT_SETTLE_SECONDS=0):
        add(2)
        billing.get(f"export/{name}")  # warm: the key's last_used_at is written once a minute
        # key, the first unsettled row, the page (users: + their users), the call log
        with django_assert_num_queries(5 if name == "users" else 4):
            assert len(billing.get(f"export/{name}").json()["items"]) == 2
        add(40)
        with django_assert_num_queries(5 if name == "users" else 4):
            assert len(billing.get(f"export/{name}").json()["items"]) == 42
