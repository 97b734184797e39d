"""Follow-up tasks: my tasks (overdue first), create, edit, done and undo."""

from __future__ import annotations

from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from salesweb.auth.models import User
from salesweb.core.errors import DomainError
from salesweb.core.forms import form_status, saving
from salesweb.core.htmx import done, render_page, see_other, trigger
from salesweb.core.i18n import to_local
from salesweb.core.models import utcnow
from salesweb.core.pagination import paginate
from salesweb.core.params import parse_id
from salesweb.core.security import SIGNED_IN, access
from salesweb.customers import bp, queries, services
from salesweb.customers.forms import TaskForm
from salesweb.customers.models import Account, Task
from salesweb.customers.permissions import (
    WRITERS,
    can_edit_account,
    can_edit_task,
    can_list_others_tasks,
)
from salesweb.customers.queries import owner_choices
from salesweb.customers.views import account_or_404, task_or_404
from salesweb.extensions import db, htmx


def _who(choices: list[tuple[int, str]]) -> int:
    """Whose tasks to list: ?owner= within the user's scope, else the user's own."""
    wanted = parse_id(request.args.get("owner"))
    return wanted if wanted in {c[0] for c in choices} else current_user.id


@bp.get("/tasks")
@access(SIGNED_IN)
def task_list():
    choices = owner_choices(current_user) if can_list_others_tasks(current_user) else []
    owner_id = _who(choices)
    show = "done" if request.args.get("show") == "done" else "open"
    return render_page(
        "customers/task_list.html",
        block="results",
        page=paginate(queries.task_list_stmt(current_user, owner_id, show)),
        show=show,
        owner_id=owner_id,
        owners=choices,
        now=utcnow(),
    )


def _task_form(task: Task | None, default_owner: User) -> TaskForm:
    form = TaskForm(obj=task)
    # The people this user may give work to: a rep only themself.
    form.owner_id.choices = owner_choices(current_user)
    if not form.is_submitted():
        if task is not None:
            form.title.data, form.notes.data = task.display_title, task.display_notes
        form.owner_id.data = task.owner_id if task else default_owner.id
        form.due_at.data = to_local(task.due_at if task else utcnow())
    return form


def _form_page(form: TaskForm, task: Task | None, account: Account | None):
    return render_page(
        "customers/task_form.html",
        block="form",
        http_status=form_status(form),
        form=form,
        task=task,
        account=account,
    )


@bp.route("/tasks/new", methods=["GET", "POST"])
@access(*WRITERS)
def task_create():
    account_id = parse_id(request.args.get("account_id"))
    account = account_or_404(account_id) if account_id else None
    if account is not None and not can_edit_account(current_user, account):
        abort(403)
    form = _task_form(None, (account.owner if account and account.owner else current_user))
    if form.validate_on_submit():
        with saving(form):
            data = form.data_dict()
            owner = db.session.get(User, data.pop("owner_id"))
            services.create_task(current_user, owner=owner, account=account, **data)
            db.session.commit()
            flash(_("Task created."), "success")
            if account is not None:
                return see_other("customers.account_detail", account_id=account.id)
            return see_other("customers.task_list")
    return _form_page(form, None, account)


@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"])
@access(*WRITERS)
def task_edit(task_id: int):
    task = task_or_404(task_id)
    if not can_edit_task(current_user, task):
        abort(403)
    form = _task_form(task, task.owner)
    if form.validate_on_submit():
        with saving(form):
            services.update_task(current_user, task, form.data_dict(), form.version.data)
            db.session.commit()
            flash(_("Changes saved."), "success")
            return see_other("customers.task_list")
    return _form_page(form, task, task.account)


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
@access(*WRITERS)
def task_done(task_id: int):
    return _toggle(task_id, complete=True)


@bp.post("/tasks/<int:task_id>/undo")
@access(*WRITERS)
def task_undo(task_id: int):
    return _toggle(task_id, complete=False)
