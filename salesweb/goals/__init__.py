"""Goals area: targets by period that decompose and reconcile, live attainment, forecasts.

It reads customers and pipeline; nothing below it imports it (DESIGN.md, Layers).
"""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from salesweb.core.navigation import Group

bp = Blueprint("goals", __name__, url_prefix="/goals")
MENU = Group("goals", _l("Goals"), 25)  # targets, attainment and forecasts

import salesweb.goals.forecast_shell  # noqa: E402,F401  (h2: forecasts)
from salesweb.goals import models, views  # noqa: E402,F401


def _set_up_targets() -> None:
    """Targets and attainment (h1): the targets import and demo targets, the menu entries, the
    template permissions and labels, and the workbench panels."""
    from flask import url_for
    from flask_babel import lazy_gettext as _l

    from salesweb.core import panels
    from salesweb.core.navigation import Entry, register
    from salesweb.core.shell import register_globals
    from salesweb.goals import importers, seed  # noqa: F401 - they register themselves
    from salesweb.goals.attainment import drill_args
    from salesweb.goals.models.target import LEVEL_LABELS, MEASURE_LABELS, TARGET_STATUS_LABELS
    from salesweb.goals.permissions import TEMPLATE_PERMISSIONS as TARGET_PERMISSIONS
    from salesweb.goals.permissions import can_set_targets, can_view_goals, sees_all_goals
    from salesweb.goals.services.targets import (
        SPLIT_DIMENSION_LABELS,
        SPLIT_MODE_LABELS,
        part_field,
    )

    menu = MENU
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
        Entry(_l("Targets"), "goals.target_list", 10, menu, can_view_goals, ("goals.target",)),
        Entry(_l("Attainment"), "goals.attainment_page", 20, menu, can_view_goals),
    )
    panels.register(
        "home",
        _l("My targets"),
        lambda _record: url_for("goals.panel_mine"),
        lambda user, _record: can_view_goals(user) and not sees_all_goals(user),
        order=1,
    )
    panels.register(
        "home",
        _l("Team attainment"),
        lambda _record: url_for("goals.panel_team"),
        lambda user, _record: can_set_targets(user),
        order=2,
    )


_set_up_targets()
