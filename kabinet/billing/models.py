"""What billing says about an account: monthly statements, recorded payments and invoices.

Billing is the system of record for all of it; Kabinet imports it and shows it "as of" the
import. Balances are signed: positive is the customer's debt, negative is a credit (prepaid).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.core.models import ChoiceNames
from kabinet.customers.models import Account, Contract


class Source(models.TextChoices):
    BILLING = "billing", _("Billing system")
    PREVIOUS = "previous", _("Previous cabinet")
    ONLINE = "online", _("Paid online")


class Statement(models.Model):
    """One account's month: consumption, opening balance, charged, paid, closing balance."""

    # No index of its own: (account, period) below leads with the account and serves every
    # query by account; a second index only slowed the monthly import (one more per row).
    account = models.ForeignKey(
        Account,
        models.CASCADE,
        related_name="statements",
        verbose_name=_("account"),
        db_index=False,
    )
    period = models.DateField(_("period"), help_text=_("The first day of the month."))
    volume = models.DecimalField(_("volume"), max_digits=14, decimal_places=3, default=0)
    opening_balance = models.DecimalField(
        _("opening balance"), max_digits=14, decimal_places=2, default=0
    )
    charged = models.DecimalField(_("charged"), max_digits=14, decimal_places=2, default=0)
    paid = models.DecimalField(_("paid"), max_digits=14, decimal_places=2, default=0)
    closing_balance = models.DecimalField(
        _("closing balance"), max_digits=14, decimal_places=2, default=0
    )
    tariff = models.DecimalField(
        _("tariff"), max_digits=12, decimal_places=5, null=True, blank=True
    )
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.BILLING
    )
    as_of = models.DateTimeField(_("as of"))

    class Meta:
        verbose_name = _("monthly statement")
        verbose_name_plural = _("monthly statements")
        ordering = ["account", "-period"]
        constraints = [
            models.UniqueConstraint(fields=["account", "period"], name="statement_unique_period")
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.period:%Y-%m}"


class Payment(ChoiceNames, models.Model):
    """A payment billing has recorded (bank, cash desk, or an online order once posted)."""

    class Channel(models.TextChoices):
        BANK = "bank", _("Bank")
        CASH = "cash", _("Cash desk")
        ONLINE = "online", _("Online card payment")
        POST = "post", _("Post office")

    account = models.ForeignKey(
        Account, models.CASCADE, related_name="payments", verbose_name=_("account")
    )
    reference = models.CharField(_("billing reference"), max_length=64, unique=True)
    paid_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.BILLING
    )
    as_of = models.DateTimeField(_("as of"))

    class Meta:
        verbose_name = _("recorded payment")
        verbose_name_plural = _("recorded payments")
        ordering = ["-paid_on", "-id"]
        indexes = [models.Index(fields=["account", "-paid_on"])]

    def __str__(self) -> str:
        return f"{self.account} {self.paid_on} {self.amount}"


class Invoice(models.Model):
    """An invoice (рахунок, счёт-фактура) for a period, for an account or a whole contract."""

    number = models.CharField(_("number"), max_length=40, unique=True)
    account = models.ForeignKey(
        Account,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name=_("account"),
    )
    contract = models.ForeignKey(
        Contract,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name=_("contract"),
    )
    period = models.DateField(_("period"))
    issued_on = models.DateField(_("issued"))
    due_on = models.DateField(_("due"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    pdf = models.FileField(_("PDF from billing"), upload_to="invoices/%Y/%m/", blank=True)
    as_of = models.DateTimeField(_("as of"))

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-period", "number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(account__isnull=False) | models.Q(contract__isnull=False),
                name="invoice_has_owner",
            )
        ]

    def __str__(self) -> str:
        return self.number
