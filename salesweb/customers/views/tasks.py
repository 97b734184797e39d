"""Follow-up tasks: my tasks (overdue first), create, edit, done and undo."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from salesweb.auth.models import Role, User
from salesweb.core.errors import DomainError, put_on_form
from salesweb.core.htmx import done, render_page, trigger
from salesweb.core.i18n import to_local, to_utc
from salesweb.core.models import utcnow
from salesweb.core.pagination import paginate
from salesweb.core.params import parse_id
from salesweb.core.security import SIGNED_IN, access
from salesweb.customers import bp, services
from salesweb.customers.forms import TaskForm
from salesweb.customers.models import Task
from salesweb.customers.permissions import can_edit_account, can_edit_task, scope_tasks
from salesweb.customers.views import account_or_404, owner_choices, task_or_404
from salesweb.extensions import db, htmx


def _who(choices: list[tuple[int, str]]) -> int:
    """Whose tasks to list: ?owner= within the user's scope, else the user's own."""
    wanted = parse_id(request.args.get("owner"))
    return wanted if wanted in {c[0] for c in choices} else current_user.id


@bp.get("/tasks")
@access(SIGNED_IN)
def task_list():
    choices = owner_choices(current_user) if current_user.role in (Role.MANAGER, Role.ADMIN) else []
    owner_id = _who(choices)
    show = request.args.get("show", "open")
    stmt = scope_tasks(select(Task), current_user).where(Task.owner_id == owner_id)
    if show == "done":
        stmt = stmt.where(Task.done_at.is_not(None)).order_by(Task.done_at.desc(), Task.id.desc())
    else:
        show = "open"
        # Ascending due time puts the overdue ones first, the most overdue at the top.
        stmt = stmt.where(Task.done_at.is_(None)).order_by(Task.due_at, Task.id)
    page = paginate(stmt)
    return render_page(
        "customers/task_list.html",
        block="results",
        page=page,
        show=show,
        owner_id=owner_id,
        owners=choices,
        now=utcnow(),
    )


def _task_form(task: Task | None, default_owner: User) -> TaskForm:
    form = TaskForm(obj=task)
    choices = owner_choices(current_user)
    if current_user.role == Role.REP:
        choices = [(current_user.id, current_user.display_name)]
    form.owner_id.choices = choices
    if not form.is_submitted():
        if task is not None:
            form.title.data, form.notes.data = task.display_title, task.display_notes
        form.owner_id.data = task.owner_id if task else default_owner.id
        form.due_at.data = to_local(task.due_at if task else utcnow())
    return form


@bp.route("/tasks/new", methods=["GET", "POST"])
@access("admin", "manager", "rep")
def task_create():
    account_id = parse_id(request.args.get("account_id"))
    account = account_or_404(account_id) if account_id else None
    if account is not None and not can_edit_account(current_user, account):
        abort(403)
    form = _task_form(None, (account.owner if account and account.owner else current_user))
    if form.validate_on_submit():
        services.create_task(
            current_user,
            title=form.title.data,
            due_at=to_utc(form.due_at.data),
            owner=db.session.get(User, form.owner_id.data),
            priority=form.priority.data,
            account=account,
            notes=(form.notes.data or "").strip(),
        )
        db.session.commit()
        flash(_("Task created."), "success")
        target = (
            url_for("customers.account_detail", account_id=account.id)
            if account
            else url_for("customers.task_list")
        )
        return redirect(target, code=303)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "customers/task_form.html",
        block="form",
        http_status=status,
        form=form,
        task=None,
        account=account,
    )


@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"])
@access("admin", "manager", "rep")
def task_edit(task_id: int):
    task = task_or_404(task_id)
    if not can_edit_task(current_user, task):
        abort(403)
    form = _task_form(task, task.owner)
    if form.validate_on_submit():
        try:
            services.update_task(
                current_user,
                task,
                {
                    "title": form.title.data.strip(),
                    "due_at": to_utc(form.due_at.data),
                    "priority": form.priority.data,
                    "notes": (form.notes.data or "").strip(),
                    "owner_id": form.owner_id.data,
                },
                form.version.data,
            )
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("customers.task_list"), code=303)
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "customers/task_form.html",
        block="form",
        http_status=status,
        form=form,
        task=task,
        account=task.account,
    )


def _toggle(task_id: int, complete: bool):
    task = task_or_404(task_id)
    if not can_edit_task(current_user, task):
        abort(403)
    try:
        (services.complete_task if complete else services.reopen_task)(current_user, task)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    if htmx:
        response = render_page("customers/_task_row.html", task=task, now=utcnow())
        return trigger(response, "taskDone" if complete else "taskReopened")
    return done("customers.task_list")


@bp.post("/tasks/<int:task_id>/done")
@access("admin", "manager", "rep")
def task_done(task_id: int):
    return _toggle(task_id, complete=True)


@bp.post("/tasks/<int:task_id>/undo")
@access("admin", "manager", "rep")
def task_undo(task_id: int):
    return _toggle(task_id, complete=False)
