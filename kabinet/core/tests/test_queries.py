"""The cabinet's scoped lookups are answered from indexes on both databases: no query reads
every meter, invoice, service point or audit event of the utility to find one customer's.

On PostgreSQL the plan is read with sequential scans discouraged: a small test table is
cheaper to scan, but a query that has an index path then takes it, and one that has none
(an OR across columns with a subquery) still scans. SQLite's plan is read as it is."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet

from kabinet.billing.selectors import contract_invoices
from kabinet.core.models import AuditEvent
from kabinet.core.queries import any_of
from kabinet.core.testing import Company, Household
from kabinet.customers.models import ServicePoint
from kabinet.metering import selectors as metering
from kabinet.metering.models import Meter

pytestmark = pytest.mark.django_db

SCANNED = {
    "metering_meter",
    "billing_invoice",
    "customers_servicepoint",
    "core_auditevent",
    "identity_user",
}


def plan(queryset: QuerySet[Any]) -> Any:
    """PostgreSQL's plan as JSON; SQLite's as its lines of text."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            found = cursor.fetchone()[0]
            return json.loads(found) if isinstance(found, str) else found
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " | ".join(str(row[-1]) for row in cursor.fetchall())


def full_scans(found: Any) -> set[str]:
    """The big tables a plan reads whole: on PostgreSQL a scan of one without an index
    condition (a sequential scan, or a walk of a whole index); on SQLite a SCAN not USING one."""
    if isinstance(found, str):
        return {t for t in SCANNED if f"SCAN {t}" in found and f"SCAN {t} USING" not in found}
    whole = set()
    nodes = [found[0]["Plan"]]
    while nodes:
        node = nodes.pop()
        nodes.extend(node.get("Plans", []))
        if node.get("Relation Name") in SCANNED and not (
            "Index Cond" in node or node["Node Type"] == "Bitmap Heap Scan"
        ):
            whole.add(node["Relation Name"])
    return whole


def lookups(household: Household, company: Company) -> dict[str, QuerySet[Any]]:
    accounts = [household.gas, household.electricity]
    return {
        "a household's meters": metering.meters_for(household.user, account=household.gas),
        "a company's meters": metering.meters_for(company.user),
        "a contract's invoices": contract_invoices(company.contract.pk),
        "points to order for": ServicePoint.objects.filter(
            any_of(
                ServicePoint.objects.filter(account__in=accounts),
                ServicePoint.objects.filter(contract__customer_id=company.customer.pk),
            )
        ),
        "a company's activity": AuditEvent.objects.filter(
            any_of(
                AuditEvent.objects.filter(customer_id=company.customer.pk),
                AuditEvent.objects.filter(account_id__in=[company.account.pk]),
            )
        ).order_by("-at")[:50],
    }


def test_scoped_lookups_read_indexes(household: Household, company: Company) -> None:
    for name, queryset in lookups(household, company).items():
        found = plan(queryset)
        assert not full_scans(found), f"{name}: {found}"


def test_login_identifiers_read_indexes(household: Household, company: Company) -> None:
    """Every way in of the one login field (phone, account number, tax ids, e-mail …)."""
    from kabinet.core.models import UtilityProfile
    from kabinet.identity.backends import identifier_ways

    profile = UtilityProfile.get()
    for field in ("username", "email", "phone", "account", "tax_id", "snils"):
        setattr(profile, f"login_by_{field}", True)
    identifiers = [
        str(household.user.phone),
        household.gas.number,
        company.customer.edrpou,
        "12345678901",
    ]
    if connection.vendor == "postgresql":  # SQLite compares e-mails with LIKE, never by index
        identifiers.append("Office@Vodohrai.example.com")
    for identifier in identifiers:
        for status in ("", "individual", "company"):
            ways = [
                way.order_by().values_list("pk")
                for way in identifier_ways(identifier, profile=profile, status=status)
            ]
            found = plan(ways[0].union(*ways[1:])[:5])
            assert not full_scans(found), f"{identifier} {status}: {found}"


def test_the_old_or_shape_would_have_been_caught(household: Household) -> None:
    """The check above is not blind: the OR it replaced scans the meters on PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite answers this OR with a multi-index OR")
    points = ServicePoint.objects.filter(account=household.gas).values("pk")
    old = Meter.objects.filter(account=household.gas) | Meter.objects.filter(
        service_point_id__in=points
    )
    assert "metering_meter" in full_scans(plan(old))


def test_any_of_finds_each_row_once(household: Household, company: Company) -> None:
    both = any_of(
        Meter.objects.filter(account=company.account),
        Meter.objects.filter(service_point=company.service_point),  # the same meter again
    )
    assert list(Meter.objects.filter(both)) == [company.meter]
    assert list(metering.meters_for(company.user)) == [company.meter]


def sorts(found: Any) -> bool:
    """The plan sorts rows itself (on SQLite a temporary B-tree) instead of reading an index
    in the order asked for."""
    if isinstance(found, str):
        return "TEMP B-TREE" in found
    nodes = [found[0]["Plan"]]
    while nodes:
        node = nodes.pop()
        if "Sort" in node["Node Type"]:  # Sort, Incremental Sort
            return True
        nodes.extend(node.get("Plans", []))
    return False


def test_the_last_reading_is_read_from_the_index_in_order(company: Company) -> None:
    """A reading day submits to one meter many times a day: ordering its readings of a day by id
    outside the index sorted them all on every submission."""
    from kabinet.metering.models import Reading

    meter = company.meter
    last = Reading.objects.filter(meter=meter, deleted_at__isnull=True).exclude(status="rejected")
    found = plan(last.order_by("-taken_on", "-id")[:1])
    assert not sorts(found), found
    assert sorts(plan(last.order_by("-taken_on", "-value1")[:1]))  # the check is not blind
