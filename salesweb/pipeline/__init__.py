"""Sales processes and stages with enforced exit criteria, deals and the board, products,
quotes with approval and PDF, exchange rates, winning and losing."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("pipeline", __name__, url_prefix="/pipeline")

from salesweb.auth import ADMIN_MENU  # noqa: E402
from salesweb.core.navigation import Entry, Group, register  # noqa: E402
from salesweb.core.shell import register_globals  # noqa: E402
from salesweb.pipeline import cli, events, gates, importers, seed  # noqa: E402,F401
from salesweb.pipeline.models import (  # noqa: E402
    DEAL_STATUS_LABELS,
    FORECAST_LABELS,
    QUOTE_STATUS_LABELS,
    VIA_LABELS,
)
from salesweb.pipeline.permissions import (  # noqa: E402
    TEMPLATE_PERMISSIONS,
    can_approve_quotes,
    can_manage_processes,
    can_manage_products,
    can_manage_rates,
)
from salesweb.pipeline.views import register_views  # noqa: E402

register_globals(
    bp,
    deal_status_labels=DEAL_STATUS_LABELS,
    quote_status_labels=QUOTE_STATUS_LABELS,
    via_labels=VIA_LABELS,
    forecast_labels=FORECAST_LABELS,
    **TEMPLATE_PERMISSIONS,
)

MENU = Group("sales", _l("Sales"), 20)
register(
    bp,
    Entry(_l("Deals"), "pipeline.board", 10, MENU, current=("pipeline.deal", "pipeline.board")),
    Entry(_l("Quote approvals"), "pipeline.quote_approval_queue", 20, MENU, can_approve_quotes),
    Entry(
        _l("Products"),
        "pipeline.product_list",
        30,
        MENU,
        can_manage_products,
        ("pipeline.product",),
    ),
    Entry(
        _l("Processes"),
        "pipeline.process_list",
        30,
        ADMIN_MENU,
        can_manage_processes,
        ("pipeline.process", "pipeline.stage_edit"),
    ),
    Entry(_l("Rates"), "pipeline.rate_list", 40, ADMIN_MENU, can_manage_rates, ("pipeline.rate",)),
)

register_views()
