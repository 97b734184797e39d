"""The customers area's views, one module per subject, and the loaders they share."""

from __future__ import annotations

from flask import abort

from salesweb.customers.models import Account, Contact, Task
from salesweb.customers.permissions import can_view_account, can_view_task
from salesweb.customers.queries import owner_choices  # noqa: F401 (pipeline's views use it)
from salesweb.extensions import db


def account_or_404(account_id: int) -> Account:
    """The account, or 404 when it does not exist or the user may not see it (no leak)."""
    from flask_login import current_user

    account = db.session.get(Account, account_id)
    if account is None or not can_view_account(current_user, account):
        abort(404)
    return account


def contact_or_404(contact_id: int) -> Contact:
    from flask_login import current_user

    contact = db.session.get(Contact, contact_id)
    if contact is None or contact.is_deleted or not can_view_account(current_user, contact.account):
        abort(404)
    return contact


def task_or_404(task_id: int) -> Task:
    from flask_login import current_user

    task = db.session.get(Task, task_id)
    if task is None or not can_view_task(current_user, task):
        abort(404)
    return task


def register_views() -> None:
    # Importing a module registers its routes on the blueprint.
    from salesweb.customers.views import (  # noqa: F401
        accounts,
        contacts,
        exports,
        imports,
        interactions,
        orders,
        pool,
        tasks,
        workbench,
    )
