"""The customers area's workbench panel: my tasks due today and overdue (core.panels "home")."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from salesweb.core import panels
from salesweb.core.models import utcnow
from salesweb.core.security import access
from salesweb.customers import bp, queries
from salesweb.customers.permissions import ACCOUNT_OWNERS, can_own_accounts

TASKS_TITLE = _l("Today's tasks")


@bp.get("/workbench/tasks")
@access(*ACCOUNT_OWNERS)
def home_tasks():
    return panels.list_panel(
        "customers/home_tasks.html",
        TASKS_TITLE,
        queries.tasks_due_by_today_stmt(current_user),
        now=utcnow(),
    )


panels.register(
    panels.HOME,
    TASKS_TITLE,
    lambda _: url_for("customers.home_tasks"),
    lambda user, _: can_own_accounts(user),
    order=10,
)
