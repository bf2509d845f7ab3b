"""Online payment orders, the utility's payment rules, and the sandbox provider's own ledger.

The portal stores what SAQ A allows (SECURITY.md 19): order id, amount, currency, status and
the provider's transaction id; never a card number.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.customers.models import Account, Contract


class PaymentRules(models.Model):
    """How customers may pay online (a singleton, pk=1, edited in the back office)."""

    payable_from_day = models.PositiveSmallIntegerField(
        _("last month's charges payable from day"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_(
            "Before this day of the month the last month's charges are not payable yet "
            "(Kremenchukgaz: 10); 1 means at once."
        ),
    )
    min_amount = models.DecimalField(
        _("minimum amount"), max_digits=12, decimal_places=2, default=Decimal("1.00")
    )
    max_amount = models.DecimalField(
        _("maximum amount"), max_digits=12, decimal_places=2, default=Decimal("100000.00")
    )
    amount_editable = models.BooleanField(_("customers may change the amount"), default=True)
    providers = models.JSONField(
        _("providers enabled"),
        default=list,
        blank=True,
        help_text=_(
            "Codes among those configured in PAYMENT_PROVIDERS (sandbox, liqpay, yookassa); "
            "empty: all configured ones."
        ),
    )
    pending_timeout_minutes = models.PositiveIntegerField(
        _("give up on unpaid orders after (minutes)"), default=60
    )
    # The payee's bank details printed on invoices and encoded in their payment QR code.
    tax_id = models.CharField(_("payee's EDRPOU or INN"), max_length=12, blank=True)
    kpp = models.CharField(_("KPP"), max_length=9, blank=True)
    bank_account = models.CharField(_("IBAN or settlement account"), max_length=34, blank=True)
    bank_name = models.CharField(_("bank"), max_length=200, blank=True)
    bank_code = models.CharField(_("MFO or BIC"), max_length=11, blank=True)
    correspondent_account = models.CharField(_("correspondent account"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("payment rules and bank details")
        verbose_name_plural = _("payment rules and bank details")

    def __str__(self) -> str:
        return str(_("payment rules"))

    @classmethod
    def get(cls) -> PaymentRules:
        rules, _created = cls.objects.get_or_create(pk=1)
        return rules

    def enabled_providers(self) -> list[str]:
        configured = list(settings.PAYMENT_PROVIDERS)
        if not self.providers:
            return configured
        return [code for code in configured if code in self.providers]


class OrderStatus(models.TextChoices):
    CREATED = "created", _("Created")
    PENDING = "pending", _("Awaiting confirmation")
    SUCCESS = "success", _("Paid")
    FAILURE = "failure", _("Not paid")
    REVERSED = "reversed", _("Refunded")
    EXPIRED = "expired", _("Abandoned")


FINAL_STATUSES = {OrderStatus.FAILURE, OrderStatus.REVERSED, OrderStatus.EXPIRED}


class PaymentOrder(models.Model):
    """One attempt to pay: created by the portal, confirmed or refused by the provider."""

    order_id = models.CharField(_("order id"), max_length=40, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="payment_orders",
        verbose_name=_("user"),
    )
    account = models.ForeignKey(
        Account,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="payment_orders",
        verbose_name=_("account"),
    )
    contract = models.ForeignKey(
        Contract,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="payment_orders",
        verbose_name=_("contract"),
    )
    # What else the order pays for, for domains without an account or contract (a grid
    # connection fee: domain "connection", reference the application's number).
    domain = models.CharField(_("paid for (domain)"), max_length=32, blank=True)
    reference = models.CharField(_("paid for (reference)"), max_length=64, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    purpose = models.CharField(_("purpose"), max_length=300)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    provider = models.CharField(_("provider"), max_length=16)
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.CREATED
    )
    transaction_id = models.CharField(_("provider's transaction id"), max_length=64, blank=True)
    provider_error = models.CharField(_("provider error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    recorded_payment = models.OneToOneField(
        "billing.Payment",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="online_order",
        verbose_name=_("recorded payment"),
    )

    class Meta:
        verbose_name = _("payment order")
        verbose_name_plural = _("payment orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(account__isnull=False)
                | models.Q(contract__isnull=False)
                | ~models.Q(domain=""),
                name="paymentorder_has_subject",
            ),
            # One provider transaction credits one order, once (SECURITY.md 21).
            models.UniqueConstraint(
                fields=["provider", "transaction_id"],
                condition=~models.Q(transaction_id=""),
                name="paymentorder_unique_transaction",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["domain", "reference"]),
        ]

    def __str__(self) -> str:
        return self.order_id

    @property
    def is_paid(self) -> bool:
        return self.status == OrderStatus.SUCCESS

    @property
    def paid_on(self) -> dt.date | None:
        return self.paid_at.date() if self.paid_at else None


class SandboxCharge(models.Model):
    """The sandbox provider's own ledger: what its hosted page charged (demo and tests only).

    It stands where a real provider's database would; the portal reads it only through the
    sandbox provider's status call, never directly.
    """

    order_id = models.CharField(max_length=40, unique=True)
    status = models.CharField(max_length=16)
    transaction_id = models.CharField(max_length=64, unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    callback_url = models.URLField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "sandbox charge"
        verbose_name_plural = "sandbox charges"

    def __str__(self) -> str:
        return f"{self.order_id} {self.status}"
