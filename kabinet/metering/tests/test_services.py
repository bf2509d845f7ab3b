"""The write side: rules enforced on the server, the correction period at its edges, the
history of every change, concurrent edits, reviews, billing's status and the export cursor
(SECURITY.md 18)."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone, translation
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabinet.billing.models import Statement
from kabinet.core import testing
from kabinet.core.models import AuditEvent
from kabinet.metering import rules, selectors, services
from kabinet.metering.models import Reading, ReadingRevision, ReadingRules

pytestmark = pytest.mark.django_db


def submit(meter, user, *texts, **kwargs):
    return services.reading_submit(meter=meter, user=user, texts=list(texts), **kwargs)


def test_the_window_is_enforced_at_its_edges(utility, household, gas_meter):
    ReadingRules.objects.create(service=gas_meter.service, window_opens=25, window_closes=3)
    with freeze_time("2026-01-24 23:59:59+02:00"), pytest.raises(services.ReadingError) as caught:
        submit(gas_meter, household.user, "00001")
    assert "25" in caught.value.errors["__all__"][0]
    with freeze_time("2026-01-25 00:00:00+02:00"):
        submit(gas_meter, household.user, "00001")
    with freeze_time("2026-02-03 23:59:59+02:00"):
        submit(gas_meter, household.user, "00002")
    with freeze_time("2026-02-04 00:00:00+02:00"), pytest.raises(services.ReadingError):
        submit(gas_meter, household.user, "00003")
    assert Reading.objects.count() == 2


@translation.override("en")
def test_remote_meters_and_overdue_verification_are_refused_with_the_reason(utility, household):
    remote = testing.make_meter(account=household.gas, remote_read=True)
    overdue = testing.make_meter(account=household.gas, verification_due=dt.date(2020, 1, 1))
    with pytest.raises(services.ReadingError) as caught:
        submit(remote, household.user, "00001")
    assert "remote" in caught.value.errors["__all__"][0]
    with pytest.raises(services.ReadingError) as caught:
        submit(overdue, household.user, "00001")
    assert "verification" in caught.value.errors["__all__"][0]
    assert not Reading.objects.exists()


def test_below_the_previous_value_is_refused(utility, household, gas_meter):
    submit(gas_meter, household.user, "01000")
    with pytest.raises(services.ReadingError) as caught:
        submit(gas_meter, household.user, "00500")
    assert "value1" in caught.value.errors
    assert not caught.value.needs


def test_a_rollover_needs_the_customer_s_confirmation(utility, household, gas_meter):
    submit(gas_meter, household.user, "99950")
    with pytest.raises(services.ReadingError) as caught:
        submit(gas_meter, household.user, "00050")
    assert caught.value.needs == {"rollover"}
    reading = submit(gas_meter, household.user, "00050", confirm_rollover=True)
    assert reading.rollover and reading.consumption == Decimal(100)


def test_an_implausible_jump_asks_for_confirmation_and_is_flagged(utility, household, gas_meter):
    Statement.objects.bulk_create(
        Statement(
            account=household.gas,
            period=dt.date(2025, m, 1),
            volume=Decimal(100),
            as_of=timezone.now(),
        )
        for m in range(1, 13)
    )
    submit(gas_meter, household.user, "01000")
    normal = submit(gas_meter, household.user, "01250")
    assert not normal.flagged
    with pytest.raises(services.ReadingError) as caught:
        submit(gas_meter, household.user, "05000")
    assert caught.value.needs == {"jump"}
    jumped = submit(gas_meter, household.user, "05000", confirm_jump=True)
    assert jumped.flagged and jumped.flag_reason
    assert list(selectors.inspector_queue(flagged=True)) == [jumped]


def test_each_zone_is_checked(utility, household, power_meter):
    submit(power_meter, household.user, "000100", "000050")
    with pytest.raises(services.ReadingError) as caught:
        submit(power_meter, household.user, "000120", "000040")
    assert set(caught.value.errors) == {"value2"}
    with pytest.raises(services.ReadingError) as caught:
        submit(power_meter, household.user, "000120")
    assert set(caught.value.errors) == {"value2"}
    reading = submit(power_meter, household.user, "000120", "000055")
    assert reading.consumption == Decimal(25)


def test_the_correction_period_at_its_edges(utility, household, gas_meter):
    with freeze_time("2026-03-02 10:00:00+02:00"):
        reading = submit(gas_meter, household.user, "00010")
    with freeze_time("2026-03-03 09:59:59+02:00"):
        services.reading_edit(reading=reading, user=household.user, texts=["00011"])
    with freeze_time("2026-03-03 10:00:00+02:00"):
        with pytest.raises(services.ReadingError) as caught:
            services.reading_edit(reading=reading, user=household.user, texts=["00012"])
        assert "24" in caught.value.errors["__all__"][0]
        with pytest.raises(services.ReadingError):
            services.reading_delete(reading=reading, user=household.user)
    reading.refresh_from_db()
    assert reading.value1 == Decimal(11) and reading.deleted_at is None


def test_the_configured_correction_period_applies(utility, household, gas_meter):
    ReadingRules.objects.create(service=gas_meter.service, edit_hours=2)
    with freeze_time("2026-03-02 10:00:00+02:00"):
        reading = submit(gas_meter, household.user, "00010")
    with freeze_time("2026-03-02 12:00:01+02:00"), pytest.raises(services.ReadingError):
        services.reading_edit(reading=reading, user=household.user, texts=["00011"])


def test_only_the_author_may_change_a_reading(utility, company, household, gas_meter):
    colleague = testing.make_user(customer=household.customer, accounts=[household.gas])
    reading = submit(gas_meter, household.user, "00010")
    with pytest.raises(services.ReadingError):
        services.reading_edit(reading=reading, user=colleague, texts=["00011"])
    with pytest.raises(services.ReadingError):
        services.reading_delete(reading=reading, user=colleague)


def test_an_edit_is_checked_against_the_reading_before_it(utility, household, gas_meter):
    first = submit(gas_meter, household.user, "00100")
    reading = submit(gas_meter, household.user, "00150")
    with pytest.raises(services.ReadingError):
        services.reading_edit(reading=reading, user=household.user, texts=["00090"])
    edited = services.reading_edit(reading=reading, user=household.user, texts=["00120"])
    assert edited.consumption == Decimal(20)
    # the first one is locked now: changing it would change what the second one consumed
    for change in (
        lambda: services.reading_edit(reading=first, user=household.user, texts=["00130"]),
        lambda: services.reading_delete(reading=first, user=household.user),
    ):
        with pytest.raises(services.ReadingError) as caught:
            change()
        assert caught.value.errors["__all__"]
    first.refresh_from_db()
    assert first.value1 == Decimal(100) and first.deleted_at is None


def test_every_change_is_in_the_history_and_the_audit_log(utility, household, gas_meter):
    reading = submit(gas_meter, household.user, "00010")
    services.reading_edit(reading=reading, user=household.user, texts=["00011"])
    services.reading_delete(reading=reading, user=household.user)
    revisions = list(reading.revisions.values_list("action", "values"))
    assert revisions == [("created", ["00010"]), ("edited", ["00011"]), ("deleted", ["00011"])]
    actions = set(
        AuditEvent.objects.filter(
            object_type="metering.reading", object_id=str(reading.pk)
        ).values_list("action", flat=True)
    )
    assert actions == {
        "metering.reading_submitted",
        "metering.reading_edited",
        "metering.reading_deleted",
    }


def test_two_edits_from_the_same_stale_page_both_land_in_the_history(utility, household, gas_meter):
    reading = submit(gas_meter, household.user, "00010")
    stale_a = Reading.objects.get(pk=reading.pk)
    stale_b = Reading.objects.get(pk=reading.pk)
    services.reading_edit(reading=stale_a, user=household.user, texts=["00011"])
    services.reading_edit(reading=stale_b, user=household.user, texts=["00012"])
    reading.refresh_from_db()
    assert reading.value1 == Decimal(12) and reading.version == 3
    last = reading.revisions.order_by("-id").first()
    assert last.values == ["00012"]
    assert [r.values for r in reading.revisions.all()] == [["00010"], ["00011"], ["00012"]]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_concurrent_edits_leave_one_consistent_result(utility, household, gas_meter):
    reading = submit(gas_meter, household.user, "00010")
    barrier = threading.Barrier(2)
    errors = []

    def edit(text):
        try:
            barrier.wait()
            services.reading_edit(reading=reading, user=household.user, texts=[text])
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(t,)) for t in ("00011", "00012")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    reading.refresh_from_db()
    revisions = list(reading.revisions.order_by("id"))
    assert len(revisions) == 3 and reading.version == 3
    assert {tuple(r.values) for r in revisions[1:]} == {("00011",), ("00012",)}
    assert [gas_meter.display(reading.value1)] == revisions[-1].values


def test_the_inspector_accepts_or_rejects_with_a_reason(utility, household, gas_meter, staff):
    first = submit(gas_meter, household.user, "00010")
    second = submit(gas_meter, household.user, "00020")
    services.reading_review(reading=first, user=staff, accept=True)
    with pytest.raises(services.ReadingError):
        services.reading_review(reading=second, user=staff, accept=False, reason="  ")
    services.reading_review(reading=second, user=staff, accept=False, reason="Фото не збігається")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Reading.Status.ACCEPTED
    assert (second.status, second.reject_reason) == (Reading.Status.REJECTED, "Фото не збігається")
    with pytest.raises(services.ReadingError):
        services.reading_review(reading=first, user=staff, accept=False, reason="x")
    # a reviewed reading is locked for its author
    with pytest.raises(services.ReadingError):
        services.reading_edit(reading=first, user=household.user, texts=["00011"])
    assert list(selectors.inspector_queue()) == []


def test_billing_sets_the_status_back_and_the_export_cursor_misses_nothing(
    utility, household, gas_meter
):
    with freeze_time("2026-03-02 10:00:00+02:00"):
        first = submit(gas_meter, household.user, "00010")
        second = submit(gas_meter, household.user, "00020")
        # too fresh: a transaction might still be committing an earlier revision
        assert selectors.readings_for_export(after=0).readings == []
    with freeze_time("2026-03-02 10:01:00+02:00"):
        batch = selectors.readings_for_export(after=0)
        assert batch.readings == [first, second]
        assert selectors.readings_for_export(after=batch.cursor).readings == []
        services.reading_status_set(reading=first, status=Reading.Status.ESTIMATED)
        services.reading_status_set(reading=first, status=Reading.Status.ESTIMATED)  # repeated
    with freeze_time("2026-03-02 10:02:00+02:00"):
        again = selectors.readings_for_export(after=batch.cursor)
        assert again.readings == [first] and again.cursor > batch.cursor
        first.refresh_from_db()
        assert first.status == Reading.Status.ESTIMATED
        assert first.revisions.filter(action=ReadingRevision.Action.STATUS).count() == 1
        row = selectors.export_row(again.readings[0])
        assert row["status"] == "estimated" and row["values"] == ["10"] and not row["deleted"]
        assert row["account"] == household.gas.number and row["version"] == 2
        paged = selectors.readings_for_export(after=0, limit=1)
        assert paged.readings == [first]
        assert selectors.readings_for_export(after=paged.cursor, limit=1).readings == [second]


@pytest.fixture
def sequence_cast(utility, household):
    return household


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    digits=st.integers(min_value=3, max_value=7),
    decimals=st.integers(min_value=0, max_value=3),
    start=st.integers(min_value=0, max_value=10**12),
    steps=st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=6),
    typed_zeros=st.booleans(),
)
def test_random_sequences_through_the_server(
    sequence_cast, digits, decimals, start, steps, typed_zeros
):
    """Random registers and sequences, typed as the customer would (with or without leading
    zeros): each step is stored with its consumption, a rollover only with a confirmation,
    and a lower value that is no rollover is refused — all by the server."""
    household = sequence_cast
    span = Decimal(10) ** digits
    unit = Decimal(1).scaleb(-decimals)

    def typed(value: Decimal) -> str:
        text = rules.format_register(value, digits=digits, decimals=decimals)
        whole, comma, fraction = text.partition(",")
        return text if typed_zeros else (whole.lstrip("0") or "0") + comma + fraction

    with transaction.atomic():
        meter = testing.make_meter(account=household.gas, digits=digits, decimals=decimals)
        value = (Decimal(start) * unit) % span
        submit(meter, household.user, typed(value))
        for raw in steps:
            consumption = (Decimal(raw) * unit) % (span / 2)
            new = (value + consumption) % span
            rolled = value + consumption >= span
            if rolled:
                with pytest.raises(services.ReadingError) as caught:
                    submit(meter, household.user, typed(new))
                assert caught.value.needs == {"rollover"}
            reading = submit(meter, household.user, typed(new), confirm_rollover=True)
            assert reading.consumption == consumption and reading.rollover == rolled
            value = new
        if value >= unit:  # one step below: passing zero would need almost the whole range
            with pytest.raises(services.ReadingError) as caught:
                submit(meter, household.user, typed(value - unit), confirm_rollover=True)
            assert "value1" in caught.value.errors
        transaction.set_rollback(True)
