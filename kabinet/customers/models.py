"""Customers, their personal accounts, contracts and service points; who may see which."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.core.identifiers import IdentifierValidator
from kabinet.core.models import SERVICE_UNITS, Apartment, Building, Service


class CustomerKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    COMPANY = "company", _("Legal entity")
    ENTREPRENEUR = "entrepreneur", _("Sole proprietor")


class Customer(models.Model):
    """A household or a business, as billing knows it. Imported; read-only in the back office."""

    code = models.CharField(_("billing code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=CustomerKind.choices)
    name = models.CharField(_("name"), max_length=300, help_text=_("Full name or legal name."))
    edrpou = models.CharField(
        _("EDRPOU"),
        max_length=8,
        blank=True,
        db_index=True,
        validators=[IdentifierValidator("edrpou")],
    )
    rnokpp = models.CharField(
        _("RNOKPP"),
        max_length=10,
        blank=True,
        db_index=True,
        validators=[IdentifierValidator("rnokpp")],
    )
    inn = models.CharField(
        _("INN"), max_length=12, blank=True, db_index=True, validators=[IdentifierValidator("inn")]
    )
    ogrn = models.CharField(
        _("OGRN"), max_length=15, blank=True, validators=[IdentifierValidator("ogrn")]
    )
    snils = models.CharField(
        _("SNILS"),
        max_length=11,
        blank=True,
        db_index=True,
        validators=[IdentifierValidator("snils")],
    )
    code_word = models.CharField(_("code word"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    postal_address = models.CharField(_("postal address"), max_length=300, blank=True)
    iban = models.CharField(_("IBAN or bank account"), max_length=34, blank=True)
    bank_name = models.CharField(_("bank"), max_length=200, blank=True)
    bank_code = models.CharField(_("MFO or BIC"), max_length=11, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_business(self) -> bool:
        return self.kind != CustomerKind.INDIVIDUAL


class Contract(models.Model):
    """A business customer's contract, grouping service points (KrasKom's “Вода и стоки”)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("In force")
        TERMINATED = "terminated", _("Terminated")

    number = models.CharField(_("number"), max_length=40, unique=True)
    customer = models.ForeignKey(
        Customer, models.PROTECT, related_name="contracts", verbose_name=_("customer")
    )
    title = models.CharField(_("title"), max_length=200)
    services = models.JSONField(_("services"), default=list)
    address = models.CharField(_("address"), max_length=300, blank=True)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Account(models.Model):
    """A personal account (особовий рахунок): one service at one address, billed monthly."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    number = models.CharField(_("account number"), max_length=32, unique=True)
    service = models.CharField(_("service"), max_length=16, choices=Service.choices)
    customer = models.ForeignKey(
        Customer, models.PROTECT, related_name="accounts", verbose_name=_("customer")
    )
    contract = models.ForeignKey(
        Contract,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name=_("contract"),
    )
    building = models.ForeignKey(
        Building, models.PROTECT, related_name="accounts", verbose_name=_("building")
    )
    apartment = models.ForeignKey(
        Apartment,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name=_("apartment"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    opened_on = models.DateField(_("opened"))
    closed_on = models.DateField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("personal account")
        verbose_name_plural = _("personal accounts")
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number

    @property
    def unit(self) -> str:
        return str(SERVICE_UNITS[self.service])

    def address_line(self) -> str:
        """“Кременчук, вул. Соборна, 12, кв. 7” (select_related the address tree first)."""
        parts = [
            self.building.street.settlement.name,
            self.building.street.name,
            self.building.number,
        ]
        if self.apartment_id:
            parts.append(f"{_('apt.')} {self.apartment.number}")  # type: ignore[union-attr]
        return ", ".join(parts)


class AccountLink(models.Model):
    """A user may see an account: added by address (households) or granted with the company."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="account_links",
        verbose_name=_("user"),
    )
    account = models.ForeignKey(
        Account, models.CASCADE, related_name="links", verbose_name=_("account")
    )
    nickname = models.CharField(_("name"), max_length=60, blank=True, help_text=_("e.g. “Dacha”"))
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("account link")
        verbose_name_plural = _("account links")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "account"], name="accountlink_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.account}"


class ServicePoint(models.Model):
    """A consumption object (KrasKom's “абонент”) under a contract: a place with meters."""

    contract = models.ForeignKey(
        Contract, models.CASCADE, related_name="service_points", verbose_name=_("contract")
    )
    account = models.ForeignKey(
        Account,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="service_points",
        verbose_name=_("account"),
    )
    code = models.CharField(_("subscriber number"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300)

    class Meta:
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "code"], name="servicepoint_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
