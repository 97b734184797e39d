"""The compliance area's workbench panels (core.panels "home"): my contracts waiting on
someone, the review queue, overdue risk reviews and credit approvals."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from salesweb.compliance import bp, queries, services
from salesweb.compliance.permissions import (
    CONTRACT_OWNERS,
    CREDIT_WATCHERS,
    REVIEWERS,
    can_see_credit_approvals,
    can_see_my_contracts,
    is_reviewer,
)
from salesweb.core import panels, setup_checks
from salesweb.core.htmx import render_page
from salesweb.core.models import today, utcnow
from salesweb.core.security import access

MY_CONTRACTS_TITLE = _l("My contracts waiting")
QUEUE_TITLE = _l("Contracts to review")
RISKS_TITLE = _l("Risk reviews overdue")
CREDIT_TITLE = _l("Credit approvals waiting")


@bp.get("/workbench/my-contracts")
@access(*CONTRACT_OWNERS)
def home_my_contracts():
    return panels.list_panel(
        "compliance/home_my_contracts.html",
        MY_CONTRACTS_TITLE,
        queries.my_waiting_contracts(current_user),
    )


@bp.get("/workbench/review-queue")
@access(*REVIEWERS)
def home_review_queue():
    return panels.list_panel(
        "compliance/home_review_queue.html",
        QUEUE_TITLE,
        queries.review_queue(),
        now=utcnow(),
        sla=services.REVIEW_SLA,
    )


@bp.get("/workbench/overdue-risks")
@access(*REVIEWERS)
def home_overdue_risks():
    return panels.list_panel(
        "compliance/home_overdue_risks.html",
        RISKS_TITLE,
        queries.overdue_risk_reviews(current_user),
        today=today(),
    )


@bp.get("/workbench/credit")
@access(*CREDIT_WATCHERS)
def home_credit_approvals():
    deals = queries.credit_approvals_waiting(current_user)
    return render_page(
        "compliance/home_credit.html",
        block="panel",
        **panels.panel_context(CREDIT_TITLE),
        page=panels.rows_of(deals),
        now=utcnow(),
    )


def _register(title, endpoint: str, visible, order: int) -> None:
    panels.register(
        panels.HOME, title, lambda _: url_for(endpoint), lambda u, _: visible(u), order=order
    )


_register(QUEUE_TITLE, "compliance.home_review_queue", is_reviewer, 20)
_register(CREDIT_TITLE, "compliance.home_credit_approvals", can_see_credit_approvals, 34)
_register(RISKS_TITLE, "compliance.home_overdue_risks", is_reviewer, 36)
_register(MY_CONTRACTS_TITLE, "compliance.home_my_contracts", can_see_my_contracts, 55)


def _no_rule() -> str | None:
    """Contracts are checked against the active compliance rules (the starters add some)."""
    return None if any(r.active for r in queries.rules()) else _("Turn on compliance rules.")


setup_checks.register("rules", _no_rule, "compliance.rule_list", order=80)
