"""Account list, page, timeline, create, edit, delete and restore."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from salesweb.auth.models import Role, User
from salesweb.core.errors import DomainError, put_on_form
from salesweb.core.htmx import done, render_page, see_other, wants_fragment
from salesweb.core.pagination import page_number, paginate, paginate_ids
from salesweb.core.security import SIGNED_IN, access
from salesweb.customers import bp, services, timeline
from salesweb.customers.forms import AccountForm, AssignForm
from salesweb.customers.models import Account, Order, Task
from salesweb.customers.permissions import (
    can_create_account,
    can_delete_account,
    can_edit_account,
    can_restore_account,
    scope_accounts,
)
from salesweb.customers.queries import account_filters, account_list_stmt
from salesweb.customers.views import account_or_404, owner_choices
from salesweb.extensions import db

WRITERS = ("admin", "manager", "rep")


def _filter_options() -> dict:
    """Values for the filter drop-downs; only a full page needs them, not a live-search swap."""
    if wants_fragment():
        return {}
    scoped = scope_accounts(select(Account.industry).distinct(), current_user)
    industries = [v for v in db.session.scalars(scoped.order_by(Account.industry).limit(200)) if v]
    regions_stmt = scope_accounts(select(Account.region).distinct(), current_user)
    regions = [v for v in db.session.scalars(regions_stmt.order_by(Account.region).limit(200)) if v]
    return {"industries": industries, "regions": regions, "owners": owner_choices(current_user)}


@bp.get("/accounts")
@access(SIGNED_IN)
def account_list():
    page = paginate_ids(account_list_stmt(current_user, request.args), Account)
    return render_page(
        "customers/account_list.html",
        block="results",
        page=page,
        f=account_filters(request.args),
        **_filter_options(),
    )


@bp.get("/accounts/<int:account_id>")
@access(SIGNED_IN)
def account_detail(account_id: int):
    account = account_or_404(account_id)
    tpage = page_number()
    events, has_more = timeline.events(
        account.id, only=request.args.get("kind") or None, page=tpage
    )
    open_tasks = db.session.scalars(
        select(Task)
        .where(Task.account_id == account.id, Task.done_at.is_(None), Task.deleted_at.is_(None))
        .order_by(Task.due_at)
        .limit(10)
    ).all()
    orders = db.session.scalars(
        select(Order)
        .where(Order.account_id == account.id, Order.deleted_at.is_(None))
        .order_by(Order.ordered_on.desc(), Order.id.desc())
        .limit(5)
    ).all()
    return render_page(
        "customers/account_detail.html",
        account=account,
        events=events,
        has_more=has_more,
        tpage=tpage,
        kind=request.args.get("kind", ""),
        kinds=timeline.kinds(),
        open_tasks=open_tasks,
        orders=orders,
        summary=services.purchase_summary(account.id),
        assign_form=_assign_form(account),
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
    if current_user.role not in (Role.MANAGER, Role.ADMIN):
        return None
    form = AssignForm(owner_id=account.owner_id or 0)
    form.owner_id.choices = owner_choices(current_user, pool_label=True)
    return form


def _owner_for(form: AccountForm) -> User | None:
    """Reps own what they create; managers and admins may choose an owner or the pool."""
    if current_user.role == Role.REP:
        return current_user._get_current_object()
    owner_id = form.owner_id.data or 0
    allowed = {c[0] for c in form.owner_id.choices}
    if owner_id and owner_id not in allowed:
        raise DomainError(_("Choose an owner from the list."), field="owner_id")
    return db.session.get(User, owner_id) if owner_id else None


def _account_form(account: Account | None = None) -> AccountForm:
    form = AccountForm(obj=account)
    form.owner_id.choices = owner_choices(current_user, pool_label=True)
    if account is not None and request.method == "GET":
        form.tags.data = ", ".join(account.tag_list)
    if account is None and request.method == "GET":
        form.owner_id.data = current_user.id if current_user.role != Role.ADMIN else 0
    return form


@bp.route("/accounts/new", methods=["GET", "POST"])
@access(*WRITERS)
def account_create():
    if not can_create_account(current_user):
        abort(403)
    form = _account_form()
    duplicates: list[Account] = []
    if form.validate_on_submit():
        try:
            account = services.create_account(
                current_user,
                form.data_dict(),
                owner=_owner_for(form),
                confirm_duplicates=form.confirm_duplicates.data == "yes",
            )
            db.session.commit()
            flash(_("Account %(name)s created.", name=account.name), "success")
            return redirect(url_for("customers.account_detail", account_id=account.id), code=303)
        except services.DuplicatesFound as exc:
            db.session.rollback()
            duplicates = exc.matches
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "customers/account_form.html",
        block="form",
        http_status=status,
        form=form,
        account=None,
        duplicates=duplicates,
    )


@bp.route("/accounts/<int:account_id>/edit", methods=["GET", "POST"])
@access(*WRITERS)
def account_edit(account_id: int):
    account = account_or_404(account_id)
    if not can_edit_account(current_user, account):
        abort(403)
    form = _account_form(account)
    if form.validate_on_submit():
        try:
            services.update_account(current_user, account, form.data_dict(), form.version.data)
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("customers.account_detail", account_id=account.id), code=303)
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "customers/account_form.html",
        block="form",
        http_status=status,
        form=form,
        account=account,
        duplicates=[],
    )


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
@access("admin", "manager")
def account_deleted_list():
    stmt = select(Account).where(Account.deleted_at.is_not(None))
    if current_user.role == Role.MANAGER:
        from salesweb.auth.permissions import owner_filter

        stmt = stmt.where(owner_filter(current_user, Account.owner_id))
    page = paginate(stmt.order_by(Account.deleted_at.desc(), Account.id))
    return render_page("customers/account_deleted_list.html", block="results", page=page)


@bp.post("/accounts/<int:account_id>/restore")
@access("admin", "manager")
def account_restore(account_id: int):
    account = db.session.get(Account, account_id)
    if account is None or not account.is_deleted or not can_restore_account(current_user, account):
        abort(404)
    services.restore_account(current_user, account)
    db.session.commit()
    flash(_("Account %(name)s restored.", name=account.name), "success")
    return done("customers.account_detail", account_id=account.id)
