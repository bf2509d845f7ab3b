"""The utility itself: its profile, the address tree, announcements and the audit log."""

from __future__ import annotations

from collections.abc import Collection
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# Values read once per request, set and cleared by core.middleware.RequestScopeMiddleware;
# None outside a request (tasks, commands), where nothing is kept.
REQUEST_SCOPE: ContextVar[dict[str, Any] | None] = ContextVar("request_scope", default=None)

# The profile and the live announcements are read on most pages and change seldom: they are
# kept in the shared cache (one cache read instead of an ORM query per page), forgotten on
# every write through the model or its queryset, and at most this old if a write bypasses both.
SHARED_SECONDS = 300
PROFILE_KEY = "core:utility-profile:1"
ANNOUNCEMENTS_KEY = "core:announcements:1"


def forget_shared(key: str) -> None:
    """Drop a shared-cache entry now and again when the writing transaction commits, so a
    reader that filled it from the old rows in between does not keep them."""
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


class ForgettingQuerySet(models.QuerySet[Any]):
    """A queryset whose bulk writes forget the model's shared-cache entry."""

    shared_key = ""

    def update(self, **kwargs: Any) -> int:
        forget_shared(self.shared_key)
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        forget_shared(self.shared_key)
        return super().delete()

    def bulk_create(self, *args: Any, **kwargs: Any) -> list[Any]:
        forget_shared(self.shared_key)
        return super().bulk_create(*args, **kwargs)

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        forget_shared(self.shared_key)
        return super().bulk_update(*args, **kwargs)


class ChoiceNames:
    """Models whose get_FOO_display() reads a dict of the field's choices made once.

    Django's own rebuilds that dict on every call, and the cabinet's pages call it for every
    account in the menu and every row of a table (a tenth of the dashboard's rendering)."""

    _choice_names: dict[Any, dict[Any, Any]] = {}

    def _get_FIELD_display(self, field: Any) -> str:
        names = ChoiceNames._choice_names.get(field)
        if names is None:
            names = ChoiceNames._choice_names[field] = dict(make_hashable(field.flatchoices))
        value = getattr(self, field.attname)
        return force_str(names.get(make_hashable(value), value), strings_only=True)


class Service(models.TextChoices):
    ELECTRICITY = "electricity", _("Electricity")
    GAS = "gas", _("Natural gas")
    WATER = "water", _("Cold water")
    SEWAGE = "sewage", _("Sewage")
    HEAT = "heat", _("Heating and hot water")
    CONNECTION = "connection", _("Grid connection")


# The unit a service's consumption is measured in (shown next to every volume).
SERVICE_UNITS: dict[str, Any] = {
    Service.ELECTRICITY: _("kWh"),
    Service.GAS: _("m³"),
    Service.WATER: _("m³"),
    Service.SEWAGE: _("m³"),
    Service.HEAT: _("Gcal"),
    Service.CONNECTION: _("kW"),
}


class Currency(models.TextChoices):
    UAH = "UAH", _("hryvnia")
    RUB = "RUB", _("rouble")


class LinkFact(models.TextChoices):
    """The second fact from the bill a customer gives to add a personal account (SECURITY 17)."""

    SURNAME = "surname", _("the first letters of the account holder's surname")
    LAST_CHARGE = "last_charge", _("the amount charged on the last bill")


class ProfileQuerySet(ForgettingQuerySet):
    shared_key = PROFILE_KEY


