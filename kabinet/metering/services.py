"""Write-side of metering: submit, correct, delete and review readings, set billing's status.

Every function runs in one transaction with its audit event and a ReadingRevision, so the
history of a reading is complete and the export cursor sees every change (SECURITY.md 18).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kabinet.core.audit import audit
from kabinet.core.models import UtilityProfile
from kabinet.identity.models import User
from kabinet.notify.services import message_render_and_queue

from . import rules, selectors
from .models import (
    Meter,
    Reading,
    ReadingRevision,
    ReadingRules,
    ReminderChoice,
    ReminderPreference,
    ReminderSent,
)

ZONE_FIELDS = ("value1", "value2", "value3")
OPEN_STATUSES = (Reading.Status.SENT, Reading.Status.SUBMITTED)


@dataclass
class ReadingError(Exception):
    """Why a reading was not saved: messages per form field (`__all__` for a refusal) and the
    confirmations the customer still has to give (`rollover`, `jump`)."""

    errors: dict[str, list[str]] = field(default_factory=dict)
    needs: set[str] = field(default_factory=set)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


@dataclass
class Checked:
    values: list[Decimal]
    consumption: Decimal | None
    rollover: bool
    flag_reason: str


def refusal(meter: Meter, *, rule: ReadingRules, today: dt.date) -> str | None:
    """Why no reading of this meter is taken today, or None."""
    profile = UtilityProfile.get()
    if not profile.readings_enabled or meter.service in profile.readings_not_accepted_services:
        return _("This utility does not take readings for this service.")
    if meter.remote_read:
        return _("This meter is read remotely: the utility receives its readings by itself.")
    if meter.verification_due is not None and meter.verification_due < today:
        return _(
            "The meter's verification was due on %(date)s: readings of an unverified meter "
            "are not accepted. Please arrange its verification."
        ) % {"date": formats.date_format(meter.verification_due, "SHORT_DATE_FORMAT")}
    if rules.window_at(rule.window_opens, rule.window_closes, today) is None:
        assert rule.window_opens is not None and rule.window_closes is not None
        window = rules.next_window(rule.window_opens, rule.window_closes, today)
        return _("Readings are taken from %(opens)s to %(closes)s.") % {
            "opens": formats.date_format(window.opens_on, "SHORT_DATE_FORMAT"),
            "closes": formats.date_format(window.closes_on, "SHORT_DATE_FORMAT"),
        }
    return None


def lock_reason(reading: Reading, *, user: User, rule: ReadingRules, now: dt.datetime) -> str:
    """Why the user may not edit or delete this reading any more ('' when they may)."""
    if reading.deleted_at is not None:
        return _("This reading was deleted.")
    if reading.submitted_by_id != user.pk:
        return _("Only the person who entered a reading may change it.")
    if reading.status not in OPEN_STATUSES:
        return _("The reading has been processed (%(status)s), so it can no longer be changed.") % {
            "status": reading.get_status_display()
        }
    if selectors.later_reading_exists(reading):
        return _("A later reading of this meter exists, so this one can no longer be changed.")
    if now >= reading.submitted_at + dt.timedelta(hours=rule.edit_hours):
        return _(
            "A reading can be edited or deleted only within %(hours)d hours after it was "
            "entered; this one was entered on %(when)s."
        ) % {
            "hours": rule.edit_hours,
            "when": formats.date_format(
                timezone.localtime(reading.submitted_at), "SHORT_DATETIME_FORMAT"
            ),
        }
    return ""


def check(
    meter: Meter,
    texts: list[str],
    *,
    rule: ReadingRules,
    previous: Reading | None,
    confirm_rollover: bool,
    confirm_jump: bool,
    taken_on: dt.date,
) -> Checked:
    """Validate the typed values against the meter and the previous reading (server side)."""
    error = ReadingError()
    values: list[Decimal] = []
    for index in range(meter.tariff_zones):
        text = texts[index] if index < len(texts) else ""
        try:
            values.append(rules.parse_value(text, digits=meter.digits, decimals=meter.decimals))
        except rules.ValidationError as exc:
            error.add(ZONE_FIELDS[index], exc.messages[0])
    if error.errors:
        raise error
    if previous is None:
        return Checked(values, None, False, "")
    total, rolled = Decimal(0), False
    for index, (old, new) in enumerate(zip(previous.values, values, strict=False)):
        found = rules.step(old, new, digits=meter.digits)
        if found.consumption is None:
            error.add(
                ZONE_FIELDS[index],
                _("The value is lower than the previous reading (%(previous)s).")
                % {
                    "previous": rules.format_register(
                        old, digits=meter.digits, decimals=meter.decimals
                    )
                },
            )
            continue
        total += found.consumption
        rolled = rolled or found.rollover
    if error.errors:
        raise error
    if rolled and not confirm_rollover:
        error.needs.add("rollover")
    days = (taken_on - previous.taken_on).days
    usual = rules.usual_for(selectors.usual_monthly(meter), days=days)
    flag = ""
    if rules.implausible(total, usual=usual, factor=rule.jump_factor):
        assert usual is not None
        flag = _("Consumption %(consumption)s is far above the usual %(usual)s.") % {
            "consumption": rules.format_register(total, digits=1, decimals=meter.decimals),
            "usual": f"{usual:.0f}",
        }
        if not confirm_jump:
            error.needs.add("jump")
    if error.needs:
        raise error
    return Checked(values, total, rolled, flag)


def _revision(
    reading: Reading, action: str, actor: User | None, reason: str = ""
) -> ReadingRevision:
    return ReadingRevision.objects.create(
        reading=reading,
        action=action,
        actor=actor,
        actor_label=actor.get_username() if actor is not None else "billing",
        values=[reading.meter.display(v) for v in reading.values],
        status=reading.status,
        reason=reason,
    )


def _apply(reading: Reading, checked: Checked) -> None:
    for name, value in zip(ZONE_FIELDS, [*checked.values, None, None, None], strict=False):
        setattr(reading, name, value)
    reading.consumption = checked.consumption
    reading.rollover = checked.rollover
    reading.flagged = bool(checked.flag_reason)
    reading.flag_reason = checked.flag_reason


def _audit(action: str, reading: Reading, request: HttpRequest | None, actor: Any) -> None:
    account = reading.meter.account
    audit(
        action,
        request=request,
        actor=actor,
        obj=reading,
        account_id=account.pk if account else None,
        customer_id=account.customer_id if account else None,
        meter=reading.meter.serial,
        values=[str(v) for v in reading.values],
        status=reading.status,
    )


def reading_submit(
    *,
    meter: Meter,
    user: User,
    texts: list[str],
    confirm_rollover: bool = False,
    confirm_jump: bool = False,
    request: HttpRequest | None = None,
) -> Reading:
    """A customer's reading, sent to the inspector's queue at once (KrasKom step 12)."""
    today = timezone.localdate()
    rule = selectors.rules_for(meter.service)
    with transaction.atomic():
        # one submission per meter at a time, so “previous” is the one really before
        meter = (
            Meter.objects.select_for_update(of=("self",)).select_related("account").get(pk=meter.pk)
        )
        reason = refusal(meter, rule=rule, today=today)
        if reason:
            raise ReadingError({"__all__": [reason]})
        checked = check(
            meter,
            texts,
            rule=rule,
            previous=selectors.previous_reading(meter),
            confirm_rollover=confirm_rollover,
            confirm_jump=confirm_jump,
            taken_on=today,
        )
        now = timezone.now()
        reading = Reading(
            meter=meter,
            taken_on=today,
            status=Reading.Status.SENT,
            origin=Reading.Origin.CUSTOMER,
            submitted_by=user,
            submitted_at=now,
            changed_at=now,
        )
        _apply(reading, checked)
        reading.save()
        _revision(reading, ReadingRevision.Action.CREATED, user)
        _audit("metering.reading_submitted", reading, request, user)
    return reading


def reading_edit(
    *,
    reading: Reading,
    user: User,
    texts: list[str],
    confirm_rollover: bool = False,
    confirm_jump: bool = False,
    request: HttpRequest | None = None,
) -> Reading:
    """The author corrects a reading within the correction period. Concurrent edits run one
    after the other on the locked row: the last one wins and both are in the history."""
    rule = selectors.rules_for(reading.meter.service)
    with transaction.atomic():
        locked = (
            Reading.objects.select_for_update(of=("self",))
            .select_related("meter__account")
            .get(pk=reading.pk)
        )
        reason = lock_reason(locked, user=user, rule=rule, now=timezone.now())
        if reason:
            raise ReadingError({"__all__": [reason]})
        checked = check(
            locked.meter,
            texts,
            rule=rule,
            previous=selectors.previous_reading(locked.meter, before=locked),
            confirm_rollover=confirm_rollover,
            confirm_jump=confirm_jump,
            taken_on=locked.taken_on,
        )
        _apply(locked, checked)
        locked.version += 1
        locked.changed_at = timezone.now()
        locked.save()
        _revision(locked, ReadingRevision.Action.EDITED, user)
        _audit("metering.reading_edited", locked, request, user)
    return locked


def reading_delete(*, reading: Reading, user: User, request: HttpRequest | None = None) -> None:
    """The author withdraws a reading within the correction period; it stays in the history."""
    rule = selectors.rules_for(reading.meter.service)
    with transaction.atomic():
        locked = (
            Reading.objects.select_for_update(of=("self",))
            .select_related("meter__account")
            .get(pk=reading.pk)
        )
        reason = lock_reason(locked, user=user, rule=rule, now=timezone.now())
        if reason:
            raise ReadingError({"__all__": [reason]})
        locked.deleted_at = locked.changed_at = timezone.now()
        locked.version += 1
        locked.save()
        _revision(locked, ReadingRevision.Action.DELETED, user)
        _audit("metering.reading_deleted", locked, request, user)


def reading_review(
    *,
    reading: Reading,
    user: User,
    accept: bool,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Reading:
    """The inspector accepts a reading or rejects it with a reason the customer sees."""
    if not accept and not reason.strip():
        raise ReadingError({"reason": [_("Give the reason for rejecting the reading.")]})
    with transaction.atomic():
        locked = (
            Reading.objects.select_for_update(of=("self",))
            .select_related("meter__account")
            .get(pk=reading.pk)
        )
        if locked.deleted_at is not None or locked.status not in OPEN_STATUSES:
            raise ReadingError({"__all__": [_("This reading has already been processed.")]})
        locked.status = Reading.Status.ACCEPTED if accept else Reading.Status.REJECTED
        locked.reject_reason = "" if accept else reason.strip()
        locked.version += 1
        locked.changed_at = timezone.now()
        locked.save()
        _revision(locked, ReadingRevision.Action.REVIEWED, user, locked.reject_reason)
        _audit("metering.reading_reviewed", locked, request, user)
    return locked


def reading_status_set(
    *, reading: Reading, status: str, reason: str = "", request: HttpRequest | None = None
) -> Reading:
    """Billing sets a reading's status back through the API (accepted, rejected, estimated)."""
    if status not in Reading.Status.values:
        raise ValueError(f"unknown status {status!r}")
    with transaction.atomic():
        locked = (
            Reading.objects.select_for_update(of=("self",))
            .select_related("meter__account")
            .get(pk=reading.pk)
        )
        if locked.status == status and locked.reject_reason == reason:
            return locked  # billing repeating itself changes nothing
        locked.status = status
        locked.reject_reason = reason if status == Reading.Status.REJECTED else ""
        locked.version += 1
        locked.changed_at = timezone.now()
        locked.save()
        _revision(locked, ReadingRevision.Action.STATUS, None, reason)
        _audit("metering.reading_status_set", locked, request, None)
    return locked


