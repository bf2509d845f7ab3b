"""The pay forms: amount (within the rules), provider, and a company's comment fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import PaymentRules
from .providers import PROVIDER_LABELS
from .services import validate_amount


class PayForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        # text, not type=number: a number input shows nothing for "75,77" (a decimal comma)
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    provider = forms.ChoiceField(label=_("Payment method"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, rules: PaymentRules, debt: Decimal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rules, self.debt = rules, debt
        self.fields["amount"].initial = debt
        self.fields["amount"].localize = True
        self.fields["amount"].widget.is_localized = True
        if not rules.amount_editable:
            self.fields["amount"].disabled = True
            self.fields["amount"].help_text = _("The amount is the whole debt.")
        codes = rules.enabled_providers()
        provider = cast(forms.ChoiceField, self.fields["provider"])
        provider.choices = [(c, PROVIDER_LABELS.get(c, c)) for c in codes]
        self.fields["provider"].initial = codes[0] if codes else None
        if len(codes) == 1:
            self.fields["provider"].widget = forms.HiddenInput()

    def clean_amount(self) -> Decimal:
        amount: Decimal = self.cleaned_data["amount"]
        if not self.rules.amount_editable:
            amount = self.debt
        validate_amount(amount, self.rules)
        return amount


class ContractPayForm(PayForm):
    service = forms.CharField(label=_("Service"), max_length=100, required=False)
    invoice_number = forms.CharField(label=_("Invoice number"), max_length=40, required=False)
    period = forms.CharField(
        label=_("Period"), max_length=20, required=False, help_text=_("e.g. 11.2025")
    )
    subscriber = forms.CharField(label=_("Subscriber number"), max_length=40, required=False)

    def comment(self) -> str:
        data = self.cleaned_data
        parts = [
            (_("service"), data.get("service")),
            (_("invoice"), data.get("invoice_number")),
            (_("period"), data.get("period")),
            (_("subscriber"), data.get("subscriber")),
        ]
        return "; ".join(f"{label}: {value}" for label, value in parts if value)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(f) for f in ("service", "invoice_number", "period", "subscriber")):
            raise ValidationError(
                _("Add a comment: the service, invoice number, period or subscriber number.")
            )
        return data
