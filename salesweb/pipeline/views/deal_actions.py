"""What is done to a deal from its page or the board: move, win, lose, reopen, tick checklist
steps, approve its stage. A refusal comes back under the board's card (htmx) or on the deal page,
with everything still missing."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from salesweb.core.errors import DomainError
from salesweb.core.forms import form_status, saving
from salesweb.core.htmx import render_page, see_other, trigger
from salesweb.core.params import parse_id
from salesweb.core.security import SIGNED_IN, access
from salesweb.extensions import db, htmx
from salesweb.pipeline import bp, services
from salesweb.pipeline.forms import (
    ApprovalForm,
    DealForecastForm,
    LoseForm,
    MoveForm,
    ReopenForm,
    StepForm,
    WinForm,
)
from salesweb.pipeline.models import Deal, DealStatus
from salesweb.pipeline.permissions import (
    STAGE_APPROVERS,
    WRITERS,
    can_approve_stage,
    can_edit_deal,
    can_move_deal,
    can_set_forecast,
    can_tick_steps,
)
from salesweb.pipeline.views import deal_or_404, stage_or_404, step_or_404
from salesweb.pipeline.views.deals import PAGE_OPTIONS, page_context


def _refused(deal: Deal, exc: DomainError, **shown: Any):
    """A refused action, rolled back: the reasons as a fragment under the board's card (htmx),
    or on the deal page with the refused form (`shown`) as it was sent."""
    db.session.rollback()
    deal = db.session.get(Deal, deal.id)
    missing = getattr(exc, "missing", [])
    if htmx:
        response = render_page(
            "pipeline/_move_refused.html",
            http_status=422,
            deal=deal,
            message=exc.message,
            missing=missing,
        )
        return trigger(response, "dealMoveRefused")
    context = page_context(
        deal,
        refusal=exc.message,
        refusal_missing=missing,
        refusal_target=getattr(exc, "target", None),
        **shown,
    )
    return render_page("pipeline/deal_detail.html", http_status=422, **context)


def _moved(deal: Deal, event: str):
    """The deal after a move: its new place as a fragment with the event (htmx), or its page."""
    if htmx:
        return trigger(render_page("pipeline/_move_done.html", deal=deal), event)
    return see_other("pipeline.deal_detail", deal_id=deal.id)


@bp.post("/deals/<int:deal_id>/move")
@access(*WRITERS)
def deal_move(deal_id: int):
    deal = deal_or_404(deal_id)
    if not can_move_deal(current_user, deal):
        abort(403)
    form = MoveForm(deal)
    try:
        target = form.target()
        services.move_deal(
            current_user,
            deal,
            target,
            via=form.via.data,
            reason=form.reason.data or "",
            version=form.version.data,
        )
        db.session.commit()
    except DomainError as exc:
        return _refused(deal, exc, move_form=form)
    flash(_("Moved to “%(stage)s”.", stage=target.name), "success")
    return _moved(deal, "dealMoved")


@bp.post("/deals/<int:deal_id>/win")
@access(*WRITERS)
def deal_win(deal_id: int):
    deal = deal_or_404(deal_id)
    if not can_move_deal(current_user, deal):
        abort(403)
    form = WinForm()
    try:
        if not form.validate_on_submit():
            raise DomainError(_("Give the close date."))
        services.win_deal(current_user, deal, **form.win_args())
        db.session.commit()
    except DomainError as exc:
        return _refused(deal, exc, win_form=form)
    flash(_("Won! The deal moved to after-sales and an order was added to the account."), "success")
    return _moved(deal, "dealWon")


def _lose_page(deal: Deal, form: LoseForm):
    """The confirmation that names the deal: a page of its own, or a panel on the deal page."""
    return render_page(
        "pipeline/deal_lose.html",
        block="confirm",
        http_status=form_status(form),
        deal=deal,
        form=form,
    )


@bp.get("/deals/<int:deal_id>/lose")
@access(*WRITERS)
def deal_lose_confirm(deal_id: int):
    deal = deal_or_404(deal_id)
    if not can_move_deal(current_user, deal):
        abort(403)
    return _lose_page(deal, LoseForm(services.lost_reasons(), version=deal.version))


@bp.post("/deals/<int:deal_id>/lose")
@access(*WRITERS)
def deal_lose(deal_id: int):
    deal = deal_or_404(deal_id)
    if not can_move_deal(current_user, deal):
        abort(403)
    form = LoseForm(services.lost_reasons(), version=deal.version)
    if form.validate_on_submit():
        with saving(form):
            note, version = form.lost_note.data or "", form.version.data
            services.lose_deal(current_user, deal, form.reason, note, version=version)
            db.session.commit()
            flash(_("The deal is marked lost."), "success")
            return _moved(deal, "dealLost")
    return _lose_page(deal, form)


@bp.post("/deals/<int:deal_id>/reopen")
@access(*WRITERS)
def deal_reopen(deal_id: int):
    deal = deal_or_404(deal_id)
    if not can_edit_deal(current_user, deal):
        abort(403)
    form = ReopenForm()
    try:
        if not form.validate_on_submit():
            raise DomainError(_("Say why the deal is reopened."), field="reason")
        services.reopen_deal(current_user, deal, form.reason.data)
        db.session.commit()
    except DomainError as exc:
        return _refused(deal, exc, reopen_form=form)
    flash(_("The deal is open again."), "success")
    return _moved(deal, "dealReopened")


@bp.post("/deals/<int:deal_id>/forecast")
@access(*WRITERS)
def deal_forecast(deal_id: int):
    """Choose the deal's forecast category (or go back to its probability's)."""
    deal = deal_or_404(deal_id)
    if not can_set_forecast(current_user, deal):
        abort(403)
    form = DealForecastForm()
    if form.validate_on_submit():
        with saving(form):
            services.set_deal_forecast(current_user, deal, form.forecast.data, form.version.data)
            db.session.commit()
            flash(_("Forecast category saved."), "success")
            if not htmx:
                return see_other("pipeline.deal_detail", deal_id=deal.id, _anchor="deal-forecast")
            page = render_page("pipeline/deal_detail.html", block="forecast", **page_context(deal))
            return trigger(page, "dealForecastChanged")
    status = form_status(form)
    context = page_context(deal, forecast_form=form)
    return render_page("pipeline/deal_detail.html", block="forecast", http_status=status, **context)


@bp.post("/deals/<int:deal_id>/steps/<int:step_id>")
@access(*WRITERS)
def deal_step_toggle(deal_id: int, step_id: int):
    deal = deal_or_404(deal_id)
    if not can_tick_steps(current_user, deal):
        abort(403)
    step = step_or_404(deal, step_id)
    form = StepForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_step(current_user, deal, step, form.done.data)
    db.session.commit()
    if htmx:
        checklist = render_page(
            "pipeline/deal_detail.html", block="checklist", **page_context(deal)
        )
        return trigger(checklist, "checklistChanged")
    return see_other("pipeline.deal_detail", deal_id=deal.id, _anchor="checklist")


@bp.get("/deals/<int:deal_id>/refusal")
@access(SIGNED_IN)
def deal_refusal(deal_id: int):
    """The refused move's banner again, from the deal as it is now (after a checklist change)."""
    deal = deal_or_404(deal_id, *PAGE_OPTIONS)
    if not htmx:
        return see_other("pipeline.deal_detail", deal_id=deal.id)
    target = stage_or_404(deal, parse_id(request.args.get("stage_id")))
    missing = services.missing_to_reach(deal, target) if deal.status == DealStatus.OPEN else []
    return render_page(
        "pipeline/_move_banner.html",
        deal=deal,
        refusal=_("“%(stage)s” cannot be left yet.", stage=deal.stage.name),
        refusal_missing=missing,
        refusal_target=target,
    )


@bp.post("/deals/<int:deal_id>/approve")
@access(*STAGE_APPROVERS)
def deal_approve(deal_id: int):
    deal = deal_or_404(deal_id)
    if not can_approve_stage(current_user, deal):
        abort(403)
    form = ApprovalForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.approve_stage(current_user, deal, form.comment.data or "")
        db.session.commit()
    except DomainError as exc:
        return _refused(deal, exc)
    flash(_("Approval recorded."), "success")
    return see_other("pipeline.deal_detail", deal_id=deal.id, _anchor="approvals")
