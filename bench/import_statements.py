"""The heavy import: N monthly statement rows from a CSV file through `manage.py import_billing`,
side by side with PostgreSQL's own COPY of the same file into a bare table, in the same run.

Reports rows per second of both, the ratio, and the import's peak memory (max RSS of the
`import_billing` process). Targets (issue #10): ≥ 100,000 rows/s and ≥ 30% of raw COPY on
PostgreSQL, ≥ 50,000 rows/s on SQLite, under 300 MB whatever the size. Usage:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kabinet_bench_import \\
        .venv/bin/python bench/import_statements.py --rows 1000000
    make -C bench import ROWS=200000

The database named by DATABASE_URL (or the SQLite file under DATA_DIR) is migrated and its
statements and bench accounts are replaced: point it at a database of its own.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kabinet.settings")
MONTHS = 36


def setup_accounts(count: int) -> list[str]:
    import datetime as dt

    from django.db import transaction

    from kabinet.billing.models import Statement
    from kabinet.core.models import Branch, Building, Settlement, Street
    from kabinet.customers.models import Account, Customer

    with transaction.atomic():
        Statement.objects.filter(account__number__startswith="BENCH").delete()
        branch, _ = Branch.objects.get_or_create(code="BENCH", defaults={"name": "Bench"})
        settlement, _ = Settlement.objects.get_or_create(branch=branch, name="Bench")
        street, _ = Street.objects.get_or_create(settlement=settlement, name="Bench")
        building, _ = Building.objects.get_or_create(street=street, number="1")
        have = Account.objects.filter(number__startswith="BENCH").count()
        if have < count:
            customers = Customer.objects.bulk_create(
                [
                    Customer(code=f"BENCH{i:08d}", kind="individual", name="Bench")
                    for i in range(have, count)
                ],
                batch_size=5000,
            )
            Account.objects.bulk_create(
                [
                    Account(
                        number=f"BENCH{i:08d}",
                        service="gas",
                        customer=c,
                        building=building,
                        opened_on=dt.date(2020, 1, 1),
                    )
                    for i, c in zip(range(have, count), customers, strict=True)
                ],
                batch_size=5000,
            )
    return [f"BENCH{i:08d}" for i in range(count)]


def vacuum_statements() -> None:
    """After the delete of the last run's rows: as autovacuum would, before the measured runs
    (otherwise every new row's unique check first visits the dead row with its key)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) billing_statement")


def write_file(path: Path, numbers: list[str], rows: int) -> None:
    rnd = random.Random(1)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["account_number", "period", "volume", "opening_balance", "charged",
                         "paid", "closing_balance", "tariff"])  # fmt: skip
        written = 0
        for month in range(MONTHS):
            period = f"{2023 + month // 12}-{month % 12 + 1:02d}"
            for number in numbers:
                if written == rows:
                    return
                charged = rnd.randint(1000, 300000) / 100
                money = f"{charged:.2f}"
                volume = f"{charged / 7.96:.3f}"
                writer.writerow([number, period, volume, "0.00", money, money, "0.00", "7.96000"])
                written += 1


def raw_copy_seconds(path: Path) -> float:
    """PostgreSQL's own COPY of the same file into a bare (logged, index-free) table."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_bare_copy")
        cursor.execute(
            "CREATE TABLE bench_bare_copy (account_number text, period text, "
            "volume text, opening_balance text, charged text, paid text, "
            "closing_balance text, tariff text)"
        )
    raw = connection.connection
    started = time.perf_counter()
    with (
        raw.cursor() as cursor,
        cursor.copy("COPY bench_bare_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        path.open("rb") as f,
    ):
        while block := f.read(1 << 20):
            copy.write(block)
    raw.commit()
    seconds = time.perf_counter() - started
    return seconds


def table_floor_seconds() -> float:
    """PostgreSQL alone writing the same rows (from the bare table) into a fresh table shaped
    like billing_statement, its indexes included, in one INSERT … SELECT: what any import
    into that table costs beyond reading the file (no checks, no foreign-key triggers)."""
    from django.db import connection

    numbers = "volume, opening_balance, charged, paid, closing_balance, tariff"
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_floor")
        cursor.execute(
            "CREATE TABLE bench_floor (LIKE billing_statement INCLUDING DEFAULTS "
            "INCLUDING IDENTITY INCLUDING INDEXES)"
        )
    raw = connection.connection
    raw.commit()
    started = time.perf_counter()
    with raw.cursor() as cursor:
        casts = ", ".join(f"b.{name}::numeric" for name in numbers.split(", "))
        cursor.execute(
            f"INSERT INTO bench_floor (account_id, period, {numbers}, source, as_of) "  # noqa: S608
            f"SELECT a.id, (b.period || '-01')::date, {casts}, 'billing', now() "
            "FROM bench_bare_copy b JOIN customers_account a ON a.number = b.account_number "
            "ORDER BY 1, 2"
        )
    raw.commit()
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_floor")
        cursor.execute("DROP TABLE bench_bare_copy")
    return seconds


def run_import(path: Path) -> tuple[float, float, str]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "manage.py", "import_billing", str(path)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, peak_mb, result.stdout.strip()


def own_seconds(summary: str) -> float:
    """The command's own time, from its summary ("… records in 8.8 s (…/s) …"): without
    the process start."""
    match = re.search(r"records in ([\d,.]+) s", summary)
    return float(match.group(1).replace(",", "")) if match else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    accounts = -(-args.rows // MONTHS)
    numbers = setup_accounts(accounts)
    vacuum_statements()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "statements-bench.csv"
        write_file(path, numbers, args.rows)
        size_mb = path.stat().st_size / 1e6
        print(f"{args.rows:,} statement rows ({accounts:,} accounts x up to {MONTHS} months), "
              f"{size_mb:,.0f} MB CSV, {connection.vendor}")  # fmt: skip
        copy_s = floor_s = None
        if connection.vendor == "postgresql":
            copy_s = raw_copy_seconds(path)
            floor_s = table_floor_seconds()
            with connection.cursor() as cursor:
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                superuser = cursor.fetchone()[0]
        connection.close()
        first_s, peak_mb, summary = run_import(path)
        print(f"  import_billing (new rows):      {args.rows / first_s:>10,.0f} rows/s "
              f"({first_s:,.1f} s), peak memory {peak_mb:,.0f} MB")  # fmt: skip
        print(f"    {summary}")
        again_s, peak2_mb, summary2 = run_import(path)
        print(f"  import_billing (same file again): {args.rows / again_s:>8,.0f} rows/s "
              f"({again_s:,.1f} s), peak memory {peak2_mb:,.0f} MB")  # fmt: skip
        print(f"    {summary2}")
        if copy_s is not None:
            print(f"  PostgreSQL COPY, bare table:    {args.rows / copy_s:>10,.0f} rows/s "
                  f"({copy_s:,.1f} s)")  # fmt: skip
            print(f"  import ÷ COPY: {copy_s / first_s:.0%} (new), {copy_s / again_s:.0%} (again); "
                  f"the command's own time: {copy_s / own_seconds(summary):.0%} (new), "
                  f"{copy_s / own_seconds(summary2):.0%} (again)")  # fmt: skip
            print(f"  INSERT … SELECT of the bare table's rows into a table like "
                  f"billing_statement (its indexes, no checks): {args.rows / floor_s:,.0f} rows/s "
                  f"({floor_s:,.1f} s)")  # fmt: skip
            print(
                f"  role {'is' if superuser else 'is not'} a superuser: the foreign-key "
                f"triggers {'are skipped' if superuser else 'run'} (session_replication_role)"
            )


if __name__ == "__main__":
    main()
