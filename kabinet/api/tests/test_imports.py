"""SECURITY.md 28: idempotent imports by natural key, atomic per batch or partial by the
caller's choice, every rejected record named with its index, field and reason."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal

import pytest

from kabinet.billing.models import Invoice, Payment, Statement
from kabinet.core import testing
from kabinet.core.models import Apartment, AuditEvent, Branch, Building
from kabinet.customers.models import Account, Contract, Customer, ServicePoint
from kabinet.metering.models import Meter

from .conftest import ApiClient

pytestmark = pytest.mark.django_db


def counts(body: dict) -> tuple[int, int, int, int]:
    return body["created"], body["updated"], body["unchanged"], len(body["rejected"])


ADDRESS = {"branch_code": "KR", "settlement": "Кременчук", "street": "вул. Соборна",
           "building": "12"}  # fmt: skip


@pytest.fixture
def tree(billing: ApiClient) -> None:
    Branch.objects.create(code="KR", name="Кременчуцька філія")
    billing.records("addresses", [{**ADDRESS, "postcode": "39600"}])


def customer(code: str = "C1", **fields: object) -> dict:
    return {"code": code, "kind": "individual", "name": "Коваленко Олена",
            "rnokpp": testing.valid_rnokpp(7), **fields}  # fmt: skip


def test_customers_upsert_is_idempotent(billing: ApiClient) -> None:
    records = [customer("C1"), customer("C2", phone="050 123 45 67", email="a@example.com")]
    assert counts(billing.records("customers", records).json()) == (2, 0, 0, 0)
    assert counts(billing.records("customers", records).json()) == (0, 0, 2, 0)
    records[1]["name"] = "Коваленко Олена Петрівна"
    assert counts(billing.records("customers", records).json()) == (0, 1, 1, 0)
    c2 = Customer.objects.get(code="C2")
    assert c2.name == "Коваленко Олена Петрівна" and c2.phone == "+380501234567"


def test_partial_mode_keeps_the_good_and_names_every_bad(billing: ApiClient) -> None:
    records = [
        customer("C1"),
        customer("C2", rnokpp="1234567890"),  # bad checksum
        {"code": "C3", "kind": "alien", "name": "X"},
        {"code": "C5", "kind": "individual", "name": ""},
        customer("C1"),  # the same key twice in a batch
        customer("C4", email="nope"),
    ]
    body = billing.records("customers", records, mode="partial").json()
    assert body["committed"] is True
    assert counts(body) == (1, 0, 0, 5)
    by_index = {r["index"]: r for r in body["rejected"]}
    assert sorted(by_index) == [1, 2, 3, 4, 5]
    assert by_index[1]["field"] == "rnokpp"
    assert by_index[2]["field"] == "kind"
    assert by_index[3]["field"] == "name"
    assert by_index[4]["reason"] == "the same key as record 0"
    assert by_index[5]["field"] == "email"
    assert list(Customer.objects.values_list("code", flat=True)) == ["C1"]


def test_a_record_that_is_not_an_object_is_a_bad_request(billing: ApiClient) -> None:
    response = billing.records("customers", [customer("C1"), "text"])
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "records.1"


def test_atomic_mode_keeps_nothing_but_names_every_bad(billing: ApiClient) -> None:
    records = [customer("C1"), {"code": "C2", "kind": "individual"}, customer("C3")]
    body = billing.records("customers", records).json()  # atomic is the default
    assert body["committed"] is False
    assert counts(body) == (0, 0, 0, 1)
    assert body["rejected"] == [{"index": 1, "field": "name", "reason": "Field required"}]
    assert not Customer.objects.exists()
    assert not AuditEvent.objects.filter(action="import.batch").exists()


def test_dry_run_counts_and_keeps_nothing(billing: ApiClient) -> None:
    body = billing.records("customers", [customer("C1")], dry_run="true").json()
    assert counts(body) == (1, 0, 0, 0) and body["committed"] is False
    assert not Customer.objects.exists()


def test_a_kept_batch_is_audited(billing: ApiClient) -> None:
    billing.records("customers", [customer("C1")])
    event = AuditEvent.objects.get(action="import.batch")
    assert event.data["record_type"] == "customers"
    assert event.data["source"] == "api:1C billing"
    assert event.data["created"] == 1


def test_the_address_tree(billing: ApiClient) -> None:
    records = [
        {**ADDRESS, "branch_name": "Кременчуцька філія", "postcode": "39600", "apartment": "7"},
        {**ADDRESS, "apartment": "8", "postcode": "39600"},
        {**ADDRESS, "branch_code": "NOPE", "apartment": "9"},
    ]
    body = billing.records("addresses", records, mode="partial").json()
    assert body["rejected"] == [
        {"index": 2, "field": "branch_code",
         "reason": "unknown branch; import it with addresses first"}
    ]  # fmt: skip
    assert counts(body)[:3] == (2, 0, 0)
    assert Branch.objects.get(code="KR").name == "Кременчуцька філія"
    assert Apartment.objects.filter(building__number="12").count() == 2
    body = billing.records("addresses", records[:2]).json()
    assert counts(body) == (0, 0, 2, 0)
    records[0]["postcode"] = "39601"
    body = billing.records("addresses", records[:1]).json()
    assert counts(body) == (0, 1, 0, 0)
    assert Building.objects.get().postcode == "39601"


def account(number: str = "0100000001", **fields: object) -> dict:
    return {"number": number, "service": "gas", "customer_code": "C1", "opened_on": "2020-01-01",
            **ADDRESS, "apartment": "7", **fields}  # fmt: skip


def test_accounts_find_or_add_their_address(billing: ApiClient, tree: None) -> None:
    billing.records("customers", [customer("C1")])
    records = [account(), account("0100000002", apartment="", customer_code="C9")]
    body = billing.records("accounts", records, mode="partial").json()
    assert counts(body) == (1, 0, 0, 1)
    assert body["rejected"][0]["field"] == "customer_code"
    acc = Account.objects.select_related("apartment", "building").get()
    assert acc.apartment is not None and acc.apartment.number == "7"
    assert acc.building.postcode == "39600"  # an account does not blank the postcode
    assert counts(billing.records("accounts", records[:1]).json()) == (0, 0, 1, 0)
    body = billing.records("accounts", [account(status="closed", closed_on="2025-01-31")]).json()
    assert counts(body) == (0, 1, 0, 0)
    assert Account.objects.get().status == "closed"


def test_a_companys_new_accounts_reach_everyone_acting_for_it(
    billing: ApiClient, tree: None
) -> None:
    """Billing adds an account to a company that already uses the cabinet: the registrant and
    the colleagues see it at once; a household's account is added by its holder, not linked."""
    from kabinet.customers.models import AccountLink

    edrpou = testing.valid_edrpou(3)
    billing.records("customers", [customer("C1", kind="company", rnokpp="", edrpou=edrpou),
                                  customer("C2")])  # fmt: skip
    company = Customer.objects.get(code="C1")
    boss = testing.make_user(phone="+380501110001", customer=company, kind="company")
    mate = testing.make_user(phone="+380501110002", customer=company, kind="company")
    household = testing.make_user(phone="+380501110003", customer=Customer.objects.get(code="C2"))
    records = [
        account("0100000001"),
        account("0100000002"),
        account("0100000003", customer_code="C2"),
    ]
    body = billing.records("accounts", records).json()
    assert counts(body) == (3, 0, 0, 0)
    for user in (boss, mate):
        linked = AccountLink.objects.filter(user=user).values_list("account__number", flat=True)
        assert sorted(linked) == ["0100000001", "0100000002"]
    assert not AccountLink.objects.filter(user=household).exists()
    assert AuditEvent.objects.filter(action="company.accounts_linked").count() == 1
    billing.records("accounts", [account("0100000001")])  # again: nothing new, no event
    assert AccountLink.objects.count() == 4
    assert AuditEvent.objects.filter(action="company.accounts_linked").count() == 1


