"""The pipeline area's views, one module per subject, and the loaders they share."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from salesweb.customers.views import owner_choices
from salesweb.extensions import db
from salesweb.pipeline.models import Deal, Stage, StageStep
from salesweb.pipeline.permissions import can_filter_by_owner, can_view_deal


def deal_or_404(deal_id: int, *options) -> Deal:
    """The deal (loaded with `options`), or 404 when it does not exist or the user may not see it."""
    deal = db.session.get(Deal, deal_id, options=options)
    if deal is None or not can_view_deal(current_user, deal):
        abort(404)
    return deal


def step_or_404(deal: Deal, step_id: int) -> StageStep:
    """A checklist step of the deal's current stage, or 404."""
    step = db.session.get(StageStep, step_id)
    if step is None or step.stage_id != deal.stage_id:
        abort(404)
    return step


def stage_or_404(deal: Deal, stage_id: int | None) -> Stage:
    """A stage of the deal's own process version, or 404."""
    stage = db.session.get(Stage, stage_id or 0)
    if stage is None or stage.version_id != deal.process_version_id:
        abort(404)
    return stage


def filter_owners() -> list[tuple[int, str]]:
    """The people a deal list or the board may be filtered by (none for a rep)."""
    return owner_choices(current_user) if can_filter_by_owner(current_user) else []


def register_views() -> None:
    from salesweb.pipeline.views import (  # noqa: F401
        board,
        deal_actions,
        deals,
        exports,
        processes,
        products,
        quotes,
        rates,
        workbench,
    )
