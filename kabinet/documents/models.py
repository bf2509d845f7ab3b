"""Stored documents (uploaded by customers or issued by the utility) and their signatures.

A document's bytes are fixed by its SHA-256 when it is stored. Once signed it is locked: its
file and hash can no longer change, and it cannot be deleted (SECURITY.md 25).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ScanStatus(models.TextChoices):
    PENDING = "pending", _("In quarantine, waiting for the virus scan")
    CLEAN = "clean", _("Scanned, no virus found")
    INFECTED = "infected", _("A virus was found")
    UNSCANNED = "unscanned", _("Not scanned: no virus scanner configured")


RELEASED = (ScanStatus.CLEAN, ScanStatus.UNSCANNED)


class DocumentLocked(Exception):
    """A signed document's bytes cannot change and it cannot be deleted."""


def quarantine_path(instance: StoredDocument, filename: str) -> str:
    """A server-generated name in the quarantine folder; the user's name is only a label."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"quarantine/{uuid.uuid4().hex}.{extension}"


class StoredDocument(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="stored_documents",
        verbose_name=_("customer"),
        help_text=_("The customer who may read, download and sign it."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    kind = models.CharField(_("kind"), max_length=32)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=quarantine_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size, bytes"))
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    scan_status = models.CharField(
        _("virus scan"), max_length=16, choices=ScanStatus.choices, default=ScanStatus.PENDING
    )
    scan_detail = models.CharField(_("scan result"), max_length=200, blank=True)
    scanned_at = models.DateTimeField(_("scanned"), null=True, blank=True)
    signable = models.BooleanField(_("to be signed by the customer"), default=False)
    locked_at = models.DateTimeField(_("signed and locked"), null=True, blank=True)
    created_at = models.DateTimeField(_("stored"), default=timezone.now)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title or self.original_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk:
            was_locked = (
                StoredDocument.objects.filter(pk=self.pk, locked_at__isnull=False)
                .values_list("file", "sha256")
                .first()
            )
            if was_locked is not None and (
                was_locked != (self.file.name, self.sha256) or self.locked_at is None
            ):
                raise DocumentLocked(self.pk)
        super().save(*args, **kwargs)

    @property
    def released(self) -> bool:
        return self.scan_status in RELEASED

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.locked_at is not None or self.simple_signatures.exists():
            raise DocumentLocked(self.pk)
        return super().delete(*args, **kwargs)


class SimpleSignature(models.Model):
    """A simple electronic signature confirmed by an SMS code (SECURITY.md 25)."""

    document = models.ForeignKey(
        StoredDocument,
        models.PROTECT,
        related_name="simple_signatures",
        verbose_name=_("document"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("signed by")
    )
    sha256 = models.CharField(_("SHA-256 of the signed bytes"), max_length=64)
    code = models.ForeignKey(
        "identity.OneTimeCode",
        models.PROTECT,
        related_name="+",
        verbose_name=_("confirmation code event"),
    )
    phone = models.CharField(_("code sent to"), max_length=16)
    signed_at = models.DateTimeField(_("signed"), default=timezone.now)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("simple electronic signature")
        verbose_name_plural = _("simple electronic signatures")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["document", "user"], name="one_simple_signature")
        ]

    def __str__(self) -> str:
        return f"{self.document} · {self.signed_at:%Y-%m-%d %H:%M}"


def signature_path(instance: CertificateSignature, filename: str) -> str:
    extension = "pdf" if filename.lower().endswith(".pdf") else "p7s"
    return f"signatures/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class CertificateSignature(models.Model):
    """A certificate signature (detached CMS .p7s, or one inside a signed PDF) and what its
    verification found, each point separately (SECURITY.md 26)."""

    class Result(models.TextChoices):
        VALID = "valid", _("Valid")
        INVALID = "invalid", _("Not valid")
        UNSUPPORTED = "unsupported", _("Cannot be checked here")

    document = models.ForeignKey(
        StoredDocument,
        models.PROTECT,
        related_name="certificate_signatures",
        verbose_name=_("document"),
    )
    file = models.FileField(_("signature file"), upload_to=signature_path, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+"
    )
    result = models.CharField(_("result"), max_length=16, choices=Result.choices)
    algorithm = models.CharField(_("algorithm"), max_length=64, blank=True)
    intact = models.BooleanField(_("document intact"), null=True)
    signer_name = models.CharField(_("signer"), max_length=300, blank=True)
    signer_ids = models.JSONField(_("signer's codes"), default=dict, blank=True)
    signing_time = models.DateTimeField(_("signing time"), null=True, blank=True)
    certificate_valid = models.BooleanField(_("certificate valid at signing"), null=True)
    trusted = models.BooleanField(_("chain to a trusted CA"), null=True)
    revocation_checked = models.BooleanField(_("revocation checked"), default=False)
    detail = models.TextField(_("details"), blank=True)
    checked_at = models.DateTimeField(_("checked"), default=timezone.now)

    class Meta:
        verbose_name = _("certificate signature")
        verbose_name_plural = _("certificate signatures")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.signer_name or '?'} · {self.get_result_display()}"


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
