"""What the forecasts add to the shell: template permissions and labels, the menu entries,
the workbench panels (registered at import, from the goals blueprint's package)."""

from flask import url_for
from flask_babel import lazy_gettext as _l

from salesweb.core import panels
from salesweb.core.navigation import Entry
from salesweb.core.navigation import register as register_entries
from salesweb.core.shell import register_globals
from salesweb.goals import MENU, bp, seed_forecast  # noqa: F401  (the demo registers itself)
from salesweb.goals.models.forecast import SUBMISSION_KIND_LABELS, format_accuracy
from salesweb.goals.permissions import (
    FORECAST_TEMPLATE_PERMISSIONS,
    can_review_forecasts,
    can_submit_forecast,
    can_view_company_forecast,
)

register_globals(
    bp,
    submission_kind_labels=SUBMISSION_KIND_LABELS,
    format_accuracy=format_accuracy,
    **FORECAST_TEMPLATE_PERMISSIONS,
)
register_entries(
    bp,
    Entry(
        _l("Forecast"),
        "goals.forecast_mine",
        30,
        MENU,
        lambda user: can_submit_forecast(user, user),
        ("goals.forecast",),
    ),
    Entry(
        _l("Company forecast"),
        "goals.forecast_company",
        31,
        MENU,
        can_view_company_forecast,
        ("goals.forecast",),
    ),
)
panels.register(
    "home",
    _l("Forecast to review"),
    lambda _record: url_for("goals.forecast_panel_review"),
    lambda user, _record: can_review_forecasts(user) and not can_view_company_forecast(user),
    order=25,
)
panels.register(
    "home",
    _l("My forecast"),
    lambda _record: url_for("goals.forecast_panel_mine"),
    lambda user, _record: can_submit_forecast(user, user) and not can_review_forecasts(user),
    order=25,
)