# --- Reminders of the readings window ---------------------------------------------------------


def reminder_preference_set(
    *, user: User, channel: str, request: HttpRequest | None = None
) -> ReminderPreference:
    """The customer's choice: no reminders (the default), SMS or e-mail."""
    with transaction.atomic():
        preference, _created = ReminderPreference.objects.select_for_update().get_or_create(
            user=user
        )
        preference.channel = channel
        preference.save()
        audit(
            "metering.reminders_set", request=request, actor=user, obj=preference, channel=channel
        )
    return preference


def _recipient(user: User, channel: str) -> str:
    customer = user.customer
    if channel == ReminderChoice.SMS:
        return user.phone or (customer.phone if customer else "")
    return user.email or (customer.email if customer else "")


def reminders_send(*, today: dt.date) -> int:
    """Remind customers who asked for it, on the day a window opens and two days before it
    closes, of each of their meters' services that has no reading in this window yet. Run
    daily (`manage.py reading_reminders`); a reminder is never sent twice."""
    profile = UtilityProfile.get()
    if not profile.readings_enabled:
        return 0
    due: dict[str, tuple[rules.Window, str]] = {}
    for rule in ReadingRules.objects.filter(window_opens__isnull=False):
        if rule.service in profile.readings_not_accepted_services:
            continue
        window = rules.window_at(rule.window_opens, rule.window_closes, today)
        if window is None:
            continue
        if today == window.opens_on:
            due[rule.service] = (window, "opens")
        elif today == window.closes_on - dt.timedelta(days=2):
            due[rule.service] = (window, "closing")
    if not due:
        return 0
    sent = 0
    preferences = ReminderPreference.objects.exclude(channel=ReminderChoice.OFF).select_related(
        "user__customer"
    )
    for preference in preferences.iterator():
        user = preference.user
        for meter in selectors.meters_for(user).filter(service__in=due, remote_read=False):
            window, kind = due[meter.service]
            has_reading = selectors.visible(
                Reading.objects.filter(meter=meter, taken_on__gte=window.opens_on)
            ).exists()
            if has_reading:
                continue
            recipient = _recipient(user, preference.channel)
            if not recipient:
                break
            with transaction.atomic():
                _sent, created = ReminderSent.objects.get_or_create(
                    user=user, window_opens_on=window.opens_on, kind=kind
                )
                if not created:
                    break
                message_render_and_queue(
                    channel=preference.channel,
                    recipient=recipient,
                    purpose=f"reading_reminder_{kind}",
                    context={"window": window, "meter": meter},
                    language=user.language or None,
                )
            sent += 1
            break  # one reminder per user and window names the first meter; the page lists all
    return sent
