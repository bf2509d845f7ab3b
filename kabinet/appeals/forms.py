from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from kabinet.customers.models import Account
from kabinet.customers.selectors import ADDRESS
from kabinet.identity.models import User

from .models import Topic
from .services import check_upload

ACCOUNT_ADDRESS = tuple(path.removeprefix("account__") for path in ADDRESS)


class AccountChoiceField(forms.ModelChoiceField[Account]):
    def label_from_instance(self, obj: Account) -> str:
        return f"{obj.number} · {obj.get_service_display()} · {obj.address_line()}"


class AppealForm(forms.Form):
    """The Contacts page's “Send a message”: topic, text, an account and a file, both optional."""

    topic = forms.ChoiceField(label=_("Topic"), choices=[("", "—"), *Topic.choices])
    account = AccountChoiceField(
        label=_("Personal account"),
        queryset=Account.objects.none(),
        required=False,
        empty_label=_("— not about one account —"),
    )
    text = forms.CharField(
        label=_("Message"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    attachment = forms.FileField(
        label=_("Attachment"),
        required=False,
        help_text=_("Optional: one PDF, JPG or PNG file up to 5 MB."),
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].error_messages["required"] = _("Choose the topic of your message.")
        self.fields["text"].error_messages["required"] = _("Write your message.")
        field = self.fields["account"]
        assert isinstance(field, AccountChoiceField)
        field.queryset = (
            Account.objects.filter(links__user=user)
            .select_related(*ACCOUNT_ADDRESS)
            .order_by("links__pk")
        )

    def clean_text(self) -> str:
        text = str(self.cleaned_data["text"]).strip()
        if len(text) < 10:
            raise forms.ValidationError(
                _("Describe your question in a few words (at least 10 characters).")
            )
        return text

    def clean_attachment(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("attachment")
        if upload:
            check_upload(upload)
            return upload
        return None
