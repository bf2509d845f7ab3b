"""Read-side queries of meters and readings: who may see which meter, the table, the history,
the inspector's queue and the export to billing. Each in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from kabinet.core.queries import any_of
from kabinet.customers.models import Account, AccountLink
from kabinet.identity.models import User

from .models import Meter, Reading, ReadingRevision, ReadingRules

# Revisions younger than this are not exported yet: a transaction that took its id earlier
# may still be committing, and the cursor must not step over it.
EXPORT_SETTLE = dt.timedelta(seconds=5)
USUAL_MONTHS = 12


def visible(reading_qs: QuerySet[Reading]) -> QuerySet[Reading]:
    """Readings that count: not deleted by their author."""
    return reading_qs.filter(deleted_at__isnull=True)


def _scope(user: User, account: Account | None) -> Q:
    """Meters of one account (a household's chosen one), or of every account, contract and
    service point the user is linked to (a company's whole organisation): a union of queries
    that each search one index of the meters (see `any_of`)."""
    if account is not None:
        return any_of(
            Meter.objects.filter(account=account),
            Meter.objects.filter(service_point__account=account),
        )
    linked = AccountLink.objects.filter(user=user).values("account_id")
    contracts = Account.objects.filter(links__user=user, contract__isnull=False).values(
        "contract_id"
    )
    return any_of(
        Meter.objects.filter(account_id__in=linked),
        Meter.objects.filter(service_point__account_id__in=linked),
        Meter.objects.filter(service_point__contract_id__in=contracts),
    )


def meters_for(user: User, *, account: Account | None = None) -> QuerySet[Meter]:
    """The meters the user may see (see `_scope`), with their last reading's id annotated."""
    last = visible(Reading.objects.filter(meter=OuterRef("pk"))).order_by("-taken_on", "-id")
    return (
        Meter.objects.filter(_scope(user, account))
        .select_related("account__contract", "service_point__contract")
        .annotate(last_reading_id=Subquery(last.values("id")[:1]))
        .order_by("service", "serial")
    )


def meter_for(user: User, pk: int, *, account: Account | None = None) -> Meter:
    """One of the user's meters, or 404: another customer's meter does not exist here. (Not
    `meters_for(…).filter(pk=…)`: one meter needs neither the table's last-reading subquery
    nor its order, a third of this query's cost on the history and reading pages.)"""
    meter = (
        Meter.objects.filter(_scope(user, account), pk=pk)
        .select_related("account__contract", "service_point__contract")
        .first()
    )
    if meter is None:
        raise Http404
    return meter


def reading_for(user: User, pk: int, *, account: Account | None = None) -> Reading:
    """One reading of the user's meters (deleted ones are gone), or 404."""
    mine = Meter.objects.filter(_scope(user, account)).values("pk")
    reading = (
        visible(Reading.objects.filter(pk=pk))
        .filter(meter__in=mine)
        .select_related("meter")
        .first()
    )
    if reading is None:
        raise Http404
    return reading


@dataclass
class MeterRow:
    meter: Meter
    last: Reading | None

    @property
    def shown(self) -> str:
        """The last reading's values as the register shows them: 00001 / 00042."""
        if self.last is None:
            return ""
        return " / ".join(self.meter.display(v) for v in self.last.values_of(self.meter))


def table(meters: list[Meter]) -> list[MeterRow]:
    """Each meter with its last reading: one query for all the readings."""
    last = {m.pk: getattr(m, "last_reading_id", None) for m in meters}
    readings = {r.pk: r for r in Reading.objects.filter(pk__in=[i for i in last.values() if i])}
    return [MeterRow(m, readings.get(last[m.pk] or 0)) for m in meters]


def rules_for(service: str) -> ReadingRules:
    """The service's rules, or the defaults (always open, one day to correct, factor 3)."""
    rules = ReadingRules.objects.filter(service=service).first()
    return rules or ReadingRules(service=service)


def previous_reading(meter: Meter, *, before: Reading | None = None) -> Reading | None:
    """The reading a new (or edited) one is compared with: the latest that counts."""
    qs = visible(Reading.objects.filter(meter=meter)).exclude(status=Reading.Status.REJECTED)
    if before is not None:
        qs = qs.exclude(pk=before.pk).filter(
            Q(taken_on__lt=before.taken_on) | Q(taken_on=before.taken_on, pk__lt=before.pk)
        )
    previous = qs.order_by("-taken_on", "-id").first()
    if previous is not None:
        previous.meter = meter  # known already: no query to show it
    return previous


def later_reading_exists(reading: Reading) -> bool:
    """A reading that counts was taken after this one: changing this one would change what
    that one consumed, so it is locked."""
    return (
        visible(Reading.objects.filter(meter_id=reading.meter_id))
        .exclude(status=Reading.Status.REJECTED)
        .filter(Q(taken_on__gt=reading.taken_on) | Q(taken_on=reading.taken_on, pk__gt=reading.pk))
        .exists()
    )


def usual_monthly(meter: Meter) -> Decimal | None:
    """The account's usual monthly consumption from billing's statements (the last year), or
    None before billing has sent any."""
    from kabinet.billing.models import Statement

    account_id = meter.account_id or (
        meter.service_point.account_id if meter.service_point_id else None  # type: ignore[union-attr]
    )
    if account_id is None:
        return None
    periods = Statement.objects.filter(account_id=account_id).order_by("-period")
    ids = periods.values("id")[:USUAL_MONTHS]
    average = Statement.objects.filter(id__in=ids).aggregate(avg=Avg("volume"))["avg"]
    return Decimal(average) if average is not None else None


def history(meter: Meter, *, limit: int = 36) -> list[Reading]:
    """The meter's readings, newest first (deleted ones too: the history keeps them)."""
    readings = list(Reading.objects.filter(meter=meter).order_by("-taken_on", "-id")[:limit])
    for reading in readings:
        reading.meter = meter  # known already: no query per row
    return readings


def revisions_of(reading: Reading) -> list[ReadingRevision]:
    return list(reading.revisions.order_by("id"))


def inspector_queue(
    *, branch: int | None = None, service: str = "", flagged: bool | None = None
) -> QuerySet[Reading]:
    """Readings waiting for the inspector, oldest first, with what the page shows."""
    qs = visible(Reading.objects.filter(status__in=[Reading.Status.SENT, Reading.Status.SUBMITTED]))
    if branch:
        qs = qs.filter(
            Q(meter__account__building__street__settlement__branch_id=branch)
            | Q(meter__service_point__account__building__street__settlement__branch_id=branch)
        )
    if service:
        qs = qs.filter(meter__service=service)
    if flagged is not None:
        qs = qs.filter(flagged=flagged)
    return qs.select_related("meter__account", "meter__service_point", "submitted_by").order_by(
        "submitted_at", "id"
    )


@dataclass
class ExportBatch:
    readings: list[Reading]
    cursor: int  # pass it back as `after` for the next batch; unchanged when nothing is new


def readings_for_export(*, after: int = 0, limit: int = 500) -> ExportBatch:
    """Readings created or changed since the cursor, for the billing API.

    The cursor is a revision id: every change of a reading (submitted, edited, deleted,
    reviewed, set by billing) writes a revision, and revision ids only grow, so a reading
    changed after it was exported is exported again and none is missed. Revisions younger
    than EXPORT_SETTLE wait for the next pull, so a transaction still committing an earlier
    id is not stepped over. A deleted reading is exported with `deleted_at` set."""
    settled = timezone.now() - EXPORT_SETTLE
    revisions = []
    for rev_id, reading_id, at in (
        ReadingRevision.objects.filter(id__gt=after)
        .order_by("id")
        .values_list("id", "reading_id", "at")[:limit]
    ):
        if at > settled:
            break  # everything after it waits, so the cursor never passes it
        revisions.append((rev_id, reading_id))
    if not revisions:
        return ExportBatch([], after)
    ids = list(dict.fromkeys(reading_id for _id, reading_id in revisions))
    readings = Reading.objects.filter(pk__in=ids).select_related("meter__account")
    by_id = {r.pk: r for r in readings}
    return ExportBatch([by_id[i] for i in ids if i in by_id], revisions[-1][0])


def single_meter_of(user: User, *, account: Account | None) -> int | None:
    """The id of the only meter in the user's table (`account`'s, or the whole organisation's
    when None), so "Submit a reading" opens that meter's form at once (“two clicks”); None when
    there are none or several (the button opens the table)."""
    ids = list(Meter.objects.filter(_scope(user, account)).values_list("pk", flat=True)[:2])
    return ids[0] if len(ids) == 1 else None


def export_row(reading: Reading) -> dict[str, object]:
    """One exported reading as billing reads it (the API's schema can mirror these keys)."""
    meter = reading.meter
    return {
        "id": reading.pk,
        "meter": meter.serial,
        "account": meter.account.number if meter.account else None,
        "taken_on": reading.taken_on.isoformat(),
        "values": [str(v.quantize(Decimal(1).scaleb(-meter.decimals))) for v in reading.values],
        "status": reading.status,
        "origin": reading.origin,
        "rollover": reading.rollover,
        "flagged": reading.flagged,
        "deleted": reading.deleted_at is not None,
        "version": reading.version,
        "changed_at": reading.changed_at.isoformat(),
    }
