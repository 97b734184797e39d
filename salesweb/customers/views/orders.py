"""Purchase history: record an order with lines, show one order."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from salesweb.core.errors import DomainError, put_on_form
from salesweb.core.htmx import render_page
from salesweb.core.models import utcnow
from salesweb.core.money import base_currency
from salesweb.core.security import SIGNED_IN, access
from salesweb.customers import bp, services
from salesweb.customers.forms import OrderForm
from salesweb.customers.models import Order
from salesweb.customers.permissions import can_edit_account, can_view_account
from salesweb.customers.views import account_or_404
from salesweb.extensions import db


def _lines(form: OrderForm) -> list[services.LineInput] | None:
    """The filled-in lines; None (with messages on the form) when a line is half filled."""
    lines, ok = [], True
    for entry in form.lines:
        product, quantity, price = (
            (entry.product.data or "").strip(),
            entry.quantity.data,
            entry.unit_price.data,
        )
        if not product and quantity is None and price is None:
            continue
        if not product or quantity is None or price is None:
            entry.product.errors.append(_("Give product, quantity and unit price for every line."))
            ok = False
            continue
        lines.append(services.LineInput(product, quantity, price))
    return lines if ok else None


@bp.route("/accounts/<int:account_id>/orders/new", methods=["GET", "POST"])
@access("admin", "manager", "rep")
def order_create(account_id: int):
    account = account_or_404(account_id)
    if not can_edit_account(current_user, account):
        abort(403)
    form = OrderForm()
    if not form.is_submitted():
        form.ordered_on.data = utcnow().date()
        form.currency.data = base_currency()
    if form.validate_on_submit() and (lines := _lines(form)) is not None:
        try:
            order = services.create_order(
                current_user,
                account,
                ordered_on=form.ordered_on.data,
                currency=form.currency.data,
                lines=lines,
                external_id=(form.external_id.data or "").strip() or None,
                notes=(form.notes.data or "").strip(),
            )
            db.session.commit()
            flash(_("Order recorded."), "success")
            return redirect(url_for("customers.order_detail", order_id=order.id), code=303)
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "customers/order_form.html", block="form", http_status=status, form=form, account=account
    )


@bp.get("/orders/<int:order_id>")
@access(SIGNED_IN)
def order_detail(order_id: int):
    order = db.session.get(Order, order_id)
    if order is None or order.is_deleted or not can_view_account(current_user, order.account):
        abort(404)
    return render_page("customers/order_detail.html", order=order, account=order.account)
