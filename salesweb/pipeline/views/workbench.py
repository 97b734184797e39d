"""The pipeline's workbench panels (core.panels "home"): deals past their stage's time limit,
quotes waiting for a decision (mine, or mine to take), stage approvals, the team's losses."""

from __future__ import annotations

from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from salesweb.core import panels, setup_checks
from salesweb.core.htmx import render_page
from salesweb.core.models import today, utcnow
from salesweb.core.money import base_currency
from salesweb.core.security import access
from salesweb.pipeline import bp, queries, services
from salesweb.pipeline.permissions import (
    DEAL_OWNERS,
    QUOTE_APPROVERS,
    STAGE_GATEKEEPERS,
    TEAM_LEADERS,
    can_approve_quotes,
    can_see_own_quotes_waiting,
    can_see_stage_approvals,
    can_see_stuck_deals,
    can_see_team_losses,
    stage_approval_roles,
)

LOSS_DAYS = 30
STUCK_TITLE = _l("Deals past their time limit")
MY_QUOTES_TITLE = _l("My quotes awaiting approval")
QUOTE_APPROVALS_TITLE = _l("Quotes to approve")
STAGE_APPROVALS_TITLE = _l("Stage approvals waiting")
LOSSES_TITLE = _l("Why the team lost deals")


@bp.get("/workbench/stuck-deals")
@access(*DEAL_OWNERS)
def home_stuck_deals():
    now = utcnow()
    return panels.list_panel(
        "pipeline/home_stuck_deals.html",
        STUCK_TITLE,
        queries.past_sla_stmt(current_user, now),
        now=now,
    )


@bp.get("/workbench/my-quotes")
@access(*DEAL_OWNERS)
def home_my_quotes():
    return panels.list_panel(
        "pipeline/home_my_quotes.html",
        MY_QUOTES_TITLE,
        queries.my_pending_quotes_stmt(current_user),
    )


@bp.get("/workbench/quote-approvals")
@access(*QUOTE_APPROVERS)
def home_quote_approvals():
    return panels.list_panel(
        "pipeline/home_quote_approvals.html",
        QUOTE_APPROVALS_TITLE,
        queries.approval_queue_stmt(current_user),
    )


@bp.get("/workbench/stage-approvals")
@access(*STAGE_GATEKEEPERS)
def home_stage_approvals():
    stmt = queries.stage_approvals_stmt(current_user, stage_approval_roles(current_user))
    return panels.list_panel(
        "pipeline/home_stage_approvals.html", STAGE_APPROVALS_TITLE, stmt, now=utcnow()
    )


@bp.get("/workbench/losses")
@access(*TEAM_LEADERS)
def home_losses():
    rows = queries.lost_reason_counts(current_user, today() - timedelta(days=LOSS_DAYS))
    return render_page(
        "pipeline/home_losses.html",
        block="panel",
        **panels.panel_context(LOSSES_TITLE),
        rows=rows,
        days=LOSS_DAYS,
        currency=base_currency(),
    )


def _register(title, endpoint: str, visible, order: int) -> None:
    panels.register(
        panels.HOME, title, lambda _: url_for(endpoint), lambda u, _: visible(u), order=order
    )


_register(QUOTE_APPROVALS_TITLE, "pipeline.home_quote_approvals", can_approve_quotes, 30)
_register(STAGE_APPROVALS_TITLE, "pipeline.home_stage_approvals", can_see_stage_approvals, 32)
_register(STUCK_TITLE, "pipeline.home_stuck_deals", can_see_stuck_deals, 40)
_register(MY_QUOTES_TITLE, "pipeline.home_my_quotes", can_see_own_quotes_waiting, 50)
_register(LOSSES_TITLE, "pipeline.home_losses", can_see_team_losses, 60)


# What the company must set up for the pipeline to work (the administrator's setup panel).


def _no_process() -> str | None:
    return None if services.default_process() else _("Choose a default sales process.")


def _no_product() -> str | None:
    return None if queries.active_product_count() else _("Add the products you sell.")


def _rates_missing() -> str | None:
    missing = queries.currencies_without_rate(base_currency())
    if not missing:
        return None
    return _("Add exchange rates for %(currencies)s.", currencies=", ".join(missing))


setup_checks.register("process", _no_process, "pipeline.process_list", order=40)
setup_checks.register("products", _no_product, "pipeline.product_create", order=50)
setup_checks.register("rates", _rates_missing, "pipeline.rate_list", order=60)
