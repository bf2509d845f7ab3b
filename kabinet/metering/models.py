"""Meters and their readings. The submission flow and its rules live in a later issue."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.core.models import Service
from kabinet.customers.models import Account, ServicePoint


class Meter(models.Model):
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


class Reading(models.Model):
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

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")
        ordering = ["meter", "-taken_on", "-id"]
        indexes = [models.Index(fields=["meter", "-taken_on"])]

    def __str__(self) -> str:
        return f"{self.meter} {self.taken_on} {self.value1}"