class UtilityProfile(models.Model):
    """The one utility this deployment serves (a singleton, pk=1), edited in the back office."""

    legal_name = models.CharField(_("legal name"), max_length=300)
    short_name = models.CharField(_("short name"), max_length=100)
    logo = models.FileField(_("logo"), upload_to="profile/", blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact_phones = models.TextField(
        _("contact-centre phones"),
        blank=True,
        help_text=_(
            "One per line; a label may precede the number, e.g. “Kremenchuk: 0536 70 12 12”."
        ),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    lunch_break = models.CharField(_("lunch break"), max_length=100, blank=True)
    services = models.JSONField(_("services offered"), default=list, blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.UAH
    )
    dso_url = models.URLField(
        _("distribution operator's site"),
        blank=True,
        help_text=_("Where customers submit readings when this utility does not take them."),
    )
    readings_not_accepted_services = models.JSONField(
        _("services whose readings this utility does not take"),
        default=list,
        blank=True,
        help_text=_("Customers are told to send these readings to the distribution operator."),
    )
    account_link_fact = models.CharField(
        _("second fact asked when a customer adds a personal account"),
        max_length=16,
        choices=LinkFact.choices,
        default=LinkFact.SURNAME,
        help_text=_("Besides the address and the account number; one is always asked."),
    )
    # Feature switches; later features add theirs here.
    payments_enabled = models.BooleanField(_("online payments"), default=True)
    readings_enabled = models.BooleanField(_("meter readings"), default=True)
    appeals_enabled = models.BooleanField(_("appeals"), default=True)
    appeal_response_days = models.PositiveSmallIntegerField(
        _("appeals: answer within, days"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("30 days by law; a topic of appeals may set a shorter time."),
    )
    connections_enabled = models.BooleanField(_("grid connection applications"), default=False)
    service_orders_enabled = models.BooleanField(_("service orders"), default=False)
    # Sign-up flows (one per reference portal), login identifiers, recovery, password policy.
    signup_household_phone = models.BooleanField(
        _("sign-up of households by phone and SMS code"), default=True
    )
    signup_business_phone = models.BooleanField(
        _("sign-up of businesses by phone, account and EDRPOU"), default=False
    )
    signup_company_email = models.BooleanField(
        _("sign-up of companies with e-mail activation"), default=False
    )
    signup_with_status = models.BooleanField(
        _("sign-up with consent and status (individual or company)"), default=False
    )
    signup_by_application = models.BooleanField(
        _("sign-up by a signed application and a registration code"), default=False
    )
    login_by_phone = models.BooleanField(_("login by phone"), default=True)
    login_by_email = models.BooleanField(_("login by e-mail"), default=True)
    login_by_username = models.BooleanField(_("login by username"), default=True)
    login_by_account = models.BooleanField(_("login by personal account number"), default=True)
    login_by_tax_id = models.BooleanField(_("login by EDRPOU, RNOKPP or INN"), default=False)
    login_by_snils = models.BooleanField(_("login by SNILS"), default=False)
    login_status_select = models.BooleanField(
        _("ask for the status (individual or company) at login"), default=False
    )
    recovery_by_sms = models.BooleanField(_("password recovery by SMS code"), default=True)
    recovery_by_email = models.BooleanField(_("password recovery by e-mailed link"), default=True)
    password_min_length = models.PositiveSmallIntegerField(
        _("minimum password length"),
        default=8,
        validators=[MinValueValidator(8), MaxValueValidator(64)],
        help_text=_("Never below 8."),
    )
    password_require_classes = models.BooleanField(
        _("passwords need upper- and lower-case latin letters, a digit and a symbol"),
        default=False,
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("utility profile")
        verbose_name_plural = _("utility profile")

    def __str__(self) -> str:
        return self.short_name or self.legal_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1
        super().save(*args, **kwargs)
        forget_shared(PROFILE_KEY)
        if (scope := REQUEST_SCOPE.get()) is not None:
            scope["utility_profile"] = self

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        forget_shared(PROFILE_KEY)
        return super().delete(*args, **kwargs)

    @classmethod
    def get(cls) -> UtilityProfile:
        """The profile; a placeholder one is created on first use so a new install renders.

        Read once per request (views, validators and templates share it) from the shared
        cache, which the database fills when it is empty."""
        scope = REQUEST_SCOPE.get()
        if scope is not None and "utility_profile" in scope:
            return scope["utility_profile"]
        profile = cache.get(PROFILE_KEY)
        if profile is None:
            profile, _created = cls.objects.get_or_create(
                pk=1, defaults={"legal_name": "Kabinet", "short_name": "Kabinet"}
            )
            cache.set(PROFILE_KEY, profile, SHARED_SECONDS)
        if scope is not None:
            scope["utility_profile"] = profile
        return profile

    def phone_lines(self) -> list[tuple[str, str]]:
        """(label, number) pairs from the contact phones text."""
        lines = []
        for raw in self.contact_phones.splitlines():
            label, sep, number = raw.rpartition(":")
            if not sep:
                label, number = "", raw
            if number.strip():
                lines.append((label.strip(), number.strip()))
        return lines

    def phone_links(self) -> list[tuple[str, str, str]]:
        """(label, number, the number for a tel: link) for every page's footer."""
        return [
            (label, number, "".join(c for c in number if c.isdigit() or c == "+"))
            for label, number in self.phone_lines()
        ]

    def offers(self, service: str) -> bool:
        return service in self.services


# --- The address tree: branch → settlement → street → building → apartment -------------------
# Names are proper names as billing sends them; natural keys are the names within their parent.


class Branch(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    phones = models.CharField(_("phones"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Settlement(models.Model):
    branch = models.ForeignKey(
        Branch, models.PROTECT, related_name="settlements", verbose_name=_("branch")
    )
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="settlement_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Street(models.Model):
    settlement = models.ForeignKey(
        Settlement, models.PROTECT, related_name="streets", verbose_name=_("settlement")
    )
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["settlement", "name"], name="street_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    street = models.ForeignKey(
        Street, models.PROTECT, related_name="buildings", verbose_name=_("street")
    )
    number = models.CharField(_("number"), max_length=20)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["street", "number"], name="building_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.street.name}, {self.number}"


class Apartment(models.Model):
    building = models.ForeignKey(
        Building, models.PROTECT, related_name="apartments", verbose_name=_("building")
    )
    number = models.CharField(_("number"), max_length=20)

    class Meta:
        verbose_name = _("apartment")
        verbose_name_plural = _("apartments")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="apartment_unique_number")
        ]

    def __str__(self) -> str:
        return self.number


# --- Announcements --------------------------------------------------------------------------


class AnnouncementQuerySet(ForgettingQuerySet):
    shared_key = ANNOUNCEMENTS_KEY


class Announcement(models.Model):
    """A notice from the utility: the data-update schedule, the readings deadline, outages."""

    # Billing's own key for announcements it sends (empty for those written in the back office).
    code = models.CharField(_("billing code"), max_length=40, blank=True, db_index=True)
    title = models.CharField(_("title (Ukrainian)"), max_length=200)
    body = models.TextField(_("text (Ukrainian)"))
    title_ru = models.CharField(_("title (Russian)"), max_length=200, blank=True)
    body_ru = models.TextField(_("text (Russian)"), blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
    branch = models.ForeignKey(
        Branch,
        models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("branch"),
        help_text=_("Empty: for everyone."),
    )
    starts_at = models.DateTimeField(_("shown from"), default=timezone.now)
    ends_at = models.DateTimeField(_("shown until"), null=True, blank=True)
    on_login_page = models.BooleanField(_("show on the login page"), default=True)
    on_dashboard = models.BooleanField(_("show on the dashboard"), default=True)

    objects = AnnouncementQuerySet.as_manager()

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~models.Q(code=""), name="announcement_unique_code"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        forget_shared(ANNOUNCEMENTS_KEY)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        forget_shared(ANNOUNCEMENTS_KEY)
        return super().delete(*args, **kwargs)

    @classmethod
    def shown(cls, *, on: str, branch_ids: Collection[int] = (), limit: int) -> list[Announcement]:
        """The newest `limit` announcements shown now `on` "login" or "dashboard" pages, for
        everyone or for one of the branches. The ones not yet ended (few) come from the shared
        cache; the dates are compared here, so one starting or ending shows or hides on time."""
        flag = {"login": "on_login_page", "dashboard": "on_dashboard"}[on]
        now = timezone.now()
        live = cache.get(ANNOUNCEMENTS_KEY)
        if live is None:
            live = list(
                cls.objects.filter(models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=now))
            )
            cache.set(ANNOUNCEMENTS_KEY, live, SHARED_SECONDS)
        shown = [
            a
            for a in live
            if getattr(a, flag)
            and a.starts_at <= now
            and (a.ends_at is None or a.ends_at > now)
            and (a.branch_id is None or a.branch_id in branch_ids)
        ]
        return shown[:limit]

    def localized(self) -> tuple[str, str]:
        """(title, body) in the active language, falling back to the Ukrainian text."""
        language = (get_language() or "uk")[:2]
        if language in ("ru", "en"):
            title = getattr(self, f"title_{language}")
            body = getattr(self, f"body_{language}")
            if title and body:
                return title, body
        return self.title, self.body


# --- The audit log ---------------------------------------------------------------------------


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionDenied("The audit log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionDenied("The audit log is append-only.")


class AuditEvent(models.Model):
    """One thing that happened: who, what, to which object, when and from where. Append-only."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_label = models.CharField(_("who (as recorded)"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    customer_id = models.BigIntegerField(_("customer"), null=True, blank=True, db_index=True)
    account_id = models.BigIntegerField(_("account"), null=True, blank=True, db_index=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionDenied("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionDenied("The audit log is append-only.")


class BackOffice(models.Model):
    """No table: the back office's own permissions, for the roles of core/roles.py."""

    class Meta:
        managed = False
        default_permissions = ()
        verbose_name = _("back office")
        permissions = [
            ("search_customers", _("Can find customers and see their accounts and activity")),
            ("issue_credentials", _("Can issue one-time passwords at the office")),
            ("export_auditevent", _("Can export the audit log")),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