def test_contracts_service_points_and_meters(billing: ApiClient, tree: None) -> None:
    billing.records("customers", [customer("C1", kind="company", rnokpp="",
                                           edrpou=testing.valid_edrpou(3))])  # fmt: skip
    billing.records("accounts", [account()])
    contract = {"number": "D-1", "customer_code": "C1", "title": "Вода і стоки",
                "services": "water,sewage", "starts_on": "2021-01-01"}  # fmt: skip
    assert counts(billing.records("contracts", [contract]).json()) == (1, 0, 0, 0)
    assert Contract.objects.get().services == ["water", "sewage"]
    point = {"contract_number": "D-1", "code": "0001", "name": "Цех", "address": "Промислова, 3",
             "account_number": "0100000001"}  # fmt: skip
    assert counts(billing.records("service_points", [point]).json()) == (1, 0, 0, 0)
    assert counts(billing.records("service_points", [point]).json()) == (0, 0, 1, 0)
    meters = [
        {"serial": "M1", "service": "gas", "digits": 5, "account_number": "0100000001"},
        {"serial": "M2", "service": "water", "digits": "6", "contract_number": "D-1",
         "service_point_code": "0001", "remote_read": "true"},
        {"serial": "M3", "service": "water", "digits": 5},
        {"serial": "M4", "service": "water", "digits": 12, "account_number": "0100000001"},
    ]  # fmt: skip
    body = billing.records("meters", meters, mode="partial").json()
    assert counts(body) == (2, 0, 0, 2)
    assert [r["index"] for r in body["rejected"]] == [2, 3]
    assert body["rejected"][1]["field"] == "digits"
    m2 = Meter.objects.get(serial="M2")
    assert m2.service_point == ServicePoint.objects.get() and m2.remote_read and m2.digits == 6
    assert counts(billing.records("meters", meters[:2]).json()) == (0, 0, 2, 0)


