"""Contacts: list with search, add to an account, edit, delete."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from salesweb.core.errors import DomainError, put_on_form
from salesweb.core.htmx import done, render_page
from salesweb.core.pagination import paginate_ids
from salesweb.core.security import SIGNED_IN, access
from salesweb.customers import bp, services
from salesweb.customers.forms import ContactForm
from salesweb.customers.models import Contact
from salesweb.customers.permissions import can_edit_account
from salesweb.customers.queries import contact_filters, contact_list_stmt
from salesweb.customers.views import account_or_404, contact_or_404
from salesweb.extensions import db


@bp.get("/contacts")
@access(SIGNED_IN)
def contact_list():
    page = paginate_ids(contact_list_stmt(current_user, request.args), Contact)
    return render_page(
        "customers/contact_list.html", block="results", page=page, f=contact_filters(request.args)
    )


@bp.route("/accounts/<int:account_id>/contacts/new", methods=["GET", "POST"])
@access("admin", "manager", "rep")
def contact_create(account_id: int):
    account = account_or_404(account_id)
    if not can_edit_account(current_user, account):
        abort(403)
    form = ContactForm()
    if form.validate_on_submit():
        contact = services.add_contact(current_user, account, form.data_dict())
        db.session.commit()
        flash(_("Contact %(name)s added.", name=contact.name), "success")
        return redirect(url_for("customers.account_detail", account_id=account.id), code=303)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "customers/contact_form.html",
        block="form",
        http_status=status,
        form=form,
        account=account,
        contact=None,
    )


@bp.route("/contacts/<int:contact_id>", methods=["GET", "POST"])
@access("admin", "manager", "rep")
def contact_edit(contact_id: int):
    contact = contact_or_404(contact_id)
    if not can_edit_account(current_user, contact.account):
        abort(403)
    form = ContactForm(obj=contact)
    if form.validate_on_submit():
        try:
            services.update_contact(current_user, contact, form.data_dict(), form.version.data)
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(
                url_for("customers.account_detail", account_id=contact.account_id), code=303
            )
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "customers/contact_form.html",
        block="form",
        http_status=status,
        form=form,
        account=contact.account,
        contact=contact,
    )


@bp.post("/contacts/<int:contact_id>/delete")
@access("admin", "manager", "rep")
def contact_delete(contact_id: int):
    contact = contact_or_404(contact_id)
    if not can_edit_account(current_user, contact.account):
        abort(403)
    services.delete_contact(current_user, contact)
    db.session.commit()
    flash(_("Contact %(name)s deleted.", name=contact.name), "success")
    return done("customers.account_detail", account_id=contact.account_id)
