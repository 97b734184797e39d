"""The training area's workbench panel (core.panels "home"): my courses still to finish."""

from __future__ import annotations

from datetime import date

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from salesweb.core import panels
from salesweb.core.htmx import render_page
from salesweb.core.models import today
from salesweb.core.security import access
from salesweb.training import bp, queries, services
from salesweb.training.models import PROGRESS_LABELS, Progress
from salesweb.training.permissions import LEARNERS, can_see_training_due
from salesweb.training.views.people import PROGRESS_ORDER

TRAINING_TITLE = _l("My training due")


def _to_finish(person) -> list:
    """(course, cell) of the person's live courses not passed yet, what needs doing first."""
    cells = services.matrix([person.id], None, today())
    courses = {c.id: c for c in queries.live_courses_among(k[1] for k in cells)}
    rows = [
        (courses[k[1]], cell)
        for k, cell in cells.items()
        if k[1] in courses and cell.progress != Progress.PASSED
    ]
    rows.sort(key=lambda r: (PROGRESS_ORDER[r[1].progress], r[1].due_on or date.max, r[0].title))
    return rows


@bp.get("/workbench/due")
@access(*LEARNERS)
def home_training():
    return render_page(
        "training/home_training.html",
        block="panel",
        **panels.panel_context(TRAINING_TITLE),
        page=panels.rows_of(_to_finish(current_user)),
        labels=PROGRESS_LABELS,
    )


panels.register(
    panels.HOME,
    TRAINING_TITLE,
    lambda _: url_for("training.home_training"),
    lambda user, _: can_see_training_due(user),
    order=80,
)
