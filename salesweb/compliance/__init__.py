"""Contracts under compliance review, the rules they are checked against, and the risk register."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("compliance", __name__, url_prefix="/compliance")

from salesweb.compliance import events, seed  # noqa: E402,F401
from salesweb.compliance.permissions import can_manage_rules, can_view_dashboard, is_reviewer  # noqa: E402
from salesweb.compliance.views import register_views, template_globals  # noqa: E402
from salesweb.core.navigation import Entry, Group, register  # noqa: E402
from salesweb.core.shell import register_globals  # noqa: E402

register_globals(bp, **template_globals())

MENU = Group("compliance", _l("Compliance"), 30)
register(
    bp,
    Entry(_l("Contracts"), "compliance.contract_list", 10, MENU, current=("compliance.contract",)),
    Entry(
        _l("Review queue"), "compliance.review_queue", 20, MENU, is_reviewer, ("compliance.review",)
    ),
    Entry(_l("Compliance dashboard"), "compliance.dashboard", 30, MENU, can_view_dashboard),
    Entry(_l("Rules"), "compliance.rule_list", 40, MENU, can_manage_rules, ("compliance.rule",)),
    Entry(_l("Risk register"), "compliance.risk_list", 50, MENU, current=("compliance.risk",)),
)

register_views()
