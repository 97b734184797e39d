"""Money: Decimal amounts with an ISO 4217 currency, formatted for the user's locale."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import get_currency_name, list_currencies
from flask_babel import format_currency, get_locale

CENT = Decimal("0.01")
COMMON_CURRENCIES = ("CNY", "USD", "EUR", "HKD", "JPY", "GBP", "SGD")


def is_currency(code: str | None) -> bool:
    return bool(code) and code.upper() in list_currencies()


def to_amount(value: object) -> Decimal:
    """Parse user or file input into a two-place Decimal; raises ValueError on anything else."""
    if isinstance(value, float):
        raise ValueError("floats are not accepted for money")
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return ""
    return format_currency(amount, currency)


def currency_choices() -> list[tuple[str, str]]:
    locale = str(get_locale() or "en")
    return [
        (code, f"{code} · {get_currency_name(code, locale=locale)}") for code in COMMON_CURRENCIES
    ]
