from __future__ import annotations

from typing import Any

from captcha.fields import CaptchaField
from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from kabinet.core.virusscan import upload_scan
from kabinet.customers.models import Account
from kabinet.customers.selectors import ADDRESS
from kabinet.identity.forms import PhoneField
from kabinet.identity.models import User
from kabinet.identity.signup_company import CaptchaInput

from .models import AppealTopic
from .services import HANDLER_STATUSES, check_upload

ACCOUNT_ADDRESS = tuple(path.removeprefix("account__") for path in ADDRESS)


class AccountChoiceField(forms.ModelChoiceField[Account]):
    def label_from_instance(self, obj: Account) -> str:
        return f"{obj.number} · {obj.get_service_display()} · {obj.address_line()}"


def topic_field() -> forms.ModelChoiceField[AppealTopic]:
    return forms.ModelChoiceField(
        label=_("Topic"),
        queryset=AppealTopic.objects.filter(active=True),
        to_field_name="code",
        empty_label="—",
        error_messages={"required": _("Choose the topic of your message.")},
    )


def clean_message_text(value: Any) -> str:
    text = str(value).strip()
    if len(text) < 10:
        raise forms.ValidationError(
            _("Describe your question in a few words (at least 10 characters).")
        )
    return text


def attachment_field() -> forms.FileField:
    return forms.FileField(
        label=_("Attachment"),
        required=False,
        help_text=_("Optional: one PDF, JPG or PNG file up to 5 MB."),
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )


def text_field(label: Any = None, required: Any = None) -> forms.CharField:
    return forms.CharField(
        label=label or _("Message"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": required or _("Write your message.")},
    )


class UploadMixin(forms.Form):
    def clean_attachment(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("attachment")
        if upload:
            check_upload(upload)
            upload.scan_status = upload_scan(upload)  # infected: refused next to the field
            return upload
        return None

    def clean_text(self) -> str:
        return clean_message_text(self.cleaned_data["text"])


class AppealForm(UploadMixin):
    """The Contacts page's “Send a message”: topic, text, an account and a file, both optional."""

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"] = topic_field()
        self.fields["account"] = AccountChoiceField(
            label=_("Personal account"),
            queryset=Account.objects.filter(links__user=user)
            .select_related(*ACCOUNT_ADDRESS)
            .order_by("links__pk"),
            required=False,
            empty_label=_("— not about one account —"),
        )
        self.fields["text"] = text_field()
        self.fields["attachment"] = attachment_field()


class LabelledCaptchaInput(CaptchaInput):
    """The answer box gets a <label for> (a MultiWidget in a fieldset would leave it bare)."""

    use_fieldset = False


class GuestAppealForm(forms.Form):
    """For people without a login: a name, a contact to answer to, and the captcha."""

    required_css_class = "required"
    name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(
        label=_("E-mail"), required=False, help_text=_("We answer to it, or by SMS.")
    )
    phone = PhoneField(required=False)
    captcha = CaptchaField(
        label=_("Solve the example in the picture"),
        help_text=_("Type the result in digits."),
        widget=LabelledCaptchaInput(
            generator="captcha.helpers.math_challenge", attrs={"inputmode": "numeric"}
        ),
        error_messages={
            "invalid": _("The answer is not right. Solve the new example."),
            "required": _("Solve the example in the picture."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = _("Write your name.")
        fields = dict(self.fields)
        self.fields.clear()
        self.fields["topic"] = topic_field()
        self.fields.update({key: fields[key] for key in ("name", "email", "phone")})
        self.fields["text"] = text_field()
        self.fields["captcha"] = fields["captcha"]

    def clean_text(self) -> str:
        return clean_message_text(self.cleaned_data["text"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        no_errors = not self.errors.get("email") and not self.errors.get("phone")
        if no_errors and not data.get("email") and not data.get("phone"):
            self.add_error("email", _("Give an e-mail or a mobile phone for the answer."))
        return data


class ReplyForm(UploadMixin):
    text = text_field(_("Your reply"))
    attachment = attachment_field()


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How good was the answer?"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a mark from 1 to 5.")},
    )
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)


class AnswerForm(UploadMixin):
    text = text_field(_("Answer"), _("Write the answer."))
    attachment = attachment_field()
    waiting_for_customer = forms.BooleanField(
        label=_("Ask the customer for more information (waiting for the customer)"),
        required=False,
    )

    def clean_text(self) -> str:
        text = str(self.cleaned_data["text"]).strip()
        if not text:
            raise forms.ValidationError(_("Write the answer."))
        return text


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(s.value, s.label) for s in HANDLER_STATUSES],
    )
