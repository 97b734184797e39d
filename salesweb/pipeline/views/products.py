"""Products (the price list): list with search, sort and pages; create, edit, deactivate."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from salesweb.core.errors import DomainError, put_on_form
from salesweb.core.htmx import done, render_page, trigger, wants_fragment
from salesweb.core.pagination import paginate
from salesweb.core.security import access
from salesweb.customers.queries import search_term
from salesweb.extensions import db
from salesweb.pipeline import bp
from salesweb.pipeline.forms.quotes import ProductForm
from salesweb.pipeline.models import Product
from salesweb.pipeline.permissions import CONFIGURERS, can_manage_products
from salesweb.pipeline.services import quotes

PRODUCT_SORTS = {
    "sku": (Product.sku.asc(),),
    "-sku": (Product.sku.desc(),),
    "name": (Product.name.asc(),),
    "-name": (Product.name.desc(),),
    "series": (Product.series.asc(), Product.name.asc()),
    "-series": (Product.series.desc(), Product.name.asc()),
    "price": (Product.list_price.asc(), Product.id.asc()),
    "-price": (Product.list_price.desc(), Product.id.asc()),
}
SHOW = ("active", "inactive", "all")


def product_filters() -> dict[str, str]:
    """The list's recognised query parameters, cleaned; anything else falls back to defaults."""
    sort = request.args.get("sort", "sku")
    show = request.args.get("show", "active")
    return {
        "q": search_term(request.args.get("q")),
        "sort": sort if sort in PRODUCT_SORTS else "sku",
        "show": show if show in SHOW else "active",
    }


def product_list_stmt(f: dict[str, str]):
    stmt = select(Product)
    if f["show"] != "all":
        stmt = stmt.where(Product.active.is_(f["show"] == "active"))
    if f["q"]:
        escaped = f["q"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        stmt = stmt.where(
            or_(
                Product.sku.ilike(like, escape="\\"),
                Product.name.ilike(like, escape="\\"),
                Product.series.ilike(like, escape="\\"),
            )
        )
    return stmt.order_by(*PRODUCT_SORTS[f["sort"]], Product.id)


def product_or_404(product_id: int) -> Product:
    product = db.session.get(Product, product_id)
    if product is None:
        abort(404)
    return product


@bp.get("/products")
@access(*CONFIGURERS)
def product_list():
    f = product_filters()
    page = paginate(product_list_stmt(f))
    return render_page("pipeline/product_list.html", block="results", page=page, f=f)


@bp.route("/products/new", methods=["GET", "POST"])
@access(*CONFIGURERS)
def product_create():
    if not can_manage_products(current_user):
        abort(403)
    form = ProductForm()
    if form.validate_on_submit():
        try:
            product = quotes.create_product(current_user, form.data_dict(with_active=False))
            db.session.commit()
            flash(_("Product %(name)s created.", name=product.name), "success")
            return redirect(url_for("pipeline.product_list"), code=303)
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "pipeline/product_form.html", block="form", http_status=status, form=form, product=None
    )


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@access(*CONFIGURERS)
def product_edit(product_id: int):
    product = product_or_404(product_id)
    if not can_manage_products(current_user):
        abort(403)
    form = ProductForm(obj=product)
    if form.validate_on_submit():
        try:
            quotes.update_product(current_user, product, form.data_dict(), form.version.data)
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("pipeline.product_list"), code=303)
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "pipeline/product_form.html", block="form", http_status=status, form=form, product=product
    )


@bp.post("/products/<int:product_id>/deactivate")
@access(*CONFIGURERS)
def product_deactivate(product_id: int):
    product = product_or_404(product_id)
    if not can_manage_products(current_user):
        abort(403)
    try:
        quotes.deactivate_product(current_user, product)
        db.session.commit()
        flash(_("%(name)s is no longer offered on new quotes.", name=product.name), "success")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    if wants_fragment():
        row = render_page("pipeline/product_list.html", block="product_row", product=product)
        return trigger(row, "productDeactivated")
    return done("pipeline.product_list")
