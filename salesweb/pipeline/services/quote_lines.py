"""What a quote says: the typed input, its checks, and the totals computed from the lines.

Everything is checked before anything is written, so a refused quote is never half-saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from salesweb.core.errors import DomainError
from salesweb.core.models import today
from salesweb.core.money import CENT, is_currency
from salesweb.extensions import db
from salesweb.pipeline.models import Product, Quote, QuoteLine
from salesweb.pipeline.services.products import MAX_PRICE

HUNDRED = Decimal(100)
QUANTITY_PLACES = Decimal("0.001")
MAX_AMOUNT = Decimal(10) ** 15  # what Numeric(18, 2) holds with room for the tax
MAX_QUANTITY = Decimal(10) ** 9
MAX_LINES = 30
LANGUAGES = ("zh_CN", "en")


@dataclass(frozen=True)
class LineInput:
    """One line as typed: `row` is the form row, so a refusal lands next to the right input."""

    product_id: int | None
    quantity: Decimal | None
    unit_price: Decimal | None = None  # None: the product's list price
    discount_pct: Decimal | None = None
    description: str = ""
    row: int | None = None


@dataclass
class QuoteInput:
    """A quote's header and lines as typed, before any check."""

    lines: list[LineInput]
    currency: str = "CNY"
    language: str = "zh_CN"
    tax_rate: Decimal = Decimal("13")
    valid_until: date | None = None
    terms: str = ""


@dataclass(frozen=True)
class Totals:
    """What the lines add up to, and the largest discount among them (it decides approval)."""

    subtotal: Decimal
    tax: Decimal
    total: Decimal
    max_discount: Decimal
    line_totals: list[Decimal] = field(default_factory=list)


def line_total(quantity: Decimal, unit_price: Decimal, discount_pct: Decimal) -> Decimal:
    """Quantity × unit price less the discount, rounded half up to the cent."""
    gross = quantity * unit_price
    return (gross * (HUNDRED - discount_pct) / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def compute_totals(lines: list[tuple[Decimal, Decimal, Decimal]], tax_rate: Decimal) -> Totals:
    """Subtotal of the lines, tax on the subtotal, total; and the largest discount given."""
    totals = [line_total(q, p, d) for q, p, d in lines]
    subtotal = sum(totals, Decimal("0.00"))
    tax = (subtotal * tax_rate / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    biggest = max((d for _q, _p, d in lines), default=Decimal("0"))
    return Totals(subtotal, tax, subtotal + tax, biggest, totals)


def _where(line: LineInput, name: str) -> str:
    return f"lines-{line.row}-{name}" if line.row is not None else name


def _finite(value: Decimal | None) -> bool:
    return value is not None and isinstance(value, Decimal) and value.is_finite()


def _checked_lines(data: QuoteInput) -> list[QuoteLine]:
    """The lines as QuoteLine objects (not yet added), or DomainError on the first bad value."""
    if not data.lines:
        raise DomainError(_("Add at least one line with a product."), field="lines")
    if len(data.lines) > MAX_LINES:
        raise DomainError(_("A quote has at most %(n)d lines.", n=MAX_LINES), field="lines")
    ids = {line.product_id for line in data.lines if line.product_id}
    products = (
        {p.id: p for p in db.session.scalars(select(Product).where(Product.id.in_(ids)))}
        if ids
        else {}
    )
    out: list[QuoteLine] = []
    for position, line in enumerate(data.lines):
        product = products.get(line.product_id or 0)
        if product is None:
            raise DomainError(
                _("Choose a product from the list."), field=_where(line, "product_id")
            )
        if not product.active:
            raise DomainError(
                _("“%(name)s” is no longer sold; choose another product.", name=product.name),
                field=_where(line, "product_id"),
            )
        quantity = line.quantity
        if not _finite(quantity) or quantity <= 0 or quantity > MAX_QUANTITY:
            raise DomainError(
                _("The quantity must be more than zero."), field=_where(line, "quantity")
            )
        quantity = quantity.quantize(QUANTITY_PLACES, rounding=ROUND_HALF_UP)
        if quantity <= 0:
            raise DomainError(
                _("The quantity must be more than zero."), field=_where(line, "quantity")
            )
        price = line.unit_price
        if price is None:
            if product.currency != data.currency:
                raise DomainError(
                    _(
                        "The list price is in %(currency)s: give a unit price in the quote's currency.",
                        currency=product.currency,
                    ),
                    field=_where(line, "unit_price"),
                )
            price = product.list_price
        if not _finite(price) or price < 0 or price >= MAX_PRICE:
            raise DomainError(
                _("The unit price must be zero or more."), field=_where(line, "unit_price")
            )
        discount = Decimal("0") if line.discount_pct is None else line.discount_pct
        if not _finite(discount) or discount < 0 or discount > HUNDRED:
            raise DomainError(
                _("A discount is between 0 and 100."), field=_where(line, "discount_pct")
            )
        price = price.quantize(CENT, rounding=ROUND_HALF_UP)
        discount = discount.quantize(CENT, rounding=ROUND_HALF_UP)
        total = line_total(quantity, price, discount)
        if total >= MAX_AMOUNT:
            raise DomainError(_("This line is too large."), field=_where(line, "quantity"))
        out.append(
            QuoteLine(
                position=position,
                product_id=product.id,
                product=product,
                description=(line.description or "").strip()[:300],
                quantity=quantity,
                unit_price=price,
                discount_pct=discount,
                line_total=total,
            )
        )
    return out


def _check_header(data: QuoteInput) -> None:
    if not is_currency(data.currency):
        raise DomainError(_("Unknown currency."), field="currency")
    if data.language not in LANGUAGES:
        raise DomainError(_("Choose Chinese or English."), field="language")
    if not _finite(data.tax_rate) or data.tax_rate < 0 or data.tax_rate > HUNDRED:
        raise DomainError(_("The tax rate is between 0 and 100."), field="tax_rate")
    if data.valid_until is None:
        raise DomainError(_("Say until when the quote is valid."), field="valid_until")
    if data.valid_until < today():
        raise DomainError(_("The validity date is in the past."), field="valid_until")


def fill(quote: Quote, data: QuoteInput) -> None:
    """Write the header and the lines, then the totals (all checked first: nothing half-saved)."""
    data.currency = (data.currency or "").upper()
    _check_header(data)
    lines = _checked_lines(data)
    tax_rate = data.tax_rate.quantize(CENT, rounding=ROUND_HALF_UP)
    totals = compute_totals(
        [(ln.quantity, ln.unit_price, ln.discount_pct) for ln in lines], tax_rate
    )
    if totals.total >= MAX_AMOUNT:
        raise DomainError(_("The quote's total is too large."), field="lines")
    quote.currency, quote.language, quote.tax_rate = data.currency, data.language, tax_rate
    quote.valid_until, quote.terms = data.valid_until, (data.terms or "").strip()
    quote.lines = lines
    quote.subtotal, quote.tax, quote.total = totals.subtotal, totals.tax, totals.total
    quote.max_discount = totals.max_discount
