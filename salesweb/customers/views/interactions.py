"""Logging an interaction, optionally with the next follow-up task."""

from __future__ import annotations

from flask import abort, flash
from flask_babel import gettext as _
from flask_login import current_user

from salesweb.core.forms import form_status, saving
from salesweb.core.htmx import render_page, see_other
from salesweb.core.i18n import to_local, to_utc
from salesweb.core.models import utcnow
from salesweb.core.security import access
from salesweb.customers import bp, services
from salesweb.customers.forms import InteractionForm
from salesweb.customers.permissions import WRITERS, can_edit_account
from salesweb.customers.views import account_or_404
from salesweb.extensions import db


def interaction_form(account) -> InteractionForm:
    """The form with the account's contacts to choose from, defaulting to now."""
    form = InteractionForm()
    form.contact_id.choices = [(0, _("— no contact —"))] + [
        (c.id, c.name) for c in account.contacts
    ]
    if not form.is_submitted():
        form.occurred_at.data = to_local(utcnow())
        if account.contacts:
            form.contact_id.data = account.contacts[0].id
    return form


def interaction_from_form(form: InteractionForm, account):
    """Log what a valid form says (and its follow-up task); returns the interaction."""
    contact = next((c for c in account.contacts if c.id == form.contact_id.data), None)
    next_task = None
    if form.create_task.data:
        next_task = services.NextTask(
            form.task_title.data.strip(), to_utc(form.task_due.data), form.task_priority.data
        )
    interaction, _task = services.log_interaction(
        current_user,
        account,
        {
            "kind": form.kind.data,
            "direction": form.direction.data,
            "occurred_at": to_utc(form.occurred_at.data),
            "contact": contact,
            "summary": form.summary.data.strip(),
            "outcome": (form.outcome.data or "").strip(),
            "next_step": (form.next_step.data or "").strip(),
        },
        next_task=next_task,
    )
    return interaction


@bp.route("/accounts/<int:account_id>/interactions/new", methods=["GET", "POST"])
@access(*WRITERS)
def interaction_create(account_id: int):
    account = account_or_404(account_id)
    if not can_edit_account(current_user, account):
        abort(403)
    form = interaction_form(account)
    if form.validate_on_submit():
        with saving(form):
            interaction_from_form(form, account)
            db.session.commit()
            message = _("Interaction logged.")
            if form.create_task.data:
                message += " " + _("Follow-up task created.")
            flash(message, "success")
            return see_other("customers.account_detail", account_id=account.id)
    return render_page(
        "customers/interaction_form.html",
        block="form",
        http_status=form_status(form),
        form=form,
        account=account,
    )
