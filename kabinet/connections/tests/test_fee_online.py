"""The connection fee paid online through the payments flow (the sandbox provider): the
paid order moves the application from "awaiting payment" to the works, once; a payment that
no longer fits the application is kept by payments and recorded for staff, never refused."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.urls import reverse

from kabinet.core.models import AuditEvent, UtilityProfile
from kabinet.core.testing import Household
from kabinet.payments.models import PaymentOrder
from kabinet.payments.tests.conftest import bank  # noqa: F401 - the sandbox's callbacks
from kabinet.payments.tests.test_flow import pay_on_sandbox

from ..models import ConnectionApplication, Stage
from .helpers import filled_application


@pytest.fixture
def awaiting(utility: UtilityProfile, household: Household) -> ConnectionApplication:
    utility.connections_enabled = True
    utility.save()
    application = filled_application(household.user)
    ConnectionApplication.objects.filter(pk=application.pk).update(
        stage=Stage.AWAITING_PAYMENT, fee_amount=Decimal("1530.00")
    )
    application.refresh_from_db()
    return application


def test_the_fee_paid_online_starts_the_works(client, household, awaiting, bank) -> None:  # noqa: F811
    client.force_login(household.user)
    detail = client.get(reverse("connections:detail", args=[awaiting.pk])).content.decode()
    assert 'id="pay-fee"' in detail
    started = client.post(reverse("connections:pay", args=[awaiting.pk]))
    assert urlparse(started.url).path == reverse("payments:sandbox_checkout")
    order = PaymentOrder.objects.get(domain="connection", reference=awaiting.number)
    assert order.amount == Decimal("1530.00") and order.account_id is None
    pay_on_sandbox(client, started.url)
    awaiting.refresh_from_db()
    assert awaiting.stage == Stage.WORKS and awaiting.payment_reference == order.order_id
    # a replayed callback changes nothing
    client.post(reverse("connections:pay", args=[awaiting.pk]))
    assert PaymentOrder.objects.filter(domain="connection").count() == 1
    assert (
        'id="pay-fee"'
        not in client.get(reverse("connections:detail", args=[awaiting.pk])).content.decode()
    )


def test_a_payment_that_no_longer_fits_is_kept_and_flagged(
    client,
    household,
    awaiting,
    bank,  # noqa: F811
) -> None:
    client.force_login(household.user)
    started = client.post(reverse("connections:pay", args=[awaiting.pk]))
    # staff change the fee while the customer is on the provider's page
    ConnectionApplication.objects.filter(pk=awaiting.pk).update(fee_amount=Decimal("1600.00"))
    pay_on_sandbox(client, started.url)
    order = PaymentOrder.objects.get(domain="connection")
    assert order.status == "success"
    awaiting.refresh_from_db()
    assert awaiting.stage == Stage.AWAITING_PAYMENT
    assert AuditEvent.objects.filter(action="connection.payment_unmatched").count() == 1


def test_another_customer_cannot_pay_the_fee(client, outsider, awaiting) -> None:
    client.force_login(outsider.user)
    assert client.post(reverse("connections:pay", args=[awaiting.pk])).status_code == 404
    assert client.get(reverse("connections:pay", args=[awaiting.pk])).status_code == 405
    assert not PaymentOrder.objects.exists()
