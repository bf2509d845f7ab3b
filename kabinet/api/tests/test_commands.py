"""`manage.py import_billing` (CSV, XLSX, JSON Lines; resumable, dry run, atomic, rejects file)
and `manage.py export_billing` (the exports as files, continuing from the last cursor)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import Workbook

from kabinet.billing.models import Statement
from kabinet.core import testing
from kabinet.customers.models import Customer
from kabinet.metering.models import Reading

pytestmark = pytest.mark.django_db


def run(*args: object) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def accounts(db: None) -> list[str]:
    customer = testing.make_customer()
    return [testing.make_account(customer=customer, number=f"A{i}").number for i in range(5)]


def write_csv(path: Path, rows: list[dict], delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def statements(numbers: list[str], months: int = 3) -> list[dict]:
    return [
        {"account_number": n, "period": f"2025-{m:02d}", "volume": "10.5",
         "opening_balance": "0", "charged": "99,90", "paid": "50", "closing_balance": "49.90",
         "tariff": ""}
        for n in numbers for m in range(1, months + 1)
    ]  # fmt: skip


def test_csv_statements_reimport_changes_nothing(tmp_path: Path, accounts: list[str]) -> None:
    path = write_csv(tmp_path / "statements-2025.csv", statements(accounts), delimiter=";")
    out, err = run("import_billing", path)
    assert "15 created, 0 updated, 0 unchanged, 0 rejected" in out
    assert "[" in err  # the progress bar
    assert Statement.objects.count() == 15
    assert {s.charged for s in Statement.objects.all()} == {Decimal("99.90")}
    out, _err = run("import_billing", path)
    assert "0 created, 0 updated, 15 unchanged, 0 rejected" in out
    assert not (tmp_path / "statements-2025.csv.rejects.csv").exists()


def test_bad_rows_are_named_in_the_rejects_file(tmp_path: Path, accounts: list[str]) -> None:
    rows = statements(accounts[:2], months=2)
    rows[1]["account_number"] = "NOPE"
    rows[2]["paid"] = "many"
    path = write_csv(tmp_path / "statements.csv", rows)
    out, _err = run("import_billing", path)
    assert "2 created, 0 updated, 0 unchanged, 2 rejected" in out
    with (tmp_path / "statements.csv.rejects.csv").open() as f:
        assert list(csv.reader(f)) == [
            ["line", "field", "reason"],
            ["3", "account_number", "unknown account"],
            ["4", "paid", "not a number"],
        ]
    Statement.objects.all().delete()
    with pytest.raises(CommandError, match="nothing was imported"):
        run("import_billing", path, "--atomic")
    assert not Statement.objects.exists()


def test_the_fast_path_and_the_full_parse_agree(tmp_path: Path, accounts: list[str]) -> None:
    """Plain lines go to the staging table as they are; the rest are parsed: same results."""
    path = tmp_path / "statements.csv"
    path.write_text(
        "period,account_number,charged,paid,tariff\n"
        "2025-01,A0,100.50,100.50,\n"  # fast
        '2025-01-01, A1 ,"100,50",0,7.96\n'  # parsed: spaces, quotes, a decimal comma
        "2025-02,A0,100.505,0,\n"  # too many decimals
        "2025-01,A0,1,1,\n"  # the same key as line 2
        "\n"
        "2025-03,NOPE,1,1,1\n"
    )
    out, _err = run("import_billing", path)
    assert "2 created, 0 updated, 0 unchanged, 3 rejected" in out
    rejects = (tmp_path / "statements.csv.rejects.csv").read_text().splitlines()[1:]
    assert rejects == [
        "4,charged,at most 2 decimal places",
        "5,,the same key as record 2",
        "7,account_number,unknown account",
    ]
    a1 = Statement.objects.get(account__number="A1")
    assert (a1.charged, a1.paid, a1.tariff, a1.volume) == (
        Decimal("100.50"),
        Decimal("0"),
        Decimal("7.96"),
        Decimal("0"),
    )
    assert Statement.objects.get(account__number="A0").tariff is None
    out, _err = run("import_billing", path)
    assert "0 created, 0 updated, 2 unchanged, 3 rejected" in out


def test_dry_run_keeps_nothing(tmp_path: Path, accounts: list[str]) -> None:
    path = write_csv(tmp_path / "statements.csv", statements(accounts))
    out, _err = run("import_billing", path, "--dry-run")
    assert "15 created" in out and "nothing would be kept" in out
    assert not Statement.objects.exists()


def test_resume_after_an_interruption(tmp_path: Path, accounts: list[str], monkeypatch) -> None:
    path = write_csv(tmp_path / "statements.csv", statements(accounts))  # 15 records
    from kabinet.api.imports import statements as module

    real = module.Statements._upsert
    calls = {"n": 0}

    def interrupted(self, *args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(self, *args)

    monkeypatch.setattr(module.Statements, "_upsert", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run("import_billing", path, "--batch", 4)
    assert Statement.objects.count() == 8
    state = json.loads((tmp_path / "statements.csv.import-state.json").read_text())
    assert state["done"] == 8
    monkeypatch.setattr(module.Statements, "_upsert", real)
    out, err = run("import_billing", path, "--batch", 4, "--resume")
    assert "resuming after 8 records" in err
    assert "7 created, 0 updated, 0 unchanged" in out
    assert Statement.objects.count() == 15
    assert not (tmp_path / "statements.csv.import-state.json").exists()


def test_xlsx_and_jsonl(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["code", "kind", "name", "rnokpp"])
    sheet.append(["C1", "individual", "Коваленко", testing.valid_rnokpp(1)])
    sheet.append(["C2", "company", "ТОВ «Світло»", None])
    workbook.save(tmp_path / "customers.xlsx")
    out, _err = run("import_billing", tmp_path / "customers.xlsx")
    assert "2 created" in out
    lines = [json.dumps({"code": "C1", "kind": "individual", "name": "Коваленко О."}),
             "{not json", json.dumps({"code": "C3", "kind": "x", "name": "?"})]  # fmt: skip
    (tmp_path / "clients.jsonl").write_text("\n".join(lines) + "\n")
    out, _err = run("import_billing", tmp_path / "clients.jsonl", "--type", "customers")
    assert "0 created, 1 updated, 0 unchanged, 2 rejected" in out
    assert Customer.objects.get(code="C1").name == "Коваленко О."
    rejects = (tmp_path / "clients.jsonl.rejects.csv").read_text().splitlines()
    assert [r.split(",")[:2] for r in rejects[1:]] == [["2", ""], ["3", "kind"]]


def test_export_billing_continues_from_its_cursor(tmp_path: Path, household) -> None:
    meter = testing.make_meter(account=household.gas)
    past = timezone.now() - dt.timedelta(hours=1)
    for v in range(3):
        Reading.objects.create(meter=meter, taken_on=dt.date(2025, 1, 1), value1=v,
                               origin="customer", submitted_at=past)  # fmt: skip
    out_file = tmp_path / "readings-1.jsonl"
    out, _err = run("export_billing", "readings", "--out", out_file)
    assert "3 records" in out
    assert [json.loads(line)["value1"] for line in out_file.read_text().splitlines()] == [
        "0.000",
        "1.000",
        "2.000",
    ]
    Reading.objects.create(meter=meter, taken_on=dt.date(2025, 2, 1), value1=7,
                           origin="customer", submitted_at=past)  # fmt: skip
    csv_file = tmp_path / "readings-2.csv"
    run("export_billing", "readings", "--out", csv_file, "--cursor-file", f"{out_file}.cursor")
    rows = list(csv.DictReader(csv_file.open()))
    assert [r["value1"] for r in rows] == ["7.000"]


def test_the_fast_path_with_odd_bytes_and_line_ends(tmp_path: Path, accounts: list[str]) -> None:
    """CRLF and CR line ends, a backslash, a tab, a NUL and bytes that are not UTF-8: each
    line is one record with its own line number; the odd ones are rejected, never the file."""
    path = tmp_path / "statements.csv"
    path.write_bytes(
        b"account_number,period,charged\r\n"
        b"A0,2025-01,1.50\r\n"  # 2
        b"A1,2025-01,2\r"  # 3: a lone CR ends a line too
        b"A\\2,2025-01,3\n"  # 4: unknown account (a backslash)
        b"A\t3,2025-01,3\n"  # 5: unknown account (a tab)
        b"A\x004,2025-01,3\n"  # 6: a NUL
        b"A\xff,2025-01,3\n"  # 7: not UTF-8
        b"A2,2025-01,\xff\n"  # 8
        b"A3,2025-01,4"  # 9: no line end at the end
    )
    out, _err = run("import_billing", path)
    assert "3 created, 0 updated, 0 unchanged, 5 rejected" in out
    rejects = (tmp_path / "statements.csv.rejects.csv").read_text().splitlines()[1:]
    assert rejects == [
        "4,account_number,unknown account",
        "5,account_number,unknown account",
        "6,account_number,unknown account",
        "7,account_number,unknown account",
        "8,charged,not a number",
    ]
    assert sorted(Statement.objects.values_list("account__number", "charged")) == [
        ("A0", Decimal("1.50")),
        ("A1", Decimal("2")),
        ("A3", Decimal("4")),
    ]


def test_many_odd_lines_in_a_block(tmp_path: Path, accounts: list[str]) -> None:
    """More odd lines than runs worth a COPY each: the block goes line by line, same result."""
    from kabinet.api.imports import statements as module

    lines = ["account_number,period,charged"]
    for month in range(24):
        period = f"{2024 + month // 12}-{month % 12 + 1:02d}"
        for number in accounts:
            lines.append(f'"{number}",{period},"1,5"')  # quoted: not plain
            lines.append(f"{number},{period},x")  # the same key, and not a number
    path = tmp_path / "statements.csv"
    path.write_text("\n".join(lines) + "\n")
    assert len(lines) - 1 > module.MAX_RUNS
    out, _err = run("import_billing", path)
    assert "120 created, 0 updated, 0 unchanged, 120 rejected" in out
    rejects = (tmp_path / "statements.csv.rejects.csv").read_text().splitlines()[1:]
    assert rejects[:2] == ["3,charged,not a number", "5,charged,not a number"]
    assert {s.charged for s in Statement.objects.all()} == {Decimal("1.5")}
    out, _err = run("import_billing", path)
    assert "0 created, 0 updated, 120 unchanged, 120 rejected" in out


def test_read_ahead_keeps_order_raises_and_stops() -> None:
    """import_billing reads and matches the next block in a thread: in order, its errors
    raised in the main thread, and the thread gone once the import stops early."""
    import threading

    from kabinet.api.management.commands.import_billing import _read_ahead

    assert list(_read_ahead(iter(range(5)))) == [0, 1, 2, 3, 4]

    def failing():
        yield 1
        raise ValueError("bad block")

    items = _read_ahead(failing())
    assert next(items) == 1
    with pytest.raises(ValueError, match="bad block"):
        next(items)
    items = _read_ahead(iter(range(1000)))
    assert next(items) == 0
    items.close()
    assert not any(t.name == "import_billing read-ahead" for t in threading.enumerate())
