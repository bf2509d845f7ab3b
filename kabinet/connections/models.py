"""Grid-connection applications (заявки на приєднання), their stage timeline, documents and
versions (the DRSK guide)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.customers.models import CustomerKind


class Stage(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    REGISTERED = "registered", _("Registered")
    UNDER_REVIEW = "under_review", _("Under review")
    RETURNED = "returned", _("Returned for correction")
    CONDITIONS_ISSUED = "conditions_issued", _("Technical conditions and contract issued")
    AWAITING_SIGNATURE = "awaiting_signature", _("Awaiting your signature")
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    WORKS = "works", _("Works in progress")
    ACCEPTANCE_ISSUED = "acceptance_issued", _("Acceptance act issued")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Rejected")


# the path an application normally follows, for the timeline
PATH = [
    Stage.SUBMITTED,
    Stage.REGISTERED,
    Stage.UNDER_REVIEW,
    Stage.CONDITIONS_ISSUED,
    Stage.AWAITING_SIGNATURE,
    Stage.AWAITING_PAYMENT,
    Stage.WORKS,
    Stage.ACCEPTANCE_ISSUED,
    Stage.COMPLETED,
]
FINAL = (Stage.COMPLETED, Stage.REJECTED)
EDITABLE = (Stage.DRAFT, Stage.RETURNED)

# days the utility has to act at a stage (None: the applicant acts, or nothing is due)
UTILITY_DAYS: dict[str, int | None] = {
    Stage.SUBMITTED: 3,
    Stage.REGISTERED: 5,
    Stage.UNDER_REVIEW: 15,
    Stage.CONDITIONS_ISSUED: 5,
    Stage.WORKS: 120,
    Stage.ACCEPTANCE_ISSUED: 10,
}

# moves a connection engineer makes with the plain "move to the next stage" action; the other
# moves have actions of their own (register, return, reject, payment) or happen when the
# applicant acts (submit, sign)
NEXT_STAGE: dict[str, str] = {
    Stage.REGISTERED: Stage.UNDER_REVIEW,
    Stage.UNDER_REVIEW: Stage.CONDITIONS_ISSUED,
    Stage.CONDITIONS_ISSUED: Stage.AWAITING_SIGNATURE,
    Stage.AWAITING_SIGNATURE: Stage.AWAITING_PAYMENT,
    Stage.WORKS: Stage.ACCEPTANCE_ISSUED,
    Stage.ACCEPTANCE_ISSUED: Stage.COMPLETED,
}


class ConnectionType(models.TextChoices):
    NEW = "new", _("New connection")
    INCREASE = "increase", _("Increase of the maximum power")
    TEMPORARY = "temporary", _("Temporary connection")


class Voltage(models.TextChoices):
    V023 = "0.23", _("0.23 kV (single phase)")
    V04 = "0.4", _("0.4 kV")
    V6 = "6", _("6 kV")
    V10 = "10", _("10 kV")
    V35 = "35", _("35 kV")
    V110 = "110", _("110 kV")


class Reliability(models.TextChoices):
    FIRST = "1", _("Category I")
    SECOND = "2", _("Category II")
    THIRD = "3", _("Category III")


class DocumentKind(models.TextChoices):
    LAND_TITLE = "land_title", _("Title to the land or building")
    SITE_PLAN = "site_plan", _("Site plan")
    IDENTITY = "identity", _("Identity or registration documents")
    POWER_OF_ATTORNEY = "power_of_attorney", _("Power of attorney")


class IssuedKind(models.TextChoices):
    CONDITIONS = "conditions", _("Technical conditions")
    CONTRACT = "contract", _("Connection contract")
    INVOICE = "invoice", _("Invoice")
    ACCEPTANCE_ACT = "acceptance_act", _("Acceptance act")


def required_documents(*, connection_type: str, by_representative: bool) -> list[str]:
    """The documents an application of this type needs (the rest are optional)."""
    kinds = [DocumentKind.LAND_TITLE, DocumentKind.SITE_PLAN]
    if connection_type == ConnectionType.TEMPORARY:
        kinds = [DocumentKind.SITE_PLAN]
    if by_representative:
        kinds.append(DocumentKind.POWER_OF_ATTORNEY)
    return [str(kind) for kind in kinds]


class ConnectionApplication(models.Model):
    number = models.CharField(_("number"), max_length=40, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="connection_applications",
        verbose_name=_("applicant"),
    )
    stage = models.CharField(
        _("stage"), max_length=24, choices=Stage.choices, default=Stage.DRAFT, db_index=True
    )
    stage_at = models.DateTimeField(_("stage since"), default=timezone.now)
    # applicant
    applicant_kind = models.CharField(
        _("applicant's status"), max_length=16, choices=CustomerKind.choices, blank=True
    )
    applicant_name = models.CharField(_("applicant"), max_length=300, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    by_representative = models.BooleanField(_("filed by a representative"), default=False)
    # object
    object_name = models.CharField(_("object"), max_length=200, blank=True)
    object_address = models.CharField(_("object's address"), max_length=300, blank=True)
    cadastral_number = models.CharField(_("cadastral number"), max_length=64, blank=True)
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    # power
    connection_type = models.CharField(
        _("connection type"), max_length=16, choices=ConnectionType.choices, blank=True
    )
    max_power_kw = models.DecimalField(
        _("requested maximum power, kW"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    existing_power_kw = models.DecimalField(
        _("maximum power connected now, kW"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
    )
    voltage = models.CharField(
        _("voltage level"), max_length=8, choices=Voltage.choices, blank=True
    )
    reliability = models.CharField(
        _("reliability category"), max_length=2, choices=Reliability.choices, blank=True
    )
    planned_date = models.DateField(_("planned date of connection"), null=True, blank=True)
    # the utility's side
    registration_number = models.CharField(_("registration number"), max_length=40, blank=True)
    registered_at = models.DateTimeField(_("registered"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    return_comment = models.TextField(_("utility's comment"), blank=True)
    reopened_fields = models.JSONField(_("fields to correct"), default=list, blank=True)
    reopened_documents = models.JSONField(_("documents to replace"), default=list, blank=True)
    rejection_reason = models.TextField(_("reason of rejection"), blank=True)
    fee_amount = models.DecimalField(
        _("connection fee"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    payment_reference = models.CharField(_("payment"), max_length=100, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("saved"), auto_now=True)

    class Meta:
        verbose_name = _("connection application")
        verbose_name_plural = _("connection applications")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("register_application", _("Can register connection applications")),
            ("return_application", _("Can return connection applications for correction")),
            ("issue_document", _("Can issue documents for connection applications")),
            ("move_stage", _("Can move connection applications to the next stage")),
            ("confirm_payment", _("Can record payments of connection fees")),
            ("reject_application", _("Can reject connection applications")),
        ]

    def __str__(self) -> str:
        return self.registration_number or self.number

    @property
    def editable(self) -> bool:
        return self.stage in EDITABLE

    def utility_due(self) -> dt.datetime | None:
        days = UTILITY_DAYS.get(self.stage)
        return self.stage_at + dt.timedelta(days=days) if days else None


class StageEvent(models.Model):
    application = models.ForeignKey(
        ConnectionApplication, models.CASCADE, related_name="events", verbose_name=_("application")
    )
    stage = models.CharField(_("stage"), max_length=24, choices=Stage.choices)
    at = models.DateTimeField(_("date"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} · {self.at:%Y-%m-%d}"


class ApplicationDocument(models.Model):
    """A file the applicant attached. A replaced file is kept, marked superseded."""

    application = models.ForeignKey(
        ConnectionApplication,
        models.CASCADE,
        related_name="documents",
        verbose_name=_("application"),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=DocumentKind.choices)
    document = models.ForeignKey(
        "documents.StoredDocument", models.PROTECT, related_name="+", verbose_name=_("file")
    )
    superseded = models.BooleanField(_("replaced"), default=False)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("applicant's document")
        verbose_name_plural = _("applicant's documents")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.get_kind_display()


class IssuedDocument(models.Model):
    """A document from the utility: technical conditions, contract, invoice, acceptance act."""

    application = models.ForeignKey(
        ConnectionApplication, models.CASCADE, related_name="issued", verbose_name=_("application")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=IssuedKind.choices)
    document = models.ForeignKey(
        "documents.StoredDocument", models.PROTECT, related_name="+", verbose_name=_("file")
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)

    class Meta:
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.get_kind_display()


class ApplicationVersion(models.Model):
    """What the applicant submitted, each time: the fields and the documents' ids."""

    application = models.ForeignKey(
        ConnectionApplication,
        models.CASCADE,
        related_name="versions",
        verbose_name=_("application"),
    )
    number = models.PositiveIntegerField(_("version"))
    data = models.JSONField(_("submitted data"))
    created_at = models.DateTimeField(_("submitted"), default=timezone.now)

    class Meta:
        verbose_name = _("submitted version")
        verbose_name_plural = _("submitted versions")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="one_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.application} v{self.number}"


# what the applicant fills in, step by step (the wizard's steps and the snapshot of a version)
STEPS: dict[str, tuple[str, ...]] = {
    "applicant": (
        "applicant_kind",
        "applicant_name",
        "contact_name",
        "contact_phone",
        "contact_email",
        "by_representative",
    ),
    "object": ("object_name", "object_address", "cadastral_number", "purpose"),
    "power": (
        "connection_type",
        "max_power_kw",
        "existing_power_kw",
        "voltage",
        "reliability",
        "planned_date",
    ),
}
DATA_FIELDS: tuple[str, ...] = tuple(name for names in STEPS.values() for name in names)
