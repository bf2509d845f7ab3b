"""The two steps of a simple electronic signature: the password again, then the SMS code."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext, gettext_lazy

from kabinet.core.uploads import upload_check
from kabinet.identity.account_settings import ReauthForm
from kabinet.identity.forms import KabinetForm


class SignReauthForm(ReauthForm):
    """SECURITY.md 13: signing asks for the password again before the code is sent."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["current"].help_text = gettext_lazy(
            "We ask for it again before you sign. Then we send a code to your phone."
        )


class SignCodeForm(KabinetForm):
    code = forms.CharField(
        label=gettext_lazy("Code from the SMS"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class CertificateSignatureForm(KabinetForm):
    signature = forms.FileField(
        label=gettext_lazy("Signature file (.p7s) or the signed PDF"),
        help_text=gettext_lazy(
            "A detached qualified e-signature (КЕП / УКЭП) of this very file, or the file itself"
            " signed inside the PDF."
        ),
        widget=forms.FileInput(attrs={"accept": ".p7s,.pdf"}),
    )

    def clean_signature(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["signature"]
        upload_check(
            upload,
            extensions=(".p7s", ".pdf"),
            max_bytes=12 * 1024 * 1024,
            wrong_type=gettext("Upload the signature as a .p7s file, or the signed PDF."),
        )
        return upload
