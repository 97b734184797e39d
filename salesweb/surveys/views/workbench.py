"""The surveys area's workbench panel (core.panels "home"): feedback cases still open."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import contains_eager

from salesweb.core import panels, setup_checks
from salesweb.core.security import access
from salesweb.surveys import bp, queries
from salesweb.surveys.models import FeedbackCase
from salesweb.surveys.permissions import CASE_WORKERS, can_see_open_cases

CASES_TITLE = _l("Open feedback cases")
# The case list's own view of what still needs work: open or contacted, the oldest first.
ACTIVE_OLDEST_FIRST = {"show": "active", "sort": "-opened", "q": ""}


@bp.get("/workbench/cases")
@access(*CASE_WORKERS)
def home_cases():
    stmt = queries.case_list_stmt(current_user, ACTIVE_OLDEST_FIRST)
    stmt = stmt.options(contains_eager(FeedbackCase.account))
    return panels.list_panel("surveys/home_cases.html", CASES_TITLE, stmt)


panels.register(
    panels.HOME,
    CASES_TITLE,
    lambda _: url_for("surveys.home_cases"),
    lambda user, _: can_see_open_cases(user),
    order=70,
)


def _no_survey() -> str | None:
    """The company's setup needs a survey that can be sent (the starters add templates)."""
    return None if queries.active_surveys() else _("Make a satisfaction survey ready to send.")


setup_checks.register("surveys", _no_survey, "surveys.survey_list", order=70)
