"""The step-by-step application form, the documents step, and the staff's action forms."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.documents.services import upload_validate
from kabinet.identity.forms import KabinetForm, PhoneField
from kabinet.identity.models import User

from .models import (
    DATA_FIELDS,
    STEPS,
    ConnectionApplication,
    ConnectionType,
    DocumentKind,
    IssuedKind,
    Stage,
    required_documents,
)
from .services import document_kind_open

REQUIRED = {
    "applicant_kind",
    "applicant_name",
    "contact_name",
    "contact_phone",
    "object_name",
    "object_address",
    "purpose",
    "connection_type",
    "max_power_kw",
    "voltage",
    "reliability",
    "planned_date",
}
HELP = {
    "applicant_kind": _("Who applies: an individual, a sole proprietor or a legal entity."),
    "applicant_name": _("Full name of the person, or the organisation's name as registered."),
    "contact_name": _("Whom our engineers call about this application."),
    "contact_phone": _("We call this number to speed up the work on the application."),
    "contact_email": _("Optional: for copies of the notices."),
    "by_representative": _("Tick it if a representative files it: attach a power of attorney."),
    "object_name": _("What is connected: a house, a shop, a workshop, a construction site…"),
    "object_address": _("Settlement, street, house (or the plot's location)."),
    "cadastral_number": _("Optional: the land plot's cadastral number."),
    "purpose": _("What the power is for: a home, production, a construction site…"),
    "connection_type": _("A new object, more power for a connected one, or a temporary one."),
    "max_power_kw": _("All the power the object needs at once, in kW (e.g. 15)."),
    "existing_power_kw": _("Only for an increase: the power connected now, in kW."),
    "voltage": _("Usually 0.4 kV for houses; ask us if you are not sure."),
    "reliability": _("Category III for most homes; I and II need a backup supply."),
    "planned_date": _("When you want the object to be connected."),
}


class StepForm(forms.ModelForm[ConnectionApplication]):
    """One step of the form. On a returned application only the fields the utility named can
    change; the others are shown as submitted and cannot be posted."""

    required_css_class = "required"
    error_css_class = "has-error"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        application = self.instance
        for name, field in self.fields.items():
            field.required = name in REQUIRED
            field.help_text = HELP.get(name, "")
            if application.stage == Stage.RETURNED and name not in application.reopened_fields:
                field.disabled = True
        if "contact_phone" in self.fields:
            old = self.fields["contact_phone"]
            self.fields["contact_phone"] = PhoneField(
                label=old.label, help_text=old.help_text, disabled=old.disabled
            )
        if "planned_date" in self.fields:
            self.fields["planned_date"].widget = forms.DateInput(attrs={"type": "date"})

    def clean_planned_date(self) -> Any:
        value = self.cleaned_data.get("planned_date")
        field = self.fields["planned_date"]
        if value and not field.disabled and value < timezone.localdate():
            raise forms.ValidationError(_("Choose a date from today on."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            "existing_power_kw" in self.fields
            and data.get("connection_type") == ConnectionType.INCREASE
            and not data.get("existing_power_kw")
        ):
            self.add_error("existing_power_kw", _("For an increase, give the power connected now."))
        return data


def step_form(step: str) -> type[StepForm]:
    return cast(
        type[StepForm],
        forms.modelform_factory(ConnectionApplication, form=StepForm, fields=STEPS[step]),
    )


class DocumentsForm(KabinetForm):
    """One file per kind; the ones this connection type needs are required until attached."""

    def __init__(
        self, *args: Any, application: ConnectionApplication, user: User, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        needed = required_documents(
            connection_type=application.connection_type,
            by_representative=application.by_representative,
        )
        attached = {d.kind for d in application.documents.all() if not d.superseded}
        for kind, label in DocumentKind.choices:
            if not document_kind_open(application, kind):
                continue
            self.fields[kind] = forms.FileField(
                label=label,
                required=kind in needed and kind not in attached,
                help_text=(
                    _("Attached. Choose a file to replace it.")
                    if kind in attached
                    else _("A PDF, JPG or PNG file up to 10 MB.")
                ),
                widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
            )
        self.content_types: dict[str, str] = {}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for kind in list(self.fields):
            upload = data.get(kind)
            if isinstance(upload, UploadedFile):
                try:
                    self.content_types[kind] = upload_validate(upload, user=self.user)
                except forms.ValidationError as error:
                    self.add_error(kind, error)
        return data


class RegisterForm(forms.Form):
    registration_number = forms.CharField(label=_("Registration number"), max_length=40)


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What to correct"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The applicant sees this comment and gets it by e-mail/SMS."),
    )
    reopen_fields = forms.MultipleChoiceField(
        label=_("Fields to correct"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            (name, getattr(ConnectionApplication._meta.get_field(name), "verbose_name", name))
            for name in DATA_FIELDS
        ],
    )
    reopen_documents = forms.MultipleChoiceField(
        label=_("Documents to replace"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=DocumentKind.choices,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("reopen_fields") and not data.get("reopen_documents"):
            raise forms.ValidationError(_("Name at least one field or document to correct."))
        return data


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4}))


class NextStageForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=1000)


class IssueForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=IssuedKind.choices)
    file = forms.FileField(label=_("PDF file"))
    signable = forms.BooleanField(label=_("The applicant signs it"), required=False)
    fee_amount = forms.DecimalField(
        label=_("Connection fee"), required=False, min_value=0, max_digits=12, decimal_places=2
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        self.content_type = upload_validate(upload, user=None, extensions=(".pdf",))
        return upload


class PaymentForm(forms.Form):
    payment_reference = forms.CharField(
        label=_("Payment reference"),
        max_length=100,
        help_text=_("The bank's payment order number or the online payment's id."),
    )
