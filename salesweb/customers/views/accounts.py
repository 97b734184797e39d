"""Account list, page, timeline, create, edit, delete and restore."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from salesweb.core.forms import form_status, saving
from salesweb.core.htmx import done, render_page, see_other, wants_fragment
from salesweb.core.money import base_currency
from salesweb.core.pagination import page_number, paginate, paginate_ids
from salesweb.core.security import SIGNED_IN, access
from salesweb.customers import bp, queries, services, timeline
from salesweb.customers.actions import for_account
from salesweb.customers.forms import AccountForm, AssignForm
from salesweb.customers.models import Account
from salesweb.customers.permissions import (
    RESTORERS,
    WRITERS,
    can_assign_account,
    can_create_account,
    can_delete_account,
    can_edit_account,
    can_own_accounts,
    can_restore_account,
)
from salesweb.customers.queries import account_filters, account_list_stmt, owner_choices
from salesweb.customers.views import account_or_404
from salesweb.extensions import db


@bp.get("/accounts")
@access(SIGNED_IN)
def account_list():
    page = paginate_ids(account_list_stmt(current_user, request.args), Account)
    # Only a full page shows the filter drop-downs, not a live-search swap.
    options = {} if wants_fragment() else queries.account_filter_options(current_user)
    return render_page(
        "customers/account_list.html",
        block="results",
        page=page,
        f=account_filters(request.args),
        **options,
    )


@bp.get("/accounts/<int:account_id>")
@access(SIGNED_IN)
def account_detail(account_id: int):
    account = account_or_404(account_id)
    kind, tpage = request.args.get("kind", ""), page_number()
    events, has_more = timeline.events(account.id, only=kind or None, page=tpage)
    return render_page(
        "customers/account_detail.html",
        account=account,
        events=events,
        has_more=has_more,
        tpage=tpage,
        kind=kind,
        kinds=timeline.kinds(),
        open_tasks=queries.open_tasks_of(account.id),
        orders=queries.recent_orders_of(account.id),
        summary=services.purchase_summary(account.id),
        base_currency=base_currency(),
        assign_form=_assign_form(account),
        # The buttons higher areas add ask the database: decided here, not while rendering.
        actions=for_account(current_user, account),
    )


@bp.get("/accounts/<int:account_id>/timeline")
@access(SIGNED_IN)
def account_timeline(account_id: int):
    account = account_or_404(account_id)
    kind = request.args.get("kind", "")
    page = page_number()
    if not wants_fragment():
        # A "more" link opened in a new tab: the account page at the same timeline position.
        return see_other(
            "customers.account_detail",
            account_id=account.id,
            kind=kind or None,
            page=page if page > 1 else None,
            _anchor="timeline",
        )
    events, has_more = timeline.events(account.id, only=kind or None, page=page)
    return render_page(
        "customers/account_detail.html",
        block="timeline",
        account=account,
        events=events,
        has_more=has_more,
        tpage=page,
        kind=kind,
        kinds=timeline.kinds(),
    )


def _assign_form(account: Account) -> AssignForm | None:
    if not can_assign_account(current_user, account):
        return None
    form = AssignForm(owner_id=account.owner_id or 0)
    form.owner_id.choices = owner_choices(current_user, pool_label=True)
    return form


def _account_form(account: Account | None = None) -> AccountForm:
    form = AccountForm(obj=account)
    form.owner_id.choices = owner_choices(current_user, pool_label=True)
    if account is not None and request.method == "GET":
        form.tags.data = ", ".join(account.tag_list)
    if account is None and request.method == "GET":
        # Whoever may own accounts starts as the owner; an administrator from the pool.
        form.owner_id.data = current_user.id if can_own_accounts(current_user) else 0
    return form


@contextmanager
def _keeping_duplicates(form: AccountForm) -> Iterator[None]:
    """Likely duplicates are not an error on a field: the form lists them to confirm."""
    try:
        yield
    except services.DuplicatesFound as exc:
        db.session.rollback()
        form.duplicates = exc.matches


def _form_page(form: AccountForm, account: Account | None):
    return render_page(
        "customers/account_form.html",
        block="form",
        http_status=form_status(form),
        form=form,
        account=account,
        duplicates=form.duplicates,
    )


@bp.route("/accounts/new", methods=["GET", "POST"])
@access(*WRITERS)
def account_create():
    if not can_create_account(current_user):
        abort(403)
    form = _account_form()
    if form.validate_on_submit():
        with saving(form), _keeping_duplicates(form):
            account = services.create_account(
                current_user,
                form.data_dict(),
                confirm_duplicates=form.confirm_duplicates.data == "yes",
                chosen_owner_id=form.owner_id.data or 0,
            )
            db.session.commit()
            flash(_("Account %(name)s created.", name=account.name), "success")
            return see_other("customers.account_detail", account_id=account.id)
    return _form_page(form, None)


@bp.route("/accounts/<int:account_id>/edit", methods=["GET", "POST"])
@access(*WRITERS)
def account_edit(account_id: int):
    account = account_or_404(account_id)
    if not can_edit_account(current_user, account):
        abort(403)
    form = _account_form(account)
    if form.validate_on_submit():
        with saving(form):
            services.update_account(current_user, account, form.data_dict(), form.version.data)
            db.session.commit()
            flash(_("Changes saved."), "success")
            return see_other("customers.account_detail", account_id=account.id)
    return _form_page(form, account)


@bp.post("/accounts/<int:account_id>/delete")
@access(*WRITERS)
def account_delete(account_id: int):
    account = account_or_404(account_id)
    if not can_delete_account(current_user, account):
        abort(403)
    services.delete_account(current_user, account)
    db.session.commit()
    flash(_("Account %(name)s deleted. A manager can restore it.", name=account.name), "success")
    return done("customers.account_list")


@bp.get("/accounts/deleted")
@access(*RESTORERS)
def account_deleted_list():
    page = paginate(queries.deleted_accounts_stmt(current_user))
    return render_page("customers/account_deleted_list.html", block="results", page=page)


@bp.post("/accounts/<int:account_id>/restore")
@access(*RESTORERS)
def account_restore(account_id: int):
    account = db.session.get(Account, account_id)
    if account is None or not account.is_deleted or not can_restore_account(current_user, account):
        abort(404)
    services.restore_account(current_user, account)
    db.session.commit()
    flash(_("Account %(name)s restored.", name=account.name), "success")
    return done("customers.account_detail", account_id=account.id)
