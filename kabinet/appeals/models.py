"""Appeals (звернення, internet reception): a customer's or a guest's message to the utility,
the thread of answers and replies, its handling status, deadline and the customer's rating."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

RESPONSE_DAYS = 30  # the answer is due within 30 days by law (the profile may say otherwise)


class AppealTopic(models.Model):
    """A topic from the list the utility manages (content editors), with its own deadline."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name (Ukrainian)"), max_length=100)
    name_ru = models.CharField(_("name (Russian)"), max_length=100, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    response_days = models.PositiveSmallIntegerField(
        _("answer within, days"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("Empty: the utility profile's response time."),
    )
    active = models.BooleanField(_("offered to customers"), default=True)
    position = models.PositiveSmallIntegerField(_("position in the list"), default=0)

    class Meta:
        verbose_name = _("appeal topic")
        verbose_name_plural = _("appeal topics")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        language = (get_language() or "uk")[:2]
        if language in ("ru", "en"):
            return str(getattr(self, f"name_{language}") or self.name)
        return self.name


class Status(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING = "waiting", _("Waiting for the customer")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING)
# The deadline runs while the utility owes an answer (not while it waits for the customer).
OWED_STATUSES = (Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS)


def due_date(created: dt.datetime, days: int = RESPONSE_DAYS) -> dt.datetime:
    return created + dt.timedelta(days=days)


class AppealQuerySet(models.QuerySet["Appeal"]):
    def overdue(self) -> AppealQuerySet:
        return self.filter(status__in=OWED_STATUSES, due_at__lt=timezone.now())

    def queue_order(self) -> AppealQuerySet:
        """Overdue first, then the nearest deadline."""
        overdue = models.Case(
            models.When(status__in=OWED_STATUSES, due_at__lt=timezone.now(), then=0),
            default=1,
            output_field=models.IntegerField(),
        )
        return self.annotate(overdue_rank=overdue).order_by("overdue_rank", "due_at", "pk")


class Appeal(models.Model):
    number = models.CharField(_("number"), max_length=40, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=_("user"),
        help_text=_("Empty for a guest's message from the public contacts page."),
    )
    guest_name = models.CharField(_("guest's name"), max_length=150, blank=True)
    guest_email = models.EmailField(_("guest's e-mail"), blank=True)
    guest_phone = models.CharField(_("guest's phone"), max_length=16, blank=True)
    account = models.ForeignKey(
        "customers.Account",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=_("personal account"),
    )
    topic = models.ForeignKey(
        AppealTopic,
        models.PROTECT,
        to_field="code",
        related_name="appeals",
        verbose_name=_("topic"),
    )
    text = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NEW, db_index=True
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_appeals",
        verbose_name=_("handler"),
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now, db_index=True)
    due_at = models.DateTimeField(_("answer due by"), db_index=True)
    # While the utility waits for the customer the deadline's clock stops: the wait is added to
    # due_at when the appeal is back with the utility (see `Appeal.set_status`).
    waiting_since = models.DateTimeField(_("waiting for the customer since"), null=True, blank=True)
    answered_at = models.DateTimeField(_("first answered"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("customer's rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    rating_comment = models.CharField(
        _("customer's comment on the answer"), max_length=500, blank=True
    )

    objects = AppealQuerySet.as_manager()

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.due_at:
            self.due_at = due_date(self.created_at)
        super().save(*args, **kwargs)

    @property
    def is_overdue(self) -> bool:
        return self.status in OWED_STATUSES and self.due_at < timezone.now()

    def set_status(self, status: str, *, now: dt.datetime) -> list[str]:
        """Change the status, stopping the deadline's clock while the utility waits for the
        customer and moving the deadline on by the wait when it resumes. Returns the fields
        changed, for `save(update_fields=…)`."""
        changed = ["status"]
        if status == Status.WAITING and self.waiting_since is None:
            self.waiting_since = now
            changed.append("waiting_since")
        elif status != Status.WAITING and self.waiting_since is not None:
            self.due_at += now - self.waiting_since
            self.waiting_since = None
            changed += ["due_at", "waiting_since"]
        self.status = status
        return changed

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def can_be_rated(self) -> bool:
        return self.user_id is not None and self.answered_at is not None

    def author_label(self) -> str:
        if self.user_id is None:
            return self.guest_name
        return self.user.get_full_name() or self.user.get_username()  # type: ignore[union-attr]


class AppealMessage(models.Model):
    """One step of the thread: a staff answer or a customer's reply."""

    appeal = models.ForeignKey(
        Appeal, models.CASCADE, related_name="messages", verbose_name=_("appeal")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    from_staff = models.BooleanField(_("from the utility"))
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("message in an appeal")
        verbose_name_plural = _("messages in appeals")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.appeal_id}: {self.text[:40]}"


class ScanStatus(models.TextChoices):
    CLEAN = "clean", _("Clean")
    PENDING = "pending", _("In quarantine until scanned")
    UNSCANNED = "unscanned", _("No scanner configured")
    INFECTED = "infected", _("Infected, removed")


def attachment_path(instance: AppealAttachment, filename: str) -> str:
    """A server-generated name: the customer's file name is kept only in `original_name`."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"appeals/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class AppealAttachment(models.Model):
    appeal = models.ForeignKey(
        Appeal, models.CASCADE, related_name="attachments", verbose_name=_("appeal")
    )
    message = models.ForeignKey(
        AppealMessage,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("message in an appeal"),
        help_text=_("Empty: attached to the appeal itself."),
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size, bytes"))
    content_type = models.CharField(_("content type"), max_length=100)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    scan_status = models.CharField(
        _("virus scan"), max_length=10, choices=ScanStatus.choices, default=ScanStatus.UNSCANNED
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def available(self) -> bool:
        """Quarantined (not scanned yet) and infected files are not served."""
        return self.scan_status in (ScanStatus.CLEAN, ScanStatus.UNSCANNED)
