"""Customers, their personal accounts, contracts and service points; who may see which."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kabinet.core.identifiers import IdentifierValidator
from kabinet.core.models import SERVICE_UNITS, Apartment, Building, ChoiceNames, Service


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


class Account(ChoiceNames, models.Model):
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


# --- Business customers: colleagues, roles and service orders ------------------------------------


class Role(models.TextChoices):
    """What a colleague may do for the company (see customers.roles.can)."""

    VIEW = "view", _("View only")
    READINGS = "readings", _("Submit readings")
    PAY = "pay", _("Pay")
    FULL = "full", _("Full access")
    ADMIN = "admin", _("Administrator")


class CompanyMember(models.Model):
    """A user acting for a business customer with a role. The user who registered the company
    has no row and is its administrator (see customers.roles.role_of)."""

    customer = models.ForeignKey(
        Customer, models.CASCADE, related_name="members", verbose_name=_("customer")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("colleague")
        verbose_name_plural = _("colleagues")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "user"], name="companymember_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.customer}"


class Invitation(models.Model):
    """An administrator's invitation of a colleague by e-mail or phone; a one-time link."""

    customer = models.ForeignKey(
        Customer, models.CASCADE, related_name="invitations", verbose_name=_("customer")
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    revoked = models.BooleanField(_("withdrawn"), default=False)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email or self.phone


class ServiceKind(models.Model):
    """A service of the utility's catalogue customers can order (meter replacement, ...)."""

    class Target(models.TextChoices):
        ACCOUNT = "account", _("Personal account")
        SERVICE_POINT = "service_point", _("Service point")
        ANY = "any", _("Account or service point")

    code = models.SlugField(_("code"), unique=True)
    name = models.CharField(_("name (Ukrainian)"), max_length=200)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description = models.TextField(_("description (Ukrainian)"), blank=True)
    description_ru = models.TextField(_("description (Russian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    price = models.DecimalField(
        _("price"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Leave empty for a free service."),
    )
    fields = models.TextField(
        _("required fields"),
        blank=True,
        help_text=_("One field label per line, e.g. “Meter serial number”; all are required."),
    )
    fields_ru = models.TextField(
        _("required fields (Russian)"),
        blank=True,
        help_text=_("The same labels in the same order, one per line; empty: the Ukrainian ones."),
    )
    fields_en = models.TextField(
        _("required fields (English)"),
        blank=True,
        help_text=_("The same labels in the same order, one per line; empty: the Ukrainian ones."),
    )
    target = models.CharField(
        _("ordered for"), max_length=16, choices=Target.choices, default=Target.ACCOUNT
    )
    is_active = models.BooleanField(_("offered"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("orderable service")
        verbose_name_plural = _("orderable services")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def _localized(self, field: str) -> str:
        from django.utils.translation import get_language

        language = (get_language() or "uk")[:2]
        if language in ("ru", "en"):
            value = getattr(self, f"{field}_{language}")
            if value:
                return str(value)
        return str(getattr(self, field))

    @property
    def title(self) -> str:
        return self._localized("name")

    @property
    def text(self) -> str:
        return self._localized("description")

    @staticmethod
    def _labels(text: str) -> list[str]:
        return [line.strip() for line in text.splitlines() if line.strip()]

    @property
    def field_labels(self) -> list[str]:
        """The Ukrainian labels: the keys an order's details are kept under (for staff and
        billing, whatever language the customer used)."""
        return self._labels(self.fields)

    def shown_labels(self) -> dict[str, str]:
        """Each Ukrainian label → the label in the active language (itself where none)."""
        labels = self.field_labels
        translated = self._labels(self._localized("fields"))
        if len(translated) != len(labels):
            translated = labels
        return dict(zip(labels, translated, strict=True))

    def clean(self) -> None:
        count = len(self.field_labels)
        errors = {
            name: ngettext(
                "Give %(count)d label, one per line, as in Ukrainian.",
                "Give %(count)d labels, one per line, as in Ukrainian.",
                count,
            )
            % {"count": count}
            for name in ("fields_ru", "fields_en")
            if getattr(self, name).strip() and len(self._labels(getattr(self, name))) != count
        }
        if errors:
            raise ValidationError(errors)


class ServiceOrder(models.Model):
    """A customer's order of a catalogue service for an account or a service point."""

    class Status(models.TextChoices):
        NEW = "new", _("Received")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled by the customer")

    kind = models.ForeignKey(
        ServiceKind, models.PROTECT, related_name="orders", verbose_name=_("service")
    )
    customer = models.ForeignKey(
        Customer, models.PROTECT, related_name="service_orders", verbose_name=_("customer")
    )
    account = models.ForeignKey(
        Account,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="service_orders",
        verbose_name=_("account"),
    )
    service_point = models.ForeignKey(
        ServicePoint,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="service_orders",
        verbose_name=_("service point"),
    )
    details = models.JSONField(_("details"), default=dict, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2, null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NEW
    )
    answer = models.TextField(_("the utility's answer"), blank=True)
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        related_name="service_orders",
        verbose_name=_("ordered by"),
    )
    created_at = models.DateTimeField(_("ordered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)

    class Meta:
        verbose_name = _("service order")
        verbose_name_plural = _("service orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(account__isnull=False) | models.Q(service_point__isnull=False),
                name="serviceorder_has_target",
            )
        ]

    def __str__(self) -> str:
        return f"№{self.pk} {self.kind}"

    def shown_details(self) -> list[tuple[str, str]]:
        """(label, value) in the active language; a label the catalogue no longer has is shown
        as it was kept."""
        labels = self.kind.shown_labels()
        return [(labels.get(label, label), value) for label, value in self.details.items()]

    @property
    def needs_payment(self) -> bool:
        return (
            bool(self.price)
            and self.paid_at is None
            and self.status
            in (
                self.Status.NEW,
                self.Status.IN_PROGRESS,
                self.Status.DONE,
            )
        )
