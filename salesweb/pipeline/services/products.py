"""Products, the price list quotes draw on: create, change, deactivate.

Services take the acting user, flush, and never commit. A product is never deleted: quotes made
with it keep pointing at it, so it is deactivated instead.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from salesweb.auth.models import User
from salesweb.core import audit
from salesweb.core.errors import DomainError
from salesweb.core.models import check_version
from salesweb.core.money import CENT, is_currency
from salesweb.extensions import db
from salesweb.pipeline.models import Product

MAX_PRICE = Decimal(10) ** 13
PRODUCT_FIELDS = ("sku", "name", "series", "list_price", "currency", "active")

audit.register_actions({"deactivate": _l("deactivated")})


def _check_product(data: dict[str, Any], exclude_id: int | None) -> dict[str, Any]:
    clean = dict(data)
    for key in ("sku", "name", "series"):
        if key in clean:
            clean[key] = (clean[key] or "").strip()
    if not clean.get("sku"):
        raise DomainError(_("Give the product an SKU."), field="sku")
    if not clean.get("name"):
        raise DomainError(_("Give the product a name."), field="name")
    price = clean.get("list_price")
    if price is None or not price.is_finite() or price < 0 or price >= MAX_PRICE:
        raise DomainError(_("The list price must be zero or more."), field="list_price")
    clean["list_price"] = price.quantize(CENT, rounding=ROUND_HALF_UP)
    clean["currency"] = (clean.get("currency") or "").upper()
    if not is_currency(clean["currency"]):
        raise DomainError(_("Unknown currency."), field="currency")
    for key, message in (
        ("sku", _("Another product already has this SKU.")),
        ("name", _("Another product already has this name.")),
    ):
        stmt = select(Product.id).where(func.lower(getattr(Product, key)) == clean[key].lower())
        if exclude_id is not None:
            stmt = stmt.where(Product.id != exclude_id)
        if db.session.scalar(stmt.limit(1)) is not None:
            raise DomainError(message, field=key)
    return clean


def _flush_product(product: Product) -> None:
    """Flush; a twin saved at the same moment by someone else comes back as a field message."""
    try:
        with db.session.begin_nested():
            db.session.add(product)
            db.session.flush()
    except IntegrityError as exc:
        raise DomainError(_("Another product already has this SKU or name."), field="sku") from exc


def create_product(actor: User, data: dict[str, Any]) -> Product:
    """A new product in the price list."""
    clean = _check_product(data, exclude_id=None)
    product = Product(**{k: clean[k] for k in PRODUCT_FIELDS if k in clean})
    _flush_product(product)
    return product


def update_product(
    actor: User, product: Product, data: dict[str, Any], version: int | None
) -> Product:
    """Change a product; quotes already made keep their own prices."""
    check_version(product, version)
    clean = _check_product({**{k: getattr(product, k) for k in PRODUCT_FIELDS}, **data}, product.id)
    for key in PRODUCT_FIELDS:
        setattr(product, key, clean[key])
    _flush_product(product)
    return product


def deactivate_product(actor: User, product: Product) -> Product:
    """Stop offering a product: it stays on old quotes but cannot be put on new lines."""
    if not product.active:
        raise DomainError(_("This product is already inactive."))
    product.active = False
    audit.name_change(product, "deactivate")
    db.session.flush()
    return product