@pytest.fixture
def accounts(billing: ApiClient, tree: None) -> None:
    billing.records("customers", [customer("C1")])
    billing.records("accounts", [account("A1"), account("A2", apartment="8")])


def statement(number: str = "A1", period: str = "2025-01", **fields: object) -> dict:
    return {"account_number": number, "period": period, "volume": "120.5",
            "opening_balance": "100.00", "charged": "950.40", "paid": "1000",
            "closing_balance": "50.40", "tariff": "7.96", **fields}  # fmt: skip


def test_statements_set_based_upsert(billing: ApiClient, accounts: None) -> None:
    records = [statement(), statement(period="2025-02-01"), statement("A2")]
    assert counts(billing.records("statements", records).json()) == (3, 0, 0, 0)
    assert counts(billing.records("statements", records).json()) == (0, 0, 3, 0)
    records[2]["charged"] = "951.40"
    assert counts(billing.records("statements", records).json()) == (0, 1, 2, 0)
    s = Statement.objects.get(account__number="A2")
    assert s.charged == Decimal("951.40") and s.volume == Decimal("120.5")
    assert s.period == dt.date(2025, 1, 1) and s.tariff == Decimal("7.96")


def test_statements_rejections(billing: ApiClient, accounts: None) -> None:
    records = [
        statement(),
        statement("NOPE"),
        statement(period="2025-01-15"),
        statement(charged="1,5"),  # a decimal comma is fine
        statement("A2", charged="lots"),
        statement("A2", paid="1.234"),
        {"period": "2025-01"},
        statement("A2", period="2025-03"),
    ]
    body = billing.records("statements", records, mode="partial").json()
    reasons = {(r["index"], r["field"]): r["reason"] for r in body["rejected"]}
    assert reasons == {
        (1, "account_number"): "unknown account",
        (2, "period"): "a period is a month: YYYY-MM",
        (3, ""): "the same key as record 0",
        (4, "charged"): "not a number",
        (5, "paid"): "at most 2 decimal places",
        (6, "account_number"): "required",
    }
    assert counts(body)[:3] == (2, 0, 0)
    assert Statement.objects.count() == 2
    Statement.objects.all().delete()
    body = billing.records("statements", records, mode="atomic").json()
    assert counts(body) == (0, 0, 0, 6) and not Statement.objects.exists()


def test_statements_a_stored_key_twice(billing: ApiClient, accounts: None) -> None:
    """A key given twice is rejected whether it is new or stored, equal or changed (on
    PostgreSQL the batch is written first and checked after: both ways undo and redo)."""
    assert counts(billing.records("statements", [statement(), statement("A2")]).json()) == (
        2, 0, 0, 0,
    )  # fmt: skip
    records = [
        statement(),  # equal to the stored one
        statement(charged="1.00"),  # the same key as record 0
        statement("A2", charged="2.00"),  # changed
        statement("NOPE"),
        statement("A2", period="2025-01-01", charged="3.00"),  # the same key as record 2
        statement("A2", period="2025-02"),  # new
        statement("A2", period="2025-02-01"),  # the same key as record 5, new
    ]
    body = billing.records("statements", records, mode="partial").json()
    reasons = {(r["index"], r["field"]): r["reason"] for r in body["rejected"]}
    assert reasons == {
        (1, ""): "the same key as record 0",
        (3, "account_number"): "unknown account",
        (4, ""): "the same key as record 2",
        (6, ""): "the same key as record 5",
    }
    assert counts(body)[:3] == (1, 1, 1)
    a1, a2 = (Statement.objects.get(account__number=n, period="2025-01-01") for n in ("A1", "A2"))
    assert (a1.charged, a2.charged) == (Decimal("950.40"), Decimal("2.00"))
    assert Statement.objects.count() == 3
    body = billing.records("statements", [statement(), statement()], mode="partial").json()
    assert counts(body) == (0, 0, 1, 1)


