"""Forms of sign-up, login and recovery. Messages are translated; values survive errors
(passwords aside, which browsers must never be sent back)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from kabinet.core.models import UtilityProfile
from kabinet.customers.models import CustomerKind

from .models import User
from .passwords import policy_hint
from .phones import validate_mobile


class KabinetForm(forms.Form):
    required_css_class = "required"
    error_css_class = "has-error"


class PhoneField(forms.CharField):
    """A mobile number typed any usual way; cleaned to E.164."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Mobile phone"))
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("help_text", _("For example +380 50 123 45 67."))
        super().__init__(**kwargs)
        self.widget.input_type = "tel"
        self.widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return validate_mobile(value) if value else value


class NewPasswordMixin(forms.Form):
    """A new password typed twice, checked against the utility's policy and the person."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = policy_hint()

    def password_user(self) -> User:
        """The user (saved or not) the password is checked against, for context words."""
        return User()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ. Type the same one twice."))
        elif first:
            try:
                password_validation.validate_password(first, self.password_user())
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class LoginForm(KabinetForm):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (CustomerKind.INDIVIDUAL, _("Individual")),
            (CustomerKind.COMPANY, _("Legal entity or sole proprietor")),
        ],
        required=False,
    )
    identifier = forms.CharField(label=_("Login"), max_length=254)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, profile: UtilityProfile, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not profile.login_status_select:
            del self.fields["status"]
        self.fields["identifier"].help_text = login_hint(profile)
        self.fields["identifier"].widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        )


def login_hint(profile: UtilityProfile) -> str:
    kinds = []
    if profile.login_by_phone:
        kinds.append(str(_("mobile phone")))
    if profile.login_by_account:
        kinds.append(str(_("personal account number")))
    if profile.login_by_email:
        kinds.append(str(_("e-mail")))
    if profile.login_by_username:
        kinds.append(str(_("username")))
    if profile.login_by_tax_id:
        kinds.append(str(_("EDRPOU or INN")))
    if profile.login_by_snils:
        kinds.append(str(_("SNILS")))
    return str(_("Your %(kinds)s.")) % {"kinds": ", ".join(kinds) or str(_("username"))}


class PhoneSignupForm(NewPasswordMixin, KabinetForm):
    """Kremenchukgaz: the mobile phone is the login; a password; an SMS activation code."""

    phone = PhoneField(help_text=_("It will be your login. We will send an activation code to it."))
    field_order = ["phone", "password1", "password2"]

    def password_user(self) -> User:
        return User(username=self.data.get("phone", ""), phone=self.data.get("phone", ""))


class CodeForm(KabinetForm):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}
        ),
    )


class SmsRecoveryForm(NewPasswordMixin, KabinetForm):
    """Kremenchukgaz and DTEK: phone and a new password now, the SMS code on the next step."""

    phone = PhoneField(help_text=_("The phone you registered with."))
    field_order = ["phone", "password1", "password2"]

    def password_user(self) -> User:
        return User(username=self.data.get("phone", ""), phone=self.data.get("phone", ""))


class EmailRecoveryForm(KabinetForm):
    identifier = forms.CharField(
        label=_("Login"),
        max_length=254,
        help_text=_("We will send a link to set a new password to the e-mail you gave us."),
    )


class SetPasswordForm(NewPasswordMixin, KabinetForm):
    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def password_user(self) -> User:
        return self.user


class ChangePasswordForm(SetPasswordForm):
    current = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["current", "password1", "password2"]

    def clean_current(self) -> str:
        current = self.cleaned_data["current"]
        if not self.user.check_password(current):
            raise forms.ValidationError(_("The current password is not right."), code="wrong")
        return current
