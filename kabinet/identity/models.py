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

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
