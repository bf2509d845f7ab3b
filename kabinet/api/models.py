"""Integration credentials (one API key per integration) and the log of every call made with them.

SECURITY.md 27: a key is shown once when created in the back office and only its SHA-256 is
kept; it is scoped, expires, can be revoked and is accepted only in the X-Api-Key header.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KEY_PREFIX = "kbk_"  # lets secret scanners and people recognise a Kabinet key


class Scope(models.TextChoices):
    IMPORT = "import", _("Import (billing writes to Kabinet)")
    EXPORT = "export", _("Export (billing reads from Kabinet)")


def key_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_raw_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


class ApiKey(models.Model):
    name = models.CharField(_("integration"), max_length=100, unique=True)
    prefix = models.CharField(_("key starts with"), max_length=12, editable=False)
    digest = models.CharField(_("SHA-256 of the key"), max_length=64, unique=True, editable=False)
    can_import = models.BooleanField(_("may import"), default=False)
    can_export = models.BooleanField(_("may export"), default=False)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("created by"),
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def allows(self, scope: str) -> bool:
        return {Scope.IMPORT: self.can_import, Scope.EXPORT: self.can_export}.get(
            Scope(scope), False
        )

    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class ApiCall(models.Model):
    """One request to the API: who, what, the answer and how many records it carried."""

    key = models.ForeignKey(
        ApiKey, models.SET_NULL, null=True, blank=True, related_name="calls", verbose_name=_("key")
    )
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("path"), max_length=300)
    status = models.PositiveSmallIntegerField(_("status"))
    records = models.PositiveIntegerField(_("records"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    milliseconds = models.PositiveIntegerField(_("duration, ms"), default=0)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("API call")
        verbose_name_plural = _("API calls")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.method} {self.path} {self.status}"
