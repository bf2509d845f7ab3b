"""Ordering the utility's services (DTEK): the staff's catalogue, an order for an account or a
service point with the required fields, status and answer, per-role and per-customer access."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kabinet.core import testing
from kabinet.core.models import AuditEvent
from kabinet.customers.models import Role, ServiceKind, ServiceOrder

from .business_cast import colleague


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def make_kind(**fields) -> ServiceKind:
    values = {
        "code": f"kind-{testing.next_number()}",
        "name": "Повірка лічильника",
        "name_en": "Meter verification",
        "price": Decimal("350.00"),
        "fields": "Номер лічильника\nЗручний час",
    }
    values.update(fields)
    return ServiceKind.objects.create(**values)


def test_catalogue_lists_offered_services_with_prices(english, company):
    make_kind()
    make_kind(
        name="Довідка про відсутність заборгованості", name_en="No-debt certificate", price=None
    )
    make_kind(name="Знято", name_en="Withdrawn", is_active=False)
    english.force_login(company.user)
    text = english.get(reverse("customers:service_catalogue")).content.decode()
    assert "Meter verification" in text and "350.00" in text
    assert "No-debt certificate" in text and "Free of charge" in text
    assert "Withdrawn" not in text


def test_ordering_for_an_account_asks_the_required_fields_and_shows_status_and_answer(
    english, company, staff
):
    kind = make_kind()
    english.force_login(company.user)
    url = reverse("customers:service_order_new", args=[kind.pk])
    response = english.post(url, {"target": f"a{company.account.pk}", "field_0": "M-1"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert 'value="M-1"' in response.content.decode()
    response = english.post(
        url,
        {"target": f"a{company.account.pk}", "field_0": "M-1", "field_1": "after 14:00"},
    )
    order = ServiceOrder.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("customers:service_order", args=[order.pk])
    assert order.details == {"Номер лічильника": "M-1", "Зручний час": "after 14:00"}
    assert order.price == Decimal("350.00") and order.ordered_by == company.user
    assert order.customer == company.customer and order.account == company.account
    assert AuditEvent.objects.filter(action="service_order.placed", customer_id=company.customer.pk)

    from django.test import RequestFactory

    from kabinet.customers.services import service_order_answer

    request = RequestFactory().post("/")
    request.user = staff
    service_order_answer(
        order=order,
        status=ServiceOrder.Status.IN_PROGRESS,
        answer="Майстер прийде 12.12",
        request=request,
    )
    page = english.get(reverse("customers:service_order", args=[order.pk])).content.decode()
    assert "In progress" in page and "Майстер прийде 12.12" in page
    listing = english.get(reverse("customers:service_orders")).content.decode()
    assert "Meter verification" in listing and company.user.username in listing


def test_ordering_for_a_service_point(client, company):
    kind = make_kind(target=ServiceKind.Target.SERVICE_POINT, fields="")
    client.force_login(company.user)
    url = reverse("customers:service_order_new", args=[kind.pk])
    response = client.post(url, {"target": f"s{company.service_point.pk}"})
    assert response.status_code == 302
    assert ServiceOrder.objects.get().service_point == company.service_point


def test_another_customers_account_cannot_be_chosen_nor_their_orders_seen(
    client, company, household
):
    kind = make_kind(fields="")
    client.force_login(household.user)
    url = reverse("customers:service_order_new", args=[kind.pk])
    response = client.post(url, {"target": f"a{company.account.pk}"})
    assert response.status_code == 200 and not ServiceOrder.objects.exists()
    client.force_login(company.user)
    client.post(url, {"target": f"a{company.account.pk}"})
    order = ServiceOrder.objects.get()
    client.force_login(household.user)
    assert client.get(reverse("customers:service_order", args=[order.pk])).status_code == 404
    assert (
        client.post(reverse("customers:service_order_cancel", args=[order.pk])).status_code == 404
    )
    assert client.get(reverse("customers:service_orders")).context["orders"] == []


@pytest.mark.parametrize(
    ("role", "may_order"),
    [
        (Role.VIEW, False),
        (Role.READINGS, False),
        (Role.PAY, False),
        (Role.FULL, True),
        (Role.ADMIN, True),
    ],
)
def test_only_full_access_and_administrators_order(english, company, role, may_order):
    kind = make_kind(fields="")
    english.force_login(colleague(company.customer, role))
    url = reverse("customers:service_order_new", args=[kind.pk])
    response = english.post(url, {"target": f"a{company.account.pk}"})
    assert ServiceOrder.objects.exists() is may_order
    if not may_order:
        assert "Your role does not allow ordering services." in response.content.decode()


def test_a_colleague_sees_the_companys_orders_and_a_new_order_can_be_cancelled(client, company):
    kind = make_kind(fields="")
    client.force_login(company.user)
    client.post(
        reverse("customers:service_order_new", args=[kind.pk]), {"target": f"a{company.account.pk}"}
    )
    order = ServiceOrder.objects.get()
    viewer = colleague(company.customer, Role.VIEW)
    client.force_login(viewer)
    assert client.get(reverse("customers:service_order", args=[order.pk])).status_code == 200
    client.post(reverse("customers:service_order_cancel", args=[order.pk]))
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.NEW  # a viewer cannot cancel
    client.force_login(company.user)
    client.post(reverse("customers:service_order_cancel", args=[order.pk]))
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.CANCELLED


def test_orders_list_issues_the_same_queries_for_1_and_40_orders(client, company):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    kind = make_kind(fields="")
    client.force_login(company.user)
    client.post(
        reverse("customers:service_order_new", args=[kind.pk]), {"target": f"a{company.account.pk}"}
    )
    url = reverse("customers:service_orders")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _n in range(39):
        ServiceOrder.objects.create(
            kind=kind, customer=company.customer, account=company.account, ordered_by=company.user
        )
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def staff_client(*codenames: str) -> Client:
    user = testing.make_staff(username=f"editor{testing.next_number()}")
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    testing.back_office_login(client, user)
    return client


def test_the_catalogue_in_the_back_office_needs_its_model_permissions(db):
    changelist = reverse("admin:customers_servicekind_changelist")
    assert staff_client().get(changelist).status_code == 403
    assert staff_client("view_servicekind").get(changelist).status_code == 200
    editor = staff_client("view_servicekind", "add_servicekind")
    response = editor.post(
        reverse("admin:customers_servicekind_add"),
        {
            "code": "reconnection",
            "name": "Підключення",
            "price": "500",
            "target": "account",
            "position": 0,
            "is_active": "on",
        },
    )
    assert response.status_code == 302 and ServiceKind.objects.filter(code="reconnection").exists()


def test_operators_answer_orders_in_the_back_office_and_it_is_audited(company):
    kind = make_kind(fields="")
    order = ServiceOrder.objects.create(
        kind=kind, customer=company.customer, account=company.account
    )
    operator = staff_client("view_serviceorder", "change_serviceorder")
    change = reverse("admin:customers_serviceorder_change", args=[order.pk])
    assert operator.get(change).status_code == 200
    assert operator.get(reverse("admin:customers_serviceorder_changelist")).status_code == 200
    response = operator.post(
        reverse("admin:customers_serviceorder_change", args=[order.pk]),
        {"status": ServiceOrder.Status.DONE, "answer": "Виконано"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    order.refresh_from_db()
    assert (order.status, order.answer) == (ServiceOrder.Status.DONE, "Виконано")
    event = AuditEvent.objects.get(action="service_order.answered")
    assert event.customer_id == company.customer.pk and event.data["new"] == "done"
    assert (
        staff_client("view_serviceorder")
        .post(
            reverse("admin:customers_serviceorder_change", args=[order.pk]),
            {"status": ServiceOrder.Status.REJECTED, "answer": "x"},
        )
        .status_code
        == 403
    )


def test_the_customer_is_told_when_the_utility_answers(company, staff):
    from django.test import RequestFactory

    from kabinet.customers.services import service_order_answer
    from kabinet.notify.models import OutboxMessage

    company.user.email = "boss@vodohrai.example.com"
    company.user.save()
    order = ServiceOrder.objects.create(
        kind=make_kind(fields=""),
        customer=company.customer,
        account=company.account,
        ordered_by=company.user,
    )
    request = RequestFactory().post("/")
    request.user = staff
    service_order_answer(order=order, status=ServiceOrder.Status.DONE, answer="OK", request=request)
    message = OutboxMessage.objects.get(recipient="boss@vodohrai.example.com")
    assert f"/cabinet/orders/{order.pk}/" in message.text
    service_order_answer(order=order, status=ServiceOrder.Status.DONE, answer="OK", request=request)
    assert OutboxMessage.objects.count() == 1  # saved again unchanged: no second message


def test_the_required_fields_are_asked_in_the_customers_language_and_kept_in_ukrainian(
    english, company
):
    kind = make_kind(fields_en="Meter number\nA convenient time", fields_ru="Номер счётчика")
    english.force_login(company.user)
    url = reverse("customers:service_order_new", args=[kind.pk])
    form = english.get(url).content.decode()
    assert "Meter number" in form and "A convenient time" in form
    assert "Номер лічильника" not in form
    english.post(url, {"target": f"a{company.account.pk}", "field_0": "M-1", "field_1": "9:00"})
    order = ServiceOrder.objects.get()
    assert order.details == {"Номер лічильника": "M-1", "Зручний час": "9:00"}
    page = english.get(reverse("customers:service_order", args=[order.pk])).content.decode()
    assert "<dt>Meter number</dt><dd>M-1</dd>" in page
    # Russian has one label of two (the admin refuses it; an older row may still have it): the
    # Ukrainian labels are shown rather than a half-translated form.
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    form = english.get(url).content.decode()
    assert "Номер лічильника" in form and "Номер счётчика" not in form


def test_a_label_the_catalogue_no_longer_has_is_shown_as_kept(company):
    kind = make_kind(fields_en="Meter number\nA convenient time")
    order = ServiceOrder(kind=kind, details={"Номер лічильника": "M-1", "Стара мітка": "x"})
    with translation.override("en"):
        assert order.shown_details() == [("Meter number", "M-1"), ("Стара мітка", "x")]
    with translation.override("uk"):
        assert order.shown_details()[0] == ("Номер лічильника", "M-1")


@pytest.mark.parametrize(
    ("fields_en", "error"),
    [
        ("Meter number", "Give 2 labels, one per line, as in Ukrainian."),
        ("A\nB\nC", "Give 2 labels, one per line, as in Ukrainian."),
        ("", None),
        ("Meter number\n\nA convenient time\n", None),
    ],
)
def test_translated_labels_must_match_the_ukrainian_ones_in_number(fields_en, error, db):
    kind = ServiceKind(
        code="k", name="Повірка", fields="Номер лічильника\nЗручний час", fields_en=fields_en
    )
    with translation.override("en"):
        if error is None:
            kind.full_clean()
        else:
            with pytest.raises(ValidationError) as raised:
                kind.full_clean()
            assert raised.value.message_dict == {"fields_en": [error]}


def test_the_label_count_error_is_in_the_staff_members_language(db):
    kind = ServiceKind(code="k", name="Повірка", fields="А\nБ\nВ\nГ\nҐ", fields_ru="А")
    with translation.override("uk"), pytest.raises(ValidationError) as raised:
        kind.full_clean()
    assert raised.value.message_dict["fields_ru"] == [
        "Вкажіть 5 назв, по одній у рядку, як українською."
    ]
