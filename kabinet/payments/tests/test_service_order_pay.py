"""A priced service order (DTEK's online services) paid through the same flow: the paid
order marks the service order paid, once; a colleague whose role may not pay cannot."""

from __future__ import annotations

from urllib.parse import urlparse

from django.urls import reverse

from kabinet.customers.models import Role, ServiceKind, ServiceOrder
from kabinet.customers.tests.business_cast import colleague
from kabinet.customers.tests.test_service_orders import make_kind
from kabinet.payments.models import PaymentOrder

from .conftest import bank  # noqa: F401 - the sandbox's callbacks
from .test_flow import pay_on_sandbox


def ordered(client, company) -> ServiceOrder:
    kind = make_kind(target=ServiceKind.Target.SERVICE_POINT, fields="")
    client.force_login(company.user)
    client.post(
        reverse("customers:service_order_new", args=[kind.pk]),
        {"target": f"s{company.service_point.pk}"},
    )
    return ServiceOrder.objects.get()


def test_a_priced_order_is_paid_online_once(client, company, utility, bank) -> None:  # noqa: F811
    order = ordered(client, company)
    page = client.get(reverse("customers:service_order", args=[order.pk])).content.decode()
    assert 'id="order-pay"' in page
    started = client.post(reverse("payments:service_order_pay", args=[order.pk]))
    assert urlparse(started.url).path == reverse("payments:sandbox_checkout")
    payment = PaymentOrder.objects.get(domain="service_order", reference=str(order.pk))
    assert payment.amount == order.price
    pay_on_sandbox(client, started.url)
    order.refresh_from_db()
    assert order.paid_at is not None
    again = client.post(reverse("payments:service_order_pay", args=[order.pk]))
    assert again.status_code == 302 and PaymentOrder.objects.count() == 1
    page = client.get(reverse("customers:service_order", args=[order.pk])).content.decode()
    assert 'id="order-pay"' not in page


def test_a_view_only_colleague_and_another_company_cannot_pay(
    client, company, outsider, utility
) -> None:
    order = ordered(client, company)
    client.force_login(colleague(company.customer, Role.VIEW))
    assert client.post(reverse("payments:service_order_pay", args=[order.pk])).status_code == 403
    client.force_login(outsider.user)
    assert client.post(reverse("payments:service_order_pay", args=[order.pk])).status_code == 404
    assert not PaymentOrder.objects.exists()
