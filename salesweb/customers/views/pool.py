"""The public pool (公海): list, claim, assign and release."""

from __future__ import annotations

from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from salesweb.auth.models import User
from salesweb.core.errors import DomainError
from salesweb.core.htmx import done, render_page
from salesweb.core.pagination import paginate_ids
from salesweb.core.security import access
from salesweb.customers import bp, services
from salesweb.customers.forms import AssignForm
from salesweb.customers.models import Account
from salesweb.customers.permissions import (
    ACCOUNT_OWNERS,
    ASSIGNERS,
    POOL_USERS,
    WRITERS,
    can_assign_account,
    can_claim_account,
    can_release_account,
)
from salesweb.customers.queries import account_filters, account_list_stmt, owner_choices
from salesweb.customers.views import account_or_404
from salesweb.extensions import db


@bp.get("/pool")
@access(*POOL_USERS)
def pool_list():
    page = paginate_ids(account_list_stmt(current_user, request.args, pool=True), Account)
    return render_page(
        "customers/pool_list.html",
        block="results",
        page=page,
        f=account_filters(request.args),
        owned=services.owned_count(current_user),
    )


@bp.post("/accounts/<int:account_id>/claim")
@access(*ACCOUNT_OWNERS)
def account_claim(account_id: int):
    account = account_or_404(account_id)
    if not can_claim_account(current_user, account):
        flash(_("Someone has already claimed this account."), "error")
        return done("customers.pool_list")
    try:
        services.claim_account(current_user, account)
        db.session.commit()
        flash(_("%(name)s is now yours.", name=account.name), "success")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return done("customers.pool_list")
    return done("customers.account_detail", account_id=account.id)


@bp.post("/accounts/<int:account_id>/assign")
@access(*ASSIGNERS)
def account_assign(account_id: int):
    account = account_or_404(account_id)
    if not can_assign_account(current_user, account):
        abort(403)
    form = AssignForm()
    form.owner_id.choices = owner_choices(current_user, pool_label=True)
    if not form.validate_on_submit():
        flash(_("Choose an owner from the list."), "error")
        return done("customers.account_detail", account_id=account.id)
    owner = db.session.get(User, form.owner_id.data) if form.owner_id.data else None
    try:
        services.assign_account(current_user, account, owner)
        db.session.commit()
        flash(_("Owner changed."), "success")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return done("customers.account_detail", account_id=account.id)


@bp.post("/accounts/<int:account_id>/release")
@access(*WRITERS)
def account_release(account_id: int):
    account = account_or_404(account_id)
    if not can_release_account(current_user, account):
        abort(403)
    services.release_account(current_user, account)
    db.session.commit()
    flash(_("%(name)s is back in the public pool.", name=account.name), "success")
    return done("customers.pool_list")
