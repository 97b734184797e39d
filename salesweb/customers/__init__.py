"""Accounts, contacts, interactions, follow-up tasks, the public pool, orders, import and export."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("customers", __name__, url_prefix="/customers")

from salesweb.core.navigation import Entry, Group, register  # noqa: E402
from salesweb.core.shell import register_globals  # noqa: E402
from salesweb.customers import cli, events, jobs, seed  # noqa: E402,F401
from salesweb.customers.models import (  # noqa: E402
    ACCOUNT_TYPE_LABELS,
    INTERACTION_KIND_LABELS,
    PRIORITY_LABELS,
)
from salesweb.customers.permissions import TEMPLATE_PERMISSIONS, can_view_pool  # noqa: E402
from salesweb.customers.timeline import event_label  # noqa: E402

register_globals(
    bp,
    account_type_labels=ACCOUNT_TYPE_LABELS,
    interaction_kind_labels=INTERACTION_KIND_LABELS,
    priority_labels=PRIORITY_LABELS,
    event_label=event_label,
    **TEMPLATE_PERMISSIONS,
)
from salesweb.customers.views import register_views  # noqa: E402

MENU = Group("customers", _l("Customers"), 10)
register(
    bp,
    Entry(_l("Accounts"), "customers.account_list", 10, MENU, current=("customers.account",)),
    Entry(_l("Contacts"), "customers.contact_list", 20, MENU, current=("customers.contact",)),
    Entry(_l("My tasks"), "customers.task_list", 30, MENU, current=("customers.task",)),
    Entry(_l("Public pool"), "customers.pool_list", 40, MENU, can_view_pool),
)

register_views()
