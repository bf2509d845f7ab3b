"""The reading form: one field per tariff zone that keeps what was typed (leading zeros too);
the rules themselves are checked in services.check, on the server."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import rules
from .models import Meter, Reading

ZONE_LABELS = {
    1: (_("Reading"),),
    2: (_("Day"), _("Night")),
    3: (_("Peak"), _("Half-peak"), _("Night")),
}


class ReadingForm(forms.Form):
    confirm_rollover = forms.BooleanField(
        label=_("Yes, the register passed 99…9 and started again from zero"), required=False
    )
    confirm_jump = forms.BooleanField(
        label=_("Yes, the value is right: the consumption really is this high"), required=False
    )

    def __init__(
        self, *args: Any, meter: Meter, previous: Reading | None, needs: set[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.meter = meter
        example = rules.format_register(
            rules.Decimal(1), digits=meter.digits, decimals=meter.decimals
        )
        old = previous.values if previous is not None else []
        zone_fields = {}
        for index, label in enumerate(ZONE_LABELS[meter.tariff_zones]):
            attrs = {
                "inputmode": "decimal" if meter.decimals else "numeric",
                "autocomplete": "off",
                "placeholder": example,
                "size": meter.digits + meter.decimals + 2,
                "class": "register",
                "data-digits": meter.digits,
            }
            if index < len(old):
                attrs["data-previous"] = str(old[index])
            zone_fields[f"value{index + 1}"] = forms.CharField(
                label=label,
                max_length=24,
                strip=True,
                widget=forms.TextInput(attrs=attrs),
                help_text=_("%(digits)d digits as on the meter, e.g. %(example)s")
                % {"digits": meter.digits, "example": example},
            )
        # the zone fields first, then the confirmations the rules asked for (if any)
        confirmations = {
            name: self.fields[name]
            for name in ("confirm_rollover", "confirm_jump")
            if name.removeprefix("confirm_") in needs
        }
        self.fields = {**zone_fields, **confirmations}

    def texts(self) -> list[str]:
        return [self.data.get(f"value{i}", "") for i in range(1, self.meter.tariff_zones + 1)]

    def confirmed(self, what: str) -> bool:
        return self.data.get(f"confirm_{what}") in ("on", "true", "1")

    def show_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            for message in messages:
                self.add_error(None if name == "__all__" else name, message)
