"""Money: Decimal amounts with an ISO 4217 currency, formatted for the user's locale."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import get_currency_name, list_currencies
from flask_babel import format_currency, get_locale, gettext

CENT = Decimal("0.01")
COMMON_CURRENCIES = ("CNY", "USD", "EUR", "HKD", "JPY", "GBP", "SGD")


def is_currency(code: str | None) -> bool:
    """An ISO 4217 trading currency (the X.. codes are metals, test and "no currency" codes)."""
    return bool(code) and not code.upper().startswith("X") and code.upper() in list_currencies()


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


def format_money(amount: Decimal | str | None, currency: str) -> str:
    """An amount in the reader's locale ("¥1,234.50"); frozen JSON terms keep it as text."""
    if amount is None or amount == "":
        return ""
    return format_currency(Decimal(str(amount)), currency)


def currency_choices() -> list[tuple[str, str]]:
    locale = str(get_locale() or "en")
    return [
        (code, f"{code} · {get_currency_name(code, locale=locale)}") for code in COMMON_CURRENCIES
    ]


@dataclass(frozen=True)
class Conversion:
    """An amount turned into the base currency, with the rate that did it and where it came from."""

    base_amount: Decimal
    rate: Decimal
    rate_date: date | None
    source: str


def base_currency() -> str:
    """The company's base currency: its setting, else SALESWEB_BASE_CURRENCY."""
    from salesweb.core import settings

    return settings.get("base_currency")


def to_base(amount: Decimal, currency: str, on: date) -> Conversion:
    """Convert with the newest rate valid on `on`; DomainError when the rate table has none."""
    from salesweb.core.errors import DomainError
    from salesweb.core.models import ExchangeRate
    from salesweb.extensions import db

    currency = currency.upper()
    if currency == base_currency():
        return Conversion(amount, Decimal("1"), None, "base")
    rate = db.session.scalars(
        db.select(ExchangeRate)
        .where(ExchangeRate.currency == currency, ExchangeRate.valid_on <= on)
        .order_by(ExchangeRate.valid_on.desc())
        .limit(1)
    ).first()
    if rate is None:
        raise DomainError(
            gettext(
                "No exchange rate for %(currency)s on or before %(day)s.",
                currency=currency,
                day=on.isoformat(),
            ),
            field="currency",
        )
    return Conversion(
        (amount * rate.rate).quantize(CENT, rounding=ROUND_HALF_UP),
        rate.rate,
        rate.valid_on,
        rate.source,
    )
