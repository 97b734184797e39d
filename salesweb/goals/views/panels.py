"""Workbench panels (core.panels, page "home"): my targets; the team's attainment by person."""

from __future__ import annotations

from flask_login import current_user

from salesweb.core.htmx import render_page
from salesweb.core.money import base_currency
from salesweb.core.security import access
from salesweb.goals import attainment, bp
from salesweb.goals.models.target import Measure
from salesweb.goals.periods import current_period
from salesweb.goals.permissions import GOAL_VIEWERS, TARGET_SETTERS

PANEL_LINES = 5


@bp.get("/panels/mine")
@access(*GOAL_VIEWERS)
def panel_mine():
    rows = attainment.my_targets(current_user)
    return render_page(
        "goals/panel_mine.html",
        block="panel",
        rows=rows[:PANEL_LINES],
        base_currency=base_currency(),
    )


@bp.get("/panels/team")
@access(*TARGET_SETTERS)
def panel_team():
    period = current_period()
    board = attainment.attainment_board(current_user, period, Measure.WON_AMOUNT, "")
    behind_first = sorted(board.people, key=lambda r: r.attainment.percent or 0)
    return render_page(
        "goals/panel_team.html",
        block="panel",
        base_currency=base_currency(),
        board=board,
        rows=behind_first[:PANEL_LINES],
        more=max(len(board.people) - PANEL_LINES, 0),
    )
