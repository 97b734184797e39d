"""Goals area: targets by period that decompose and reconcile, live attainment, forecasts.

It reads customers and pipeline; nothing below it imports it (DESIGN.md, Layers).
"""

from flask import Blueprint

bp = Blueprint("goals", __name__, url_prefix="/goals")

# --- targets and attainment (h1): menu entry, template permissions, workbench panels ---------
from flask import url_for  # noqa: E402
from flask_babel import lazy_gettext as _l  # noqa: E402

from salesweb.core import panels  # noqa: E402
from salesweb.core.navigation import Entry, Group, register  # noqa: E402
from salesweb.core.shell import register_globals  # noqa: E402
from salesweb.goals import importers, models, seed, views  # noqa: E402,F401
from salesweb.goals.attainment import drill_args  # noqa: E402
from salesweb.goals.models.target import (  # noqa: E402
    LEVEL_LABELS,
    MEASURE_LABELS,
    TARGET_STATUS_LABELS,
)
from salesweb.goals.permissions import (  # noqa: E402
    TEMPLATE_PERMISSIONS as TARGET_PERMISSIONS,
)
from salesweb.goals.permissions import can_set_targets, can_view_goals, sees_all_goals  # noqa: E402
from salesweb.goals.services.targets import (  # noqa: E402
    SPLIT_DIMENSION_LABELS,
    SPLIT_MODE_LABELS,
    part_field,
)

GOALS_MENU = Group("goals", _l("Goals"), 25)
register_globals(
    bp,
    drill_args=drill_args,
    part_field=part_field,
    split_mode_labels=SPLIT_MODE_LABELS,
    split_dimension_labels=SPLIT_DIMENSION_LABELS,
    measure_labels=MEASURE_LABELS,
    level_labels=LEVEL_LABELS,
    target_status_labels=TARGET_STATUS_LABELS,
    **TARGET_PERMISSIONS,
)
register(
    bp,
    Entry(_l("Targets"), "goals.target_list", 10, GOALS_MENU, can_view_goals, ("goals.target",)),
    Entry(_l("Attainment"), "goals.attainment_page", 20, GOALS_MENU, can_view_goals),
)
panels.register(
    "home",
    _l("My targets"),
    lambda _record: url_for("goals.panel_mine"),
    lambda user, _record: can_view_goals(user) and not sees_all_goals(user),
)
panels.register(
    "home",
    _l("Team attainment"),
    lambda _record: url_for("goals.panel_team"),
    lambda user, _record: can_set_targets(user),
)
