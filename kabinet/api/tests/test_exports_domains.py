"""Exports of online payments, grid-connection stages and service orders; the callbacks for
posted payments and application stages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings

from kabinet.billing.models import Payment, Source
from kabinet.connections.models import ConnectionApplication, Stage, StageEvent
from kabinet.core.models import AuditEvent
from kabinet.customers.models import ServiceKind, ServiceOrder
from kabinet.payments.models import OrderStatus, PaymentOrder
from kabinet.payments.providers import Notice
from kabinet.payments.services import payment_notice_apply

from .conftest import ApiClient
from .test_exports import walk

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("settled")]


@pytest.fixture
def settled():
    with override_settings(EXPORT_SETTLE_SECONDS=0):
        yield


def order(account=None, *, amount: str = "250.40", user=None, **fields) -> PaymentOrder:
    values = {
        "order_id": f"K-{PaymentOrder.objects.count() + 1}",
        "user": user or account.customer.users.first(),
        "account": account,
        "amount": Decimal(amount),
        "currency": "UAH",
        "purpose": "Газ, о/р " + (account.number if account else "—"),
        "provider": "sandbox",
        "status": OrderStatus.PENDING,
        **fields,
    }
    return PaymentOrder.objects.create(**values)


def notice(o: PaymentOrder, status: str, transaction_id: str = "") -> PaymentOrder:
    sent = Notice(
        order_id=o.order_id,
        status=status,
        amount=o.amount,
        currency=o.currency,
        transaction_id=transaction_id or f"T-{o.order_id}",
    )
    return payment_notice_apply(provider="sandbox", notice=sent, via="callback")


# --- payments export -------------------------------------------------------------------------


def test_payments_export_every_final_word_once(billing: ApiClient, household) -> None:
    paid = [notice(order(household.gas), OrderStatus.SUCCESS) for _ in range(4)]
    refused = notice(order(household.electricity), OrderStatus.FAILURE)
    waiting = order(household.gas)
    notice(waiting, OrderStatus.PENDING)  # no final word yet: not exported
    notice(paid[0], OrderStatus.SUCCESS)  # a replayed notice changes nothing: not exported
    seen, cursor = walk(billing, "payments", limit=2)
    assert [(i["order_id"], i["status"]) for i in seen] == [
        *[(o.order_id, "success") for o in paid],
        (refused.order_id, "failure"),
    ]
    first = seen[0]
    assert first["account_number"] == household.gas.number and first["contract_number"] is None
    assert (first["amount"], first["currency"], first["provider"]) == ("250.40", "UAH", "sandbox")
    assert first["transaction_id"] == f"T-{paid[0].order_id}" and first["paid_at"]
    assert first["purpose"].startswith("Газ")
    # A refund later is one more record; what was delivered does not come again.
    notice(paid[1], OrderStatus.REVERSED)
    more, cursor2 = walk(billing, "payments", limit=2, cursor=cursor)
    assert [(i["order_id"], i["status"]) for i in more] == [(paid[1].order_id, "reversed")]
    assert walk(billing, "payments", limit=2, cursor=cursor2)[0] == []
    # Asking again with an old cursor gives the same records again.
    assert walk(billing, "payments", limit=2, cursor=cursor)[0] == more


def test_a_connection_fee_order_names_its_application(billing: ApiClient, household) -> None:
    fee = order(None, user=household.user, domain="connection", reference="2026-000001")
    notice(fee, OrderStatus.SUCCESS)
    (item,), _cursor = walk(billing, "payments", limit=10)
    assert (item["domain"], item["reference"], item["account_number"]) == (
        "connection",
        "2026-000001",
        None,
    )


# --- connection applications export ---------------------------------------------------------


def application(user, *, stage: str = Stage.SUBMITTED, **fields) -> ConnectionApplication:
    values = {"number": f"2026-{ConnectionApplication.objects.count() + 1:06d}", "user": user,
              "stage": stage, "applicant_kind": "individual", "applicant_name": "Коваленко О. П.",
              "object_name": "Житловий будинок", "object_address": "с. Зоряне, вул. Польова, 3",
              "connection_type": "new", "max_power_kw": Decimal("15"), "voltage": "0.4",
              "reliability": "3", **fields}  # fmt: skip
    made = ConnectionApplication.objects.create(**values)
    StageEvent.objects.create(application=made, stage=Stage.DRAFT)
    if stage != Stage.DRAFT:
        StageEvent.objects.create(application=made, stage=stage)
    return made


def test_connection_stages_each_once_drafts_never(billing: ApiClient, household) -> None:
    sent = [application(household.user) for _ in range(3)]
    application(household.user, stage=Stage.DRAFT)  # the applicant's own until sent
    seen, cursor = walk(billing, "connection_applications", limit=2)
    assert [(i["number"], i["stage"]) for i in seen] == [(a.number, "submitted") for a in sent]
    first = seen[0]
    assert first["customer_code"] == household.customer.code
    assert (first["object_address"], first["max_power_kw"], first["connection_type"]) == (
        "с. Зоряне, вул. Польова, 3",
        "15.00",
        "new",
    )
    StageEvent.objects.create(application=sent[1], stage=Stage.REGISTERED, comment="№ 17")
    more, cursor2 = walk(billing, "connection_applications", limit=2, cursor=cursor)
    assert [(i["number"], i["stage"], i["comment"]) for i in more] == [
        (sent[1].number, "registered", "№ 17")
    ]
    assert walk(billing, "connection_applications", limit=2, cursor=cursor2)[0] == []


# --- service orders export -------------------------------------------------------------------


@pytest.fixture
def meter_check() -> ServiceKind:
    return ServiceKind.objects.create(
        code="meter-check", name="Повірка лічильника", fields="Номер лічильника"
    )


def service_order(kind: ServiceKind, customer, **fields) -> ServiceOrder:
    return ServiceOrder.objects.create(kind=kind, customer=customer, **fields)


def test_service_orders_export(billing: ApiClient, household, company, meter_check) -> None:
    mine = [
        service_order(meter_check, household.customer, account=household.gas,
                      details={"Номер лічильника": "G-1"}, comment="Після 14:00"),
        service_order(meter_check, company.customer, service_point=company.service_point,
                      price=Decimal("350.00")),
        service_order(meter_check, household.customer, account=household.electricity),
    ]  # fmt: skip
    seen, cursor = walk(billing, "service_orders", limit=2)
    assert [i["id"] for i in seen] == [o.pk for o in mine]
    assert seen[0] | {"created_at": None} == {
        "id": mine[0].pk, "kind_code": "meter-check", "kind_title": "Повірка лічильника",
        "customer_code": household.customer.code, "account_number": household.gas.number,
        "contract_number": None, "service_point_code": None,
        "fields": {"Номер лічильника": "G-1"}, "comment": "Після 14:00", "price": None,
        "status": "new", "created_at": None, "paid_at": None,
    }  # fmt: skip
    assert (seen[1]["contract_number"], seen[1]["service_point_code"], seen[1]["price"]) == (
        company.contract.number,
        company.service_point.code,
        "350.00",
    )
    later = service_order(meter_check, household.customer, account=household.gas)
    more, _cursor = walk(billing, "service_orders", limit=2, cursor=cursor)
    assert [i["id"] for i in more] == [later.pk]


# --- one query count at any size -------------------------------------------------------------


@pytest.mark.parametrize("name", ["payments", "connection_applications", "service_orders"])
def test_an_export_page_costs_the_same_queries_at_any_size(
    billing: ApiClient, household, company, meter_check, name: str, django_assert_num_queries
) -> None:
    def add(n: int) -> None:
        for _ in range(n):
            if name == "payments":
                notice(order(household.gas), OrderStatus.SUCCESS)
            elif name == "connection_applications":
                application(household.user)
            else:
                service_order(meter_check, company.customer, service_point=company.service_point)

    add(2)
    billing.get(f"export/{name}")  # warm: the key's last_used_at is written once a minute
    # key, the first unsettled row, the page (payments: + their orders), the call log
    queries = 5 if name == "payments" else 4
    with django_assert_num_queries(queries):
        assert len(billing.get(f"export/{name}").json()["items"]) == 2
    add(40)
    with django_assert_num_queries(queries):
        assert len(billing.get(f"export/{name}").json()["items"]) == 42


# --- callbacks: billing posted an online payment ---------------------------------------------


def test_posted_payments_become_billings_once(billing: ApiClient, household) -> None:
    paid = notice(order(household.gas), OrderStatus.SUCCESS)
    other = notice(order(household.electricity, amount="99.00"), OrderStatus.SUCCESS)
    refused = notice(order(household.gas), OrderStatus.FAILURE)
    contract_fee = notice(order(None, user=household.user, domain="connection",
                                reference="2026-000009"), OrderStatus.SUCCESS)  # fmt: skip
    records = [
        {"order_id": paid.order_id, "reference": "BILL-1", "posted_on": "2026-12-03",
         "amount": "250.40"},
        {"order_id": other.order_id, "reference": "BILL-2", "posted_on": "2026-12-03"},
        {"order_id": "K-nope", "reference": "BILL-3", "posted_on": "2026-12-03"},
        {"order_id": paid.order_id, "reference": "", "posted_on": "2026-12-03"},
        {"order_id": paid.order_id, "reference": "BILL-1", "posted_on": "03.12.2026"},
        {"order_id": refused.order_id, "reference": "BILL-4", "posted_on": "2026-12-03"},
        {"order_id": contract_fee.order_id, "reference": "BILL-5", "posted_on": "2026-12-03"},
        {"order_id": other.order_id, "reference": "BILL-6", "posted_on": "2026-12-03",
         "amount": "100"},
        {"order_id": paid.order_id, "reference": "BILL-1", "posted_on": "2026-12-03",
         "amount": "abc"},
    ]  # fmt: skip
    body = billing.post("callbacks/payments", {"records": records}).json()
    assert [(r["index"], r["field"]) for r in body["rejected"]] == [
        (2, "order_id"),
        (3, "reference"),
        (4, "posted_on"),
        (5, "order_id"),
        (6, "order_id"),
        (7, "amount"),
        (8, "amount"),
    ]
    assert (body["updated"], body["unchanged"]) == (2, 0)
    payment = Payment.objects.get(online_order=paid)
    assert (payment.reference, payment.source, payment.paid_on) == (
        "BILL-1",
        Source.BILLING,
        dt.date(2026, 12, 3),
    )
    assert Payment.objects.count() == 2  # the same rows became billing's: nothing twice
    assert AuditEvent.objects.filter(action="payment.confirmed_by_billing").count() == 2
    posted = AuditEvent.objects.get(action="payment.posted_by_billing", object_id=str(paid.pk))
    assert posted.data["source"] == "api:1C billing"
    # A repeat changes nothing; another reference for a posted order is refused.
    body = billing.post("callbacks/payments", {"records": records[:2]}).json()
    assert (body["updated"], body["unchanged"], body["rejected"]) == (0, 2, [])
    again = {"order_id": paid.order_id, "reference": "BILL-9", "posted_on": "2026-12-03"}
    body = billing.post("callbacks/payments", {"records": [again]}).json()
    assert [(r["field"], r["reason"]) for r in body["rejected"]] == [
        ("reference", "the order was posted under another reference")
    ]
    assert Payment.objects.get(online_order=paid).reference == "BILL-1"


def test_a_posted_reference_already_taken_is_rejected_alone(billing: ApiClient, household) -> None:
    one = notice(order(household.gas), OrderStatus.SUCCESS)
    two = notice(order(household.gas), OrderStatus.SUCCESS)
    records = [{"order_id": o.order_id, "reference": "BILL-1", "posted_on": "2026-12-03"}
               for o in (one, two)]  # fmt: skip
    body = billing.post("callbacks/payments", {"records": records}).json()
    assert body["updated"] == 1
    assert [(r["index"], r["field"]) for r in body["rejected"]] == [(1, "reference")]
    assert Payment.objects.get(online_order=two).source == Source.ONLINE  # still awaiting billing


# --- callbacks: application stages ----------------------------------------------------------


def test_billing_moves_applications_on(billing: ApiClient, household) -> None:
    fee = application(household.user, stage=Stage.AWAITING_PAYMENT, fee_amount=Decimal("1200"),
                      registration_number="ПР-17")  # fmt: skip
    early = application(household.user, stage=Stage.UNDER_REVIEW)
    records = [
        {"number": "ПР-17", "stage": "works", "payment_reference": "BILL-77", "amount": "1200"},
        {"number": "nope", "stage": "works", "payment_reference": "X"},
        {"number": early.number, "stage": "under_review"},
        {"number": early.number, "stage": "completed"},
        {"number": early.number, "stage": "works"},
        {"number": fee.number, "stage": "acceptance_issued", "comment": "Роботи виконано"},
    ]
    body = billing.post("callbacks/applications", {"records": records}).json()
    assert [(r["index"], r["field"]) for r in body["rejected"]] == [
        (1, "number"),
        (2, "stage"),
        (3, "stage"),
        (4, "payment_reference"),
    ]
    assert body["rejected"][2]["reason"] == (
        "the application is at stage under_review; it cannot move to completed"
    )
    assert (body["updated"], body["unchanged"]) == (2, 0)
    fee.refresh_from_db()
    assert (fee.stage, fee.payment_reference) == (Stage.ACCEPTANCE_ISSUED, "BILL-77")
    assert fee.paid_at is not None
    assert list(fee.events.values_list("stage", "comment"))[-2:] == [
        ("works", ""),
        ("acceptance_issued", "Роботи виконано"),
    ]
    assert AuditEvent.objects.filter(action="connection.stage", object_id=str(fee.pk)).count() == 2
    by_billing = AuditEvent.objects.filter(action="connection.stage_from_billing")
    assert [e.data["source"] for e in by_billing] == ["api:1C billing"] * 2
    # The applicant hears of it as when an engineer moves the application.
    from kabinet.notify.models import OutboxMessage

    assert OutboxMessage.objects.filter(purpose="connection_stage").exists()
    # A repeat, and a stage passed already, change nothing.
    body = billing.post("callbacks/applications", {"records": [records[0], records[5]]}).json()
    assert (body["updated"], body["unchanged"], body["rejected"]) == (0, 2, [])
    body = billing.post("callbacks/applications", {"records": [
        {"number": fee.number, "stage": "completed"},
        {"number": fee.number, "stage": "acceptance_issued"},
        {"number": fee.number, "stage": "works", "payment_reference": "BILL-78"},
    ]}).json()  # fmt: skip
    assert (body["updated"], body["unchanged"]) == (1, 1)
    assert [(r["index"], r["field"]) for r in body["rejected"]] == [(2, "payment_reference")]
    fee.refresh_from_db()
    assert fee.stage == Stage.COMPLETED
    # Billing sees every change in the export, once, the ones it made included.
    seen, _cursor = walk(billing, "connection_applications", limit=2)
    assert [i["stage"] for i in seen if i["number"] == fee.number] == [
        "awaiting_payment",
        "works",
        "acceptance_issued",
        "completed",
    ]
    assert seen[-1]["payment_reference"] == "BILL-77"


def test_a_fee_paid_with_the_wrong_amount_is_rejected(billing: ApiClient, household) -> None:
    fee = application(household.user, stage=Stage.AWAITING_PAYMENT, fee_amount=Decimal("1200"))
    record = {"number": fee.number, "stage": "works", "payment_reference": "B", "amount": 100}
    body = billing.post("callbacks/applications", {"records": [record]}).json()
    assert [(r["field"], r["reason"]) for r in body["rejected"]] == [
        ("amount", "the fee is 1200.00")
    ]
    fee.refresh_from_db()
    assert (fee.stage, fee.paid_at) == (Stage.AWAITING_PAYMENT, None)


def test_callbacks_need_the_import_scope(household) -> None:
    from .conftest import make_key

    export_only = ApiClient(make_key(can_import=False)[1])
    for name in ("payments", "applications"):
        response = export_only.post(f"callbacks/{name}", {"records": []})
        assert response.status_code == 403


def test_export_billing_writes_a_service_orders_fields_as_json(
    tmp_path, household, meter_check
) -> None:
    import csv
    import json

    from .test_commands import run

    service_order(meter_check, household.customer, account=household.gas,
                  details={"Номер лічильника": "G-1"})  # fmt: skip
    out_file = tmp_path / "service-orders.csv"
    out, _err = run("export_billing", "service_orders", "--out", out_file)
    assert "service_orders: 1 records" in out
    (row,) = csv.DictReader(out_file.open(encoding="utf-8"))
    assert json.loads(row["fields"]) == {"Номер лічильника": "G-1"}
    assert row["account_number"] == household.gas.number


def test_the_documented_export_layouts_name_every_field() -> None:
    from pathlib import Path

    from kabinet.api.exports import EXPORTS

    doc = (Path(__file__).resolve().parents[3] / "docs/billing-integration.md").read_text()
    assert set(EXPORTS) >= {"payments", "connection_applications", "service_orders"}
    for export in EXPORTS.values():
        section = doc.split(f"### export `{export.name}`", 1)[1].split("###", 1)[0]
        documented = {line.split("`")[1] for line in section.splitlines() if line.startswith("| `")}
        assert documented == set(export.schema.model_fields), export.name
    for name in ("readings", "payments", "applications"):
        assert f"`POST /api/v1/callbacks/{name}`" in doc


@pytest.mark.parametrize("name", ["readings", "payments", "applications"])
def test_callback_records_of_the_wrong_shape_are_rejected_not_errors(
    billing: ApiClient, name: str
) -> None:
    odd = [[1], {"a": 1}, None, True, "1e30", 1e30, "0.001", -5]
    records = [
        {"reading_id": v, "order_id": v, "number": v, "status": v, "stage": v, "reference": v,
         "posted_on": v, "amount": v, "payment_reference": v, "comment": v, "reason": v}
        for v in odd
    ]  # fmt: skip
    response = billing.post(f"callbacks/{name}", {"records": records})
    assert response.status_code == 200
    body = response.json()
    assert [r["index"] for r in body["rejected"]] == list(range(len(odd)))
    assert (body["updated"], body["unchanged"]) == (0, 0)
