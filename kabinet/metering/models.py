"""Meters, their readings with a history of every change, and the reading rules per service."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.core.models import SERVICE_UNITS, ChoiceNames, Service
from kabinet.customers.models import Account, ServicePoint

from .rules import format_register


class Meter(ChoiceNames, models.Model):
    serial = models.CharField(_("serial number"), max_length=40, unique=True)
    service = models.CharField(_("service"), max_length=16, choices=Service.choices)
    digits = models.PositiveSmallIntegerField(
        _("digits"),
        validators=[MinValueValidator(3), MaxValueValidator(10)],
        help_text=_("Whole digits on the register, e.g. 5 for 00001."),
    )
    decimals = models.PositiveSmallIntegerField(
        _("decimals"), default=0, validators=[MaxValueValidator(3)]
    )
    tariff_zones = models.PositiveSmallIntegerField(
        _("tariff zones"), default=1, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    account = models.ForeignKey(
        Account,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="meters",
        verbose_name=_("account"),
    )
    service_point = models.ForeignKey(
        ServicePoint,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="meters",
        verbose_name=_("service point"),
    )
    remote_read = models.BooleanField(_("read remotely"), default=False)
    installed_on = models.DateField(_("installed"), null=True, blank=True)
    verification_due = models.DateField(_("next verification"), null=True, blank=True)

    class Meta:
        verbose_name = _("meter")
        verbose_name_plural = _("meters")
        ordering = ["serial"]

    def __str__(self) -> str:
        return self.serial

    @property
    def unit(self) -> str:
        return str(SERVICE_UNITS[self.service])

    def display(self, value: Decimal | None) -> str:
        """A value as the register shows it, leading zeros included (00001)."""
        if value is None:
            return ""
        return format_register(value, digits=self.digits, decimals=self.decimals)


class Reading(ChoiceNames, models.Model):
    """A meter's register values at one moment: one value per tariff zone."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        SENT = "sent", _("Sent to the inspector")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        ESTIMATED = "estimated", _("Estimated by the utility")

    class Origin(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        INSPECTOR = "inspector", _("Inspector")
        REMOTE = "remote", _("Remote reading")
        BILLING = "billing", _("Billing system")

    meter = models.ForeignKey(
        Meter, models.CASCADE, related_name="readings", verbose_name=_("meter")
    )
    taken_on = models.DateField(_("date"))
    value1 = models.DecimalField(_("value (zone 1)"), max_digits=15, decimal_places=3)
    value2 = models.DecimalField(
        _("value (zone 2)"), max_digits=15, decimal_places=3, null=True, blank=True
    )
    value3 = models.DecimalField(
        _("value (zone 3)"), max_digits=15, decimal_places=3, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    origin = models.CharField(_("source"), max_length=16, choices=Origin.choices)
    reject_reason = models.CharField(_("reason"), max_length=300, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    # What the rules found: a register that rolled over past 99999 (confirmed by the customer)
    # and an implausible jump (confirmed, and shown to the inspector as a flag).
    # Database defaults too, so billing's and the demo's bulk writers may leave them out.
    rollover = models.BooleanField(_("register rolled over"), default=False, db_default=False)
    flagged = models.BooleanField(
        _("flagged for the inspector"), default=False, db_default=False, db_index=True
    )
    flag_reason = models.CharField(_("flag"), max_length=300, blank=True, db_default="")
    consumption = models.DecimalField(
        _("consumption"), max_digits=15, decimal_places=3, null=True, blank=True
    )
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)
    changed_at = models.DateTimeField(
        _("changed"), default=timezone.now, db_default=Now(), db_index=True
    )
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1)

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")
        ordering = ["meter", "-taken_on", "-id"]
        indexes = [
            # The id too: "the last reading" orders by (taken_on, id), and a day with many
            # readings otherwise sorted them all (14,000 after a load test: 6 ms a submission).
            models.Index(fields=["meter", "-taken_on", "-id"], name="reading_meter_last_idx"),
            models.Index(fields=["status", "-submitted_at"], name="reading_queue_idx"),
        ]
        permissions = [("review_reading", _("Can accept or reject readings (inspector)"))]

    def __str__(self) -> str:
        return f"{self.meter} {self.taken_on} {self.value1}"

    @property
    def values(self) -> list[Decimal]:
        return self.values_of(self.meter)

    def values_of(self, meter: Meter) -> list[Decimal]:
        """One value per tariff zone of `meter` (passed in when it is already at hand)."""
        found = [self.value1, self.value2, self.value3][: meter.tariff_zones]
        return [v for v in found if v is not None]

    def shown(self) -> str:
        return " / ".join(self.meter.display(v) for v in self.values)


class ReadingRevision(models.Model):
    """One change of a reading, kept for ever: its values and status after the change.

    Revisions also drive the export to billing: their ids only grow, so billing pulls
    `id > cursor` and misses nothing (see selectors.readings_for_export)."""

    class Action(models.TextChoices):
        CREATED = "created", _("Submitted")
        EDITED = "edited", _("Edited")
        DELETED = "deleted", _("Deleted")
        REVIEWED = "reviewed", _("Reviewed by the inspector")
        STATUS = "status", _("Status from billing")

    reading = models.ForeignKey(
        Reading, models.CASCADE, related_name="revisions", verbose_name=_("reading")
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_label = models.CharField(_("who (as recorded)"), max_length=150, blank=True)
    values = models.JSONField(_("values"), default=list)
    status = models.CharField(_("status"), max_length=16, choices=Reading.Status.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("reading revision")
        verbose_name_plural = _("reading revisions")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.reading_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class ReadingRules(models.Model):
    """How the utility takes readings of one service; a service without rules is always open,
    with a one-day correction period."""

    service = models.CharField(_("service"), max_length=16, choices=Service.choices, unique=True)
    window_opens = models.PositiveSmallIntegerField(
        _("window opens on day"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("Day of the month; empty: readings are taken on any day."),
    )
    window_closes = models.PositiveSmallIntegerField(
        _("window closes on day"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("Inclusive; may be in the next month, e.g. 25 to 3."),
    )
    edit_hours = models.PositiveSmallIntegerField(
        _("correction period, hours"),
        default=24,
        validators=[MaxValueValidator(24 * 31)],
        help_text=_("How long the author may edit or delete a reading."),
    )
    jump_factor = models.DecimalField(
        _("implausible jump factor"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(3),
        validators=[MinValueValidator(Decimal("1.1"))],
        help_text=_("Consumption above this many times the usual asks for confirmation."),
    )

    class Meta:
        verbose_name = _("reading rules")
        verbose_name_plural = _("reading rules")
        ordering = ["service"]

    def __str__(self) -> str:
        return str(self.get_service_display())

    def clean(self) -> None:
        if (self.window_opens is None) != (self.window_closes is None):
            raise ValidationError(_("Give both days of the window, or neither."))


class ReminderChoice(models.TextChoices):
    OFF = "off", _("No reminders")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class ReminderPreference(models.Model):
    """How a customer wants to be reminded of the readings window (off unless they choose)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="reading_reminders",
        verbose_name=_("user"),
    )
    channel = models.CharField(
        _("reminders"), max_length=8, choices=ReminderChoice.choices, default=ReminderChoice.OFF
    )

    class Meta:
        verbose_name = _("reading reminder preference")
        verbose_name_plural = _("reading reminder preferences")

    def __str__(self) -> str:
        return f"{self.user} {self.channel}"


class ReminderSent(models.Model):
    """One reminder of one window to one user: the daily command never sends it twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    window_opens_on = models.DateField()
    kind = models.CharField(max_length=8)  # "opens" or "closing"
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "window_opens_on", "kind"], name="remindersent_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.window_opens_on} {self.kind}"
