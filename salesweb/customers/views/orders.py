"""Purchase history: record an order with lines, show one order."""

from __future__ import annotations

from flask import abort, flash
from flask_babel import gettext as _
from flask_login import current_user

from salesweb.core.forms import form_status, saving
from salesweb.core.htmx import render_page, see_other
from salesweb.core.models import today
from salesweb.core.money import base_currency
from salesweb.core.security import SIGNED_IN, access
from salesweb.customers import bp, services
from salesweb.customers.forms import OrderForm
from salesweb.customers.models import Order
from salesweb.customers.permissions import WRITERS, can_edit_account, can_view_account
from salesweb.customers.views import account_or_404
from salesweb.extensions import db


@bp.route("/accounts/<int:account_id>/orders/new", methods=["GET", "POST"])
@access(*WRITERS)
def order_create(account_id: int):
    account = account_or_404(account_id)
    if not can_edit_account(current_user, account):
        abort(403)
    form = OrderForm()
    if not form.is_submitted():
        form.ordered_on.data = today()
        form.currency.data = base_currency()
    if form.validate_on_submit():
        with saving(form):
            order = services.create_order(current_user, account, **form.data_dict())
            db.session.commit()
            flash(_("Order recorded."), "success")
            return see_other("customers.order_detail", order_id=order.id)
    return render_page(
        "customers/order_form.html",
        block="form",
        http_status=form_status(form),
        form=form,
        account=account,
    )


@bp.get("/orders/<int:order_id>")
@access(SIGNED_IN)
def order_detail(order_id: int):
    order = db.session.get(Order, order_id)
    if order is None or order.is_deleted or not can_view_account(current_user, order.account):
        abort(404)
    return render_page(
        "customers/order_detail.html",
        order=order,
        account=order.account,
        base_currency=base_currency(),
    )
