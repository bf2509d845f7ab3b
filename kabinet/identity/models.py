"""Users of the portal: customers and staff alike. Sign-up flows and one-time codes build on it."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.customers.models import CustomerKind


class User(AbstractUser):
    """A person who logs in. `username` is the login where a flow asks for one.

    Phone is stored in E.164 (+380…) and is unique: it is a login identifier.
    """

    email = models.EmailField(_("e-mail"), blank=True, db_index=True)
    phone = models.CharField(_("mobile phone"), max_length=16, unique=True, null=True, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("customer"),
        help_text=_("The customer this user acts for (a household or a company)."),
    )
    # Who the person says they are at sign-up (DRSK's status, KRESC's application): their own
    # identifiers, which also serve as logins before billing links them to a customer.
    kind = models.CharField(_("status"), max_length=16, choices=CustomerKind.choices, blank=True)
    tax_id = models.CharField(_("EDRPOU, RNOKPP or INN"), max_length=12, blank=True, db_index=True)
    snils = models.CharField(_("SNILS"), max_length=11, blank=True, db_index=True)
    must_change_password = models.BooleanField(
        _("must change password at next login"), default=False
    )
    language = models.CharField(_("language"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        # Logins by e-mail compare it case-insensitively (email__iexact: UPPER(email) = …).
        indexes = [models.Index(Upper("email"), name="identity_user_email_upper")]


class OneTimeCode(models.Model):
    """A code sent by SMS (6 digits) or e-mail, bound to a purpose, a recipient and the pending
    operation. Only a keyed hash of the code is stored (SECURITY.md 8-11)."""

    class Purpose(models.TextChoices):
        SIGNUP = "signup", _("Sign-up")
        RESET = "reset", _("Password recovery")
        CONTACT = "contact", _("Change of phone or e-mail")
        REGISTRATION = "registration", _("Registration code")
        SIGN = "sign", _("Signing a document")

    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    user = models.ForeignKey(
        User, models.CASCADE, null=True, blank=True, related_name="codes", verbose_name=_("user")
    )
    operation = models.CharField(_("operation"), max_length=64, blank=True)
    payload = models.JSONField(_("pending operation"), default=dict, blank=True)
    code_hash = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    revoked = models.BooleanField(_("replaced by a newer code"), default=False)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [models.Index(fields=["purpose", "recipient", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.purpose} {self.pk}"


class UserSession(models.Model):
    """A logged-in session, so a person can see where they are logged in and end it."""

    user = models.ForeignKey(
        User, models.CASCADE, related_name="session_records", verbose_name=_("user")
    )
    session_key = models.CharField(max_length=40, db_index=True)
    created_at = models.DateTimeField(_("logged in"), auto_now_add=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"


class ConsentText(models.Model):
    """A version of the consent to personal-data processing (2297-VI, 152-FZ)."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    text = models.TextField(_("text (Ukrainian)"))
    text_ru = models.TextField(_("text (Russian)"), blank=True)
    text_en = models.TextField(_("text (English)"), blank=True)
    published_at = models.DateTimeField(_("in force from"), default=timezone.now)

    class Meta:
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return self.version

    @classmethod
    def current(cls) -> ConsentText | None:
        return cls.objects.filter(published_at__lte=timezone.now()).first()


class ConsentGrant(models.Model):
    """One grant of consent: given before anything personal is stored, linked to the user
    once the account exists, and withdrawn at the person's request. Never deleted."""

    text = models.ForeignKey(
        ConsentText, models.PROTECT, related_name="grants", verbose_name=_("consent text")
    )
    user = models.ForeignKey(
        User,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="consents",
        verbose_name=_("user"),
    )
    granted_at = models.DateTimeField(_("given"), default=timezone.now)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-granted_at"]

    def __str__(self) -> str:
        return f"{self.text} {self.granted_at:%Y-%m-%d}"


class RegistrationApplication(models.Model):
    """KRESC: a business asks for access with a signed application (or in person); staff
    verify it and e-mail a registration code with which the customer picks login and password."""

    class Offer(models.TextChoices):
        UNIVERSAL = "universal", _("Universal service")
        FREE_PRICE = "free_price", _("Free price")

    class Status(models.TextChoices):
        NEW = "new", _("Waiting for verification")
        APPROVED = "approved", _("Approved, code sent")
        REJECTED = "rejected", _("Rejected")
        COMPLETED = "completed", _("Registration completed")

    class Source(models.TextChoices):
        ONLINE = "online", _("Uploaded on the site")
        OFFICE = "office", _("Signed at a service centre")

    company_name = models.CharField(_("customer name"), max_length=300)
    tax_id = models.CharField(_("EDRPOU or RNOKPP"), max_length=10)
    email = models.EmailField(_("e-mail"))
    phones = models.CharField(_("phones"), max_length=200)
    code_word = models.CharField(_("code word"), max_length=100)
    contact_person = models.CharField(_("contact person"), max_length=200)
    offer = models.CharField(_("commercial offer"), max_length=16, choices=Offer.choices)
    document = models.FileField(
        _("signed application"), upload_to="applications/%Y/%m/", blank=True
    )
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.ONLINE
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NEW, db_index=True
    )
    reject_reason = models.CharField(_("reason"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        User,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    reviewed_at = models.DateTimeField(_("verified"), null=True, blank=True)
    user = models.ForeignKey(
        User,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="registration_applications",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("registration application")
        verbose_name_plural = _("registration applications")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.company_name} ({self.tax_id})"
