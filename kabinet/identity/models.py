"""Users of the portal: customers and staff alike. Sign-up flows and one-time codes build on it."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


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
    must_change_password = models.BooleanField(
        _("must change password at next login"), default=False
    )
    language = models.CharField(_("language"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


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
