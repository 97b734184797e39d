"""Products (the price list): list with search, sort and pages; create, edit, deactivate."""

from __future__ import annotations

from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from salesweb.core.forms import form_status, saving
from salesweb.core.history import record_history
from salesweb.core.htmx import done, render_page, see_other, trigger, wants_fragment
from salesweb.core.pagination import paginate
from salesweb.core.security import access
from salesweb.extensions import db
from salesweb.pipeline import bp, queries
from salesweb.pipeline.forms.quotes import ActionForm, ProductForm
from salesweb.pipeline.models import Product
from salesweb.pipeline.permissions import CONFIGURERS, can_manage_products
from salesweb.pipeline.services import products


def product_or_404(product_id: int) -> Product:
    """The product, or 404."""
    product = db.session.get(Product, product_id)
    if product is None:
        abort(404)
    return product


def _form_page(form: ProductForm, product: Product | None):
    """The product form, with the product's history when it exists."""
    return render_page(
        "pipeline/product_form.html",
        block="form",
        http_status=form_status(form),
        form=form,
        product=product,
        history=record_history("products", product.id) if product else [],
    )


@bp.get("/products")
@access(*CONFIGURERS)
def product_list():
    f = queries.product_filters(request.args)
    page = paginate(queries.product_list_stmt(f))
    return render_page("pipeline/product_list.html", block="results", page=page, f=f)


@bp.route("/products/new", methods=["GET", "POST"])
@access(*CONFIGURERS)
def product_create():
    if not can_manage_products(current_user):
        abort(403)
    form = ProductForm()
    if form.validate_on_submit():
        with saving(form):
            product = products.create_product(current_user, form.data_dict(with_active=False))
            db.session.commit()
            flash(_("Product %(name)s created.", name=product.name), "success")
            return see_other("pipeline.product_list")
    return _form_page(form, None)


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@access(*CONFIGURERS)
def product_edit(product_id: int):
    product = product_or_404(product_id)
    if not can_manage_products(current_user):
        abort(403)
    form = ProductForm(obj=product)
    if form.validate_on_submit():
        with saving(form):
            products.update_product(current_user, product, form.data_dict(), form.version.data)
            db.session.commit()
            flash(_("Changes saved."), "success")
            return see_other("pipeline.product_list")
    return _form_page(form, product)


@bp.post("/products/<int:product_id>/deactivate")
@access(*CONFIGURERS)
def product_deactivate(product_id: int):
    product = product_or_404(product_id)
    if not can_manage_products(current_user):
        abort(403)
    form = ActionForm()
    with saving(form):
        products.deactivate_product(current_user, product)
        db.session.commit()
        flash(_("%(name)s is no longer offered on new quotes.", name=product.name), "success")
    for refusal in form.form_errors:
        flash(refusal, "error")
    if wants_fragment():
        row = render_page("pipeline/product_list.html", block="product_row", product=product)
        return trigger(row, "productDeactivated")
    return done("pipeline.product_list")
