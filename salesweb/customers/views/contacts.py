"""Contacts: list with search, add to an account, edit, delete."""

from __future__ import annotations

from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from salesweb.core.forms import form_status, saving
from salesweb.core.htmx import done, render_page, see_other
from salesweb.core.pagination import paginate_ids
from salesweb.core.security import SIGNED_IN, access
from salesweb.customers import bp, services
from salesweb.customers.forms import ContactForm
from salesweb.customers.models import Account, Contact
from salesweb.customers.permissions import WRITERS, can_edit_account
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


def _form_page(form: ContactForm, account: Account, contact: Contact | None):
    return render_page(
        "customers/contact_form.html",
        block="form",
        http_status=form_status(form),
        form=form,
        account=account,
        contact=contact,
    )


@bp.route("/accounts/<int:account_id>/contacts/new", methods=["GET", "POST"])
@access(*WRITERS)
def contact_create(account_id: int):
    account = account_or_404(account_id)
    if not can_edit_account(current_user, account):
        abort(403)
    form = ContactForm()
    if form.validate_on_submit():
        with saving(form):
            contact = services.add_contact(current_user, account, form.data_dict())
            db.session.commit()
            flash(_("Contact %(name)s added.", name=contact.name), "success")
            return see_other("customers.account_detail", account_id=account.id)
    return _form_page(form, account, None)


@bp.route("/contacts/<int:contact_id>", methods=["GET", "POST"])
@access(*WRITERS)
def contact_edit(contact_id: int):
    contact = contact_or_404(contact_id)
    if not can_edit_account(current_user, contact.account):
        abort(403)
    form = ContactForm(obj=contact)
    if form.validate_on_submit():
        with saving(form):
            services.update_contact(current_user, contact, form.data_dict(), form.version.data)
            db.session.commit()
            flash(_("Changes saved."), "success")
            return see_other("customers.account_detail", account_id=contact.account_id)
    return _form_page(form, contact.account, contact)


@bp.post("/contacts/<int:contact_id>/delete")
@access(*WRITERS)
def contact_delete(contact_id: int):
    contact = contact_or_404(contact_id)
    if not can_edit_account(current_user, contact.account):
        abort(403)
    services.delete_contact(current_user, contact)
    db.session.commit()
    flash(_("Contact %(name)s deleted.", name=contact.name), "success")
    return done("customers.account_detail", account_id=contact.account_id)