def test_statements_new_first_then_probed(
    billing: ApiClient, accounts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a batch of new rows only, the next is first inserted as new with no probe
    (unless one of its first rows is stored); a stored key in it, even after some rows went
    in, undoes that and the batch is probed row by row: the same outcome either way."""
    from kabinet.api.imports import statements as module
    from kabinet.api.imports.statements import Statements

    monkeypatch.setattr(module, "SAMPLE", 1)  # the first row only: A1, new

    def new_first() -> bool:
        return getattr(Statements._hint, "new", True)

    assert counts(billing.records("statements", [statement("A2")]).json()) == (1, 0, 0, 0)
    assert new_first()
    records = [
        statement("A1"),
        statement("A1", period="2025-02"),
        statement("A2", charged="1.00"),  # stored: after the A1 rows in index order
        statement("A2", period="2025-02"),
    ]
    assert counts(billing.records("statements", records).json()) == (3, 1, 0, 0)
    assert not new_first()
    assert Statement.objects.count() == 4
    assert Statement.objects.get(account__number="A2", period="2025-01-01").charged == 1
    assert counts(billing.records("statements", records).json()) == (0, 0, 4, 0)
    more = [statement("A1", period="2025-03")]
    assert counts(billing.records("statements", more).json()) == (1, 0, 0, 0)
    assert new_first()
    more = [statement("A1", period="2025-04"), statement("NOPE")]
    body = billing.records("statements", more, mode="partial").json()
    assert counts(body) == (1, 0, 0, 1) and body["rejected"][0]["reason"] == "unknown account"
    assert Statement.objects.count() == 6


def test_payments_and_invoices(billing: ApiClient, accounts: None) -> None:
    payment = {"reference": "P-1", "account_number": "A1", "paid_on": "2025-01-10",
               "amount": "500.00", "channel": "bank"}  # fmt: skip
    assert counts(billing.records("payments", [payment]).json()) == (1, 0, 0, 0)
    as_of = Payment.objects.get().as_of
    assert counts(billing.records("payments", [payment]).json()) == (0, 0, 1, 0)
    assert Payment.objects.get().as_of == as_of
    pdf = base64.b64encode(b"%PDF-1.4\n%fake but PDF-shaped\n").decode()
    invoices = [
        {"number": "I-1", "account_number": "A1", "period": "2025-01", "issued_on": "2025-02-01",
         "amount": "950.40", "pdf_base64": pdf},
        {"number": "I-2", "account_number": "A1", "period": "2025-01", "issued_on": "2025-02-01",
         "amount": "1", "pdf_base64": base64.b64encode(b"MZ\x90\x00").decode()},
        {"number": "I-3", "period": "2025-01", "issued_on": "2025-02-01", "amount": "1"},
    ]  # fmt: skip
    body = billing.records("invoices", invoices, mode="partial").json()
    assert counts(body) == (1, 0, 0, 2)
    assert body["rejected"][0] == {"index": 1, "field": "pdf_base64", "reason":
                                   "Value error, not a PDF file"}  # fmt: skip
    invoice = Invoice.objects.get()
    assert invoice.pdf.read().startswith(b"%PDF-")
    name = invoice.pdf.name
    assert counts(billing.records("invoices", invoices[:1]).json()) == (0, 0, 1, 0)
    assert Invoice.objects.get().pdf.name == name


def test_the_documented_layouts_name_every_field() -> None:
    from pathlib import Path

    from kabinet.api.imports import RECORD_TYPES

    doc = (Path(__file__).resolve().parents[3] / "docs/billing-integration.md").read_text()
    for record_type in RECORD_TYPES.values():
        section = doc.split(f"### `{record_type.name}`", 1)[1].split("###", 1)[0]
        for field_name in record_type.schema.model_fields:
            assert f"| `{field_name}` |" in section, (record_type.name, field_name)


def test_announcements(billing: ApiClient) -> None:
    from kabinet.core.models import Announcement

    Branch.objects.create(code="KR", name="Кременчуцька філія")
    records = [
        {"code": "N-1", "title": "Оновлення даних", "body": "Дані оновлюються 1-го числа."},
        {"code": "N-2", "title": "Відключення", "body": "Вул. Соборна, 10:00–14:00",
         "branch_code": "KR", "starts_at": "2026-01-10T10:00:00+02:00",
         "ends_at": "2026-01-10T14:00:00+02:00", "on_login_page": "false"},
        {"code": "N-3", "title": "?", "body": "?", "branch_code": "NOPE"},
        {"code": "N-4", "title": "?", "body": "?", "starts_at": "2026-01-10T10:00:00+02:00",
         "ends_at": "2026-01-09T10:00:00+02:00"},
    ]  # fmt: skip
    body = billing.records("announcements", records, mode="partial").json()
    assert counts(body) == (2, 0, 0, 2)
    assert [(r["index"], r["field"]) for r in body["rejected"]] == [(2, "branch_code"), (3, "")]
    n2 = Announcement.objects.get(code="N-2")
    assert n2.branch is not None and n2.branch.code == "KR" and not n2.on_login_page
    assert counts(billing.records("announcements", records[:2]).json()) == (0, 0, 2, 0)
    records[0]["body"] = "Дані оновлюються 2-го числа."
    assert counts(billing.records("announcements", records[:2]).json()) == (0, 1, 1, 0)
