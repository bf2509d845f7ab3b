"""The customer's meter pages: the table, adding and correcting a reading, a meter's history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from itertools import pairwise
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from kabinet.billing import charts
from kabinet.customers import roles
from kabinet.customers.models import Account, AccountLink, Contract
from kabinet.customers.selectors import links_with_current
from kabinet.identity.models import User

from . import rules, selectors, services
from .forms import ReadingForm
from .models import Meter, Reading

NEED_MESSAGES = {
    "rollover": (
        "confirm_rollover",
        gettext_lazy(
            "The value is lower than the previous one. If the register passed its highest "
            "value and started again from zero, confirm it."
        ),
    ),
    "jump": (
        "confirm_jump",
        gettext_lazy(
            "This is far more than you usually use. Check the value; if it is right, "
            "confirm it and the inspector will look at it."
        ),
    ),
}


@dataclass
class Cabinet:
    user: User
    links: list[AccountLink]
    current: AccountLink
    scope: Account | None  # None: the whole organisation (a business customer)


def _cabinet(request: HttpRequest, pk: int) -> Cabinet:
    user = cast(User, request.user)
    links, current = links_with_current(user, pk)
    business = user.customer is not None and user.customer.is_business
    return Cabinet(user, links, current, None if business else current.account)


def _meter(cab: Cabinet, meter_pk: int) -> Meter:
    return selectors.meter_for(cab.user, meter_pk, account=cab.scope)


def _require_submit(cab: Cabinet, meter: Meter) -> None:
    """A colleague whose company role does not include readings gets 403 (view only, pay)."""
    if cab.scope is None:  # a business: the role decides
        target = meter.account or meter.service_point
        if target is not None:
            roles.require(cab.user, target, roles.SUBMIT_READINGS)


def _filters(request: HttpRequest, meters: list[Meter]) -> tuple[list[Meter], dict[str, object]]:
    """The business table's filters (contract, service point, service), applied to the list."""

    def contract_of(m: Meter) -> Contract | None:
        point = m.service_point
        return point.contract if point else (m.account.contract if m.account else None)

    contracts = {c.pk: c for m in meters if (c := contract_of(m)) is not None}
    points = {m.service_point.pk: m.service_point for m in meters if m.service_point}
    services_ = sorted({(m.service, m.get_service_display()) for m in meters})
    chosen = {k: request.GET.get(k, "") for k in ("contract", "point", "service")}
    shown = [
        m
        for m in meters
        if (not chosen["contract"] or str(getattr(contract_of(m), "pk", "")) == chosen["contract"])
        and (not chosen["point"] or str(m.service_point_id) == chosen["point"])
        and (not chosen["service"] or m.service == chosen["service"])
    ]
    options = {
        "contracts": list(contracts.values()),
        "points": list(points.values()),
        "services": services_,
        "chosen": chosen,
    }
    return shown, options


@login_required
@require_safe
def meters(request: HttpRequest, pk: int) -> HttpResponse:
    cab = _cabinet(request, pk)
    found = list(selectors.meters_for(cab.user, account=cab.scope))
    shown, options = _filters(request, found) if cab.scope is None else (found, {})
    return render(
        request,
        "metering/meters.html",
        {
            "links": cab.links,
            "current": cab.current,
            "account": cab.current.account,
            "business": cab.scope is None,
            "rows": selectors.table(shown),
            "filters": options,
            "today": timezone.localdate(),
        },
    )


def _reading_page(
    request: HttpRequest, cab: Cabinet, meter: Meter, form: ReadingForm, **extra: object
) -> HttpResponse:
    rule = selectors.rules_for(meter.service)
    refusal = (
        ""
        if extra.get("reading")
        else services.refusal(meter, rule=rule, today=timezone.localdate())
    )
    return render(
        request,
        "metering/reading_form.html",
        {
            "links": cab.links,
            "current": cab.current,
            "account": cab.current.account,
            "meter": meter,
            "form": form,
            "refusal": refusal,
            "rule": rule,
            **extra,
        },
        status=400 if form.errors else 200,
    )


def _submitted(form: ReadingForm, error: services.ReadingError) -> None:
    form.show_errors(error.errors)
    for need in error.needs:
        name, message = NEED_MESSAGES[need]
        form.add_error(name, str(message))


def _save(
    request: HttpRequest,
    form: ReadingForm,
    save: Callable[..., object],
    cab: Cabinet,
    previous: Reading | None,
    needs: set[str],
) -> ReadingForm | None:
    """Run `save` (reading_submit or reading_edit) with the form's values: None when saved,
    else the form again, asking what the rules need and with their reasons by the fields."""
    try:
        save(
            user=cab.user,
            texts=form.texts(),
            confirm_rollover=form.confirmed("rollover"),
            confirm_jump=form.confirmed("jump"),
            request=request,
        )
    except services.ReadingError as error:
        again = ReadingForm(
            request.POST, meter=form.meter, previous=previous, needs=needs | error.needs
        )
        again.is_valid()
        _submitted(again, error)
        return again
    return None


