"""Documents the portal generated, kept so an immutable one is never rebuilt."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class GeneratedDocument(models.Model):
    """A rendered PDF, found again by its key (what it shows, as of when, in which language)."""

    key = models.CharField(_("key"), max_length=200, unique=True)
    file = models.FileField(_("file"), upload_to="generated/%Y/%m/")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("generated document")
        verbose_name_plural = _("generated documents")

    def __str__(self) -> str:
        return self.key
