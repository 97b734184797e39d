"""The product importer: matched by name, given an SKU made of the name when the file has none."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import select

from salesweb.auth.importers import ActingImporter, job_user
from salesweb.auth.models import User
from salesweb.core.importing import (
    BatchResult,
    ImportField,
    ImportJob,
    ParsedRow,
    RowError,
    cells,
)
from salesweb.extensions import db
from salesweb.pipeline.models import Product
from salesweb.pipeline.permissions import can_manage_products


@dataclass
class ProductState:
    acting: User | None
    base_currency: str
    by_name: dict[str, int]
    skus: dict[str, int]
    seen: dict[str, int] = field(default_factory=dict)


def sku_from_name(name: str, taken: dict[str, int]) -> str:
    """An SKU made of the name ("GTX Pro" -> "GTX-PRO"), unique among the SKUs in use."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    base = re.sub(r"[^A-Z0-9]+", "-", ascii_name).strip("-")[:50] or "P"
    candidate, n = base, 2
    while candidate.casefold() in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


class ProductImporter(ActingImporter):
    label = _l("Products")
    batch_size = 1000
    fields = (
        ImportField(
            "name",
            _lp("thing", "Name"),
            ("product", "product name", "产品", "产品名称", "名称"),
            required=True,
        ),
        ImportField("sku", _l("SKU"), ("code", "product code", "item code", "编号", "产品编号")),
        ImportField("series", _l("Series"), ("product line", "line", "系列", "产品系列")),
        ImportField(
            "list_price",
            _l("List price"),
            ("sales price", "price", "unit price", "价格", "单价", "标价", "售价"),
            required=True,
        ),
        ImportField(
            "currency",
            _l("Currency"),
            ("币种", "货币"),
            fixed=True,
            help=_l("The currency of the prices, such as USD: a column, or one for every row."),
            currency_of=("list_price",),
        ),
    )

    def allowed(self, user: Any) -> bool:
        return user is None or can_manage_products(user)

    def prepare(self, job: ImportJob) -> ProductState:
        by_name: dict[str, int] = {}
        skus: dict[str, int] = {}
        for r in db.session.execute(select(Product.id, Product.name, Product.sku)):
            by_name[r.name.casefold()] = r.id
            skus[r.sku.casefold()] = r.id
        return ProductState(
            job_user(job), current_app.config["SALESWEB_BASE_CURRENCY"], by_name, skus
        )

    def convert(
        self, state: ProductState, values: dict[str, str], row_number: int
    ) -> dict[str, Any]:
        label = self.field
        name = cells.text(values, "name", label("name").label, 200)
        if not name:
            raise RowError(_("The name is empty."))
        sku = cells.text(values, "sku", label("sku").label, 60)
        price = cells.amount(values.get("list_price", ""), label("list_price").label)
        if price is None:
            raise RowError(_("The list price is empty."))
        currency = cells.currency(values.get("currency", ""), label("currency").label)
        if currency is None:
            raise RowError(_("The price has no currency."))
        for seen_key in (name.casefold(), f"sku:{sku.casefold()}" if sku else None):
            earlier = state.seen.get(seen_key) if seen_key else None
            if earlier is not None and earlier != row_number:
                raise RowError(_("Same product as row %(row)d.", row=earlier))
        state.seen.setdefault(name.casefold(), row_number)
        if sku:
            state.seen.setdefault(f"sku:{sku.casefold()}", row_number)
        target = state.by_name.get(name.casefold())
        if sku and state.skus.get(sku.casefold(), target) != target:
            raise RowError(_("Another product already has this SKU."))
        return {
            "name": name,
            "sku": sku,
            "series": cells.text(values, "series", label("series").label, 80),
            "list_price": price,
            "currency": currency,
            "_target": target,
        }

    def write(self, state: ProductState, rows: list[ParsedRow]) -> BatchResult:
        result = BatchResult()
        skus = dict(state.skus)
        existing = {r.data["_target"] for r in rows if r.data["_target"] is not None}
        products = {
            p.id: p for p in db.session.scalars(select(Product).where(Product.id.in_(existing)))
        }
        created: list[Product] = []
        for row in rows:
            data = row.data
            product = products.get(data["_target"]) if data["_target"] is not None else None
            if product is not None:
                changes = {
                    k: data[k]
                    for k in ("sku", "series", "list_price", "currency")
                    if data[k] not in (None, "") and getattr(product, k) != data[k]
                }
                for key, value in changes.items():
                    setattr(product, key, value)
                if changes:
                    result.updated += 1
                else:
                    result.unchanged += 1
                continue
            sku = data["sku"] or sku_from_name(data["name"], skus)
            skus[sku.casefold()] = 0
            # A price list is short: the ORM writes it, and its audit rows, as a form would.
            created.append(
                Product(
                    sku=sku,
                    name=data["name"],
                    series=data["series"],
                    list_price=data["list_price"],
                    currency=data["currency"],
                )
            )
        db.session.add_all(created)
        db.session.flush()
        for product in created:
            state.by_name[product.name.casefold()] = product.id
            skus[product.sku.casefold()] = product.id
        result.created += len(created)
        state.skus = skus
        return result
