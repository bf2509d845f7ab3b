"""Query shapes that both databases answer from their indexes."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet


def any_of(*querysets: QuerySet[Any]) -> Q:
    """Rows matching any of `querysets` (of one model): `pk IN (a UNION ALL b …)`.

    An OR across columns — `account_id = 1 OR service_point_id IN (…)` — is answered by
    PostgreSQL with a scan of the whole table (SQLite manages a multi-index OR, PostgreSQL's
    bitmap OR cannot take a subquery); each query of a union uses its own index. The tests read
    both databases' plans (kabinet/core/tests/test_queries.py)."""
    first, *rest = (queryset.order_by().values("pk") for queryset in querysets)
    return Q(pk__in=first.union(*rest, all=True))
