"""Money is Decimal, never float: parsing, rounding and display in the customer's language."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.formats import number_format

CENT = Decimal("0.01")


def to_money(value: Decimal | int | str) -> Decimal:
    """A Decimal rounded half-up to kopecks/kopeks. Floats are refused: they lose cents."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    try:
        amount = Decimal(
            str(value).strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
        )
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(value: Decimal, currency: str = "UAH") -> str:
    """`1 234,50 грн` / `1 234,50 ₽` with the active locale's separators."""
    from django.utils.translation import gettext as _

    symbols = {"UAH": _("UAH"), "RUB": _("RUB")}
    text = number_format(to_money(value), decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"{text}\u00a0{symbols.get(currency, currency)}"
