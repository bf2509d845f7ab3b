"""The inspector's queue in the back office: only with `metering.review_reading` (and the
staff second factor); filters; accept or reject with a reason the customer then sees."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kabinet.core import testing
from kabinet.core.models import Service
from kabinet.metering import services
from kabinet.metering.models import Reading

pytestmark = pytest.mark.django_db

QUEUE = "/admin/metering/reading/queue/"


@pytest.fixture
def inspector(db):
    user = testing.make_staff(username="inspector")
    user.user_permissions.add(Permission.objects.get(codename="review_reading"))
    return user


def review_url(reading):
    return reverse("admin:metering_reading_review", args=[reading.pk])


def test_the_queue_needs_the_permission(client, utility, staff, household, gas_meter):
    reading = services.reading_submit(meter=gas_meter, user=household.user, texts=["00010"])
    testing.back_office_login(client, staff)
    assert client.get(QUEUE).status_code == 403
    assert client.post(review_url(reading), {"decision": "accept"}).status_code == 403
    reading.refresh_from_db()
    assert reading.status == Reading.Status.SENT


def test_the_queue_needs_the_second_factor(client, utility, inspector):
    client.force_login(inspector)
    response = client.get(QUEUE)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_customer_cannot_reach_the_queue(client, utility, household):
    client.force_login(household.user)
    assert client.get(QUEUE).status_code == 302


def test_new_readings_appear_and_filters_apply(
    client, utility, inspector, household, gas_meter, company
):
    gas = services.reading_submit(meter=gas_meter, user=household.user, texts=["00010"])
    water = services.reading_submit(meter=company.meter, user=company.user, texts=["00007"])
    testing.back_office_login(client, inspector)
    page = client.get(QUEUE).content.decode()
    assert f'data-reading="{gas.pk}"' in page and f'data-reading="{water.pk}"' in page
    page = client.get(QUEUE, {"service": Service.WATER}).content.decode()
    assert f'data-reading="{gas.pk}"' not in page and f'data-reading="{water.pk}"' in page
    branch = household.gas.building.street.settlement.branch
    other = testing.make_building(branch="Інша філія", street="вул. Інша", building="1")
    assert other.street.settlement.branch != branch
    page = client.get(QUEUE, {"branch": other.street.settlement.branch.pk}).content.decode()
    assert "data-reading=" not in page
    page = client.get(QUEUE, {"flagged": "1"}).content.decode()
    assert "data-reading=" not in page


def test_accept_and_reject_with_a_reason_the_customer_sees(
    client, utility, inspector, household, gas_meter
):
    first = services.reading_submit(meter=gas_meter, user=household.user, texts=["00010"])
    second = services.reading_submit(meter=gas_meter, user=household.user, texts=["00020"])
    testing.back_office_login(client, inspector)
    assert client.post(review_url(first), {"decision": "accept"}).status_code == 302
    response = client.post(review_url(second), {"decision": "reject", "reason": ""})
    second.refresh_from_db()
    assert response.status_code == 302 and second.status == Reading.Status.SENT
    client.post(
        review_url(second), {"decision": "reject", "reason": "Показання не збігаються з фото"}
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Reading.Status.ACCEPTED and second.status == Reading.Status.REJECTED
    client.force_login(household.user)
    page = client.get(reverse("metering:meter_history", args=[household.gas.pk, gas_meter.pk]))
    assert "Показання не збігаються з фото" in page.content.decode()


def test_the_queue_issues_a_fixed_number_of_queries(
    client, utility, inspector, household, gas_meter
):
    testing.back_office_login(client, inspector)
    services.reading_submit(meter=gas_meter, user=household.user, texts=["00010"])

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(QUEUE).status_code == 200
        return len(captured.captured_queries)

    count()  # the first request warms per-process caches (content types)
    few = count()
    for n in range(10):
        meter = testing.make_meter(account=household.gas)
        services.reading_submit(meter=meter, user=household.user, texts=[f"{n:05d}"])
    assert count() == few


def test_the_inspector_sees_a_reading_with_its_history_but_cannot_edit_it(
    client, utility, inspector, household, gas_meter
):
    reading = services.reading_submit(meter=gas_meter, user=household.user, texts=["00010"])
    services.reading_edit(reading=reading, user=household.user, texts=["00011"])
    testing.back_office_login(client, inspector)
    page = client.get(reverse("admin:metering_reading_change", args=[reading.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "00010" in body and "00011" in body  # both revisions
    assert (
        client.post(reverse("admin:metering_reading_delete", args=[reading.pk])).status_code == 403
    )
    assert client.get(QUEUE.replace("queue/", "")).status_code == 200  # the change list


def test_rules_need_both_days_of_the_window_or_neither(db):
    from django.core.exceptions import ValidationError

    from kabinet.metering.models import ReadingRules

    with pytest.raises(ValidationError):
        ReadingRules(service=Service.GAS, window_opens=25).full_clean()
    ReadingRules(service=Service.GAS, window_opens=25, window_closes=3).full_clean()
    ReadingRules(service=Service.GAS).full_clean()