@login_required
@require_safe
def reading_start(request: HttpRequest, pk: int) -> HttpResponse:
    """The dashboard's "Submit a reading": the form of the only meter at once (the guide's
    “two clicks”), else the table to choose one."""
    cab = _cabinet(request, pk)
    meter_pk = selectors.single_meter_of(cab.user, account=cab.scope)
    if meter_pk is None:
        return redirect("metering:meters", pk)
    return redirect("metering:reading_add", pk, meter_pk)


@login_required
@require_http_methods(["GET", "POST"])
def reading_add(request: HttpRequest, pk: int, meter_pk: int) -> HttpResponse:
    cab = _cabinet(request, pk)
    meter = _meter(cab, meter_pk)
    _require_submit(cab, meter)
    previous = selectors.previous_reading(meter)
    needs = {n for n in ("rollover", "jump") if request.POST.get(f"confirm_{n}") is not None}
    form = ReadingForm(request.POST or None, meter=meter, previous=previous, needs=needs)
    if request.method == "POST" and form.is_valid():
        refused = _save(
            request, form, partial(services.reading_submit, meter=meter), cab, previous, needs
        )
        if refused is None:
            messages.success(request, _("The reading is saved and sent to the inspector."))
            return redirect("metering:meters", pk)
        form = refused
    return _reading_page(request, cab, meter, form, previous=previous)


@login_required
@require_http_methods(["GET", "POST"])
def reading_edit(request: HttpRequest, pk: int, reading_pk: int) -> HttpResponse:
    cab = _cabinet(request, pk)
    reading = selectors.reading_for(cab.user, reading_pk, account=cab.scope)
    meter = reading.meter
    if request.method == "POST":
        _require_submit(cab, meter)
    previous = selectors.previous_reading(meter, before=reading)
    rule = selectors.rules_for(meter.service)
    locked = services.lock_reason(reading, user=cab.user, rule=rule, now=timezone.now())
    needs = {n for n in ("rollover", "jump") if request.POST.get(f"confirm_{n}") is not None}
    initial = {f"value{i + 1}": meter.display(v) for i, v in enumerate(reading.values)}
    form = ReadingForm(
        request.POST or None, meter=meter, previous=previous, needs=needs, initial=initial
    )
    if request.method == "POST" and request.POST.get("delete"):
        return _delete(request, cab, reading, pk)
    if request.method == "POST" and form.is_valid():
        refused = _save(
            request, form, partial(services.reading_edit, reading=reading), cab, previous, needs
        )
        if refused is None:
            messages.success(request, _("The reading is corrected."))
            return redirect("metering:meters", pk)
        form = refused
    return _reading_page(
        request, cab, meter, form, previous=previous, reading=reading, locked=locked
    )


def _delete(request: HttpRequest, cab: Cabinet, reading: Reading, pk: int) -> HttpResponse:
    try:
        services.reading_delete(reading=reading, user=cab.user, request=request)
    except services.ReadingError as error:
        messages.error(request, " ".join(error.errors.get("__all__", [])))
        return redirect("metering:reading_edit", pk, reading.pk)
    messages.success(request, _("The reading is deleted."))
    return redirect("metering:meters", pk)


def _by_month(meter: Meter, readings: list[Reading]) -> dict[int, list[Decimal | None]]:
    """Consumption per calendar month, between consecutive readings that count (the stored
    figure where the rules computed one, else the difference, e.g. for imported history)."""
    series: dict[int, list[Decimal | None]] = {}
    counted = [r for r in readings if not r.deleted_at and r.status != Reading.Status.REJECTED]
    counted.sort(key=lambda r: (r.taken_on, r.pk))
    for before, reading in pairwise(counted):
        used = reading.consumption
        if used is None:
            steps = [
                rules.step(old, new, digits=meter.digits).consumption
                for old, new in zip(before.values, reading.values, strict=False)
            ]
            if any(s is None for s in steps):
                continue
            used = sum((s for s in steps if s is not None), Decimal(0))
        months = series.setdefault(reading.taken_on.year, [None] * 12)
        index = reading.taken_on.month - 1
        months[index] = (months[index] or Decimal(0)) + used
    return series


@login_required
@require_safe
def meter_history(request: HttpRequest, pk: int, meter_pk: int) -> HttpResponse:
    cab = _cabinet(request, pk)
    meter = _meter(cab, meter_pk)
    readings = selectors.history(meter)
    chart = charts.consumption_chart(
        _by_month(meter, readings), unit=meter.unit, chart_id="meter-chart", described_by="history"
    )
    return render(
        request,
        "metering/meter_history.html",
        {
            "links": cab.links,
            "current": cab.current,
            "account": cab.current.account,
            "meter": meter,
            "readings": readings,
            "chart": chart,
        },
    )


urlpatterns: list[URLPattern] = [
    path("accounts/<int:pk>/meters/", meters, name="meters"),
    path("accounts/<int:pk>/meters/<int:meter_pk>/", meter_history, name="meter_history"),
    path("accounts/<int:pk>/meters/submit/", reading_start, name="reading_start"),
    path("accounts/<int:pk>/meters/<int:meter_pk>/add/", reading_add, name="reading_add"),
    path("accounts/<int:pk>/readings/<int:reading_pk>/", reading_edit, name="reading_edit"),
]
