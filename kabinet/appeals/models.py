"""Appeals (звернення): a customer's message to the utility and the utility's answer.

A minimal model built by the customer cabinet; the appeals issue extends it with threads,
staff handling and more statuses.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

RESPONSE_DAYS = 30  # the answer is due within 30 days by law


class Topic(models.TextChoices):
    BILLING = "billing", _("Billing question")
    READINGS = "readings", _("Meter readings")
    PAYMENT_MISSING = "payment_missing", _("Payment not shown")
    QUALITY = "quality", _("Quality of service")
    CONNECTION = "connection", _("Connection")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    NEW = "new", _("New")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


def due_date(created: dt.datetime) -> dt.datetime:
    return created + dt.timedelta(days=RESPONSE_DAYS)


class Appeal(models.Model):
    number = models.CharField(_("number"), max_length=40, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="appeals",
        verbose_name=_("user"),
    )
    account = models.ForeignKey(
        "customers.Account",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=_("personal account"),
    )
    topic = models.CharField(_("topic"), max_length=32, choices=Topic.choices)
    text = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NEW
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now, db_index=True)
    due_at = models.DateTimeField(_("answer due by"))
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.due_at:
            self.due_at = due_date(self.created_at)
        if self.answer.strip() and self.answered_at is None:
            self.answered_at = timezone.now()
            if self.status == Status.NEW:
                self.status = Status.ANSWERED
        super().save(*args, **kwargs)


def attachment_path(instance: AppealAttachment, filename: str) -> str:
    """A server-generated name: the customer's file name is kept only in `original_name`."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"appeals/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class AppealAttachment(models.Model):
    appeal = models.ForeignKey(
        Appeal, models.CASCADE, related_name="attachments", verbose_name=_("appeal")
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size, bytes"))
    content_type = models.CharField(_("content type"), max_length=100)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name
