"""Targets: the list of a period, setting one, its page, changing, splitting and publishing it,
and the attainment page of the people and teams the user answers for."""

from __future__ import annotations

from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from salesweb.core.forms import form_status, saving
from salesweb.core.history import record_history
from salesweb.core.htmx import done, render_page, trigger
from salesweb.core.money import base_currency
from salesweb.core.security import access
from salesweb.extensions import db
from salesweb.goals import attainment, bp, queries
from salesweb.goals.forms.targets import (
    PublishForm,
    TargetCreateForm,
    TargetEditForm,
    split_form,
)
from salesweb.goals.models.target import MEASURE_LABELS, Measure, Target
from salesweb.goals.periods import period_from
from salesweb.goals.permissions import (
    GOAL_VIEWERS,
    TARGET_SETTERS,
    can_edit_target,
    can_view_target,
)
from salesweb.goals.services import targets as services


def target_or_404(target_id: int) -> Target:
    """A target the user may see: someone else's is 404, as if it did not exist."""
    target = db.get_or_404(Target, target_id)
    if not can_view_target(current_user, target):
        abort(404)
    return target


def editable_target(target_id: int) -> Target:
    """A target the user may change: 403 for one they may only look at."""
    target = target_or_404(target_id)
    if not can_edit_target(current_user, target):
        abort(403)
    return target


@bp.get("/")
@access(*GOAL_VIEWERS)
def target_list():
    period = period_from(request.args.get("period"))
    f = attainment.target_filters(request.args)
    page, rows = attainment.target_list(current_user, period, f)
    return render_page(
        "goals/target_list.html",
        block="results",
        base_currency=base_currency(),
        period=period,
        f=f,
        page=page,
        rows=rows,
        neighbours=attainment.neighbours(period),
        periods=attainment.period_choices(period),
    )


def _board():
    """The attainment board the query string asks for, and the details its measure offers."""
    period = period_from(request.args.get("period"))
    measure = request.args.get("measure", Measure.WON_AMOUNT)
    measure = measure if measure in MEASURE_LABELS else Measure.WON_AMOUNT
    details = attainment.measure_details(current_user, period, measure)
    detail = request.args.get("detail") if request.args.get("detail") in details else details[0]
    team = request.args.get("team", type=int)
    return attainment.attainment_board(current_user, period, measure, detail, team), details


@bp.get("/attainment")
@access(*GOAL_VIEWERS)
def attainment_page():
    board, details = _board()
    return render_page(
        "goals/attainment.html",
        block="results",
        base_currency=base_currency(),
        board=board,
        details=details,
        neighbours=attainment.neighbours(board.period),
        periods=attainment.period_choices(board.period),
    )


@bp.get("/attainment/charts")
@access(*GOAL_VIEWERS)
def attainment_charts():
    # Drawing takes longer than the numbers: the page loads the charts after itself.
    board, _details = _board()
    return render_page(
        "goals/attainment_charts.html",
        block="charts",
        board=board,
        bars=attainment.attainment_chart(board),
        trend=attainment.trend_chart(board),
    )


@bp.route("/targets/new", methods=["GET", "POST"])
@access(*TARGET_SETTERS)
def target_create():
    teams, people = attainment.settable_owners(current_user)
    form = TargetCreateForm(teams=teams, people=people, series=attainment.product_series())
    if not form.is_submitted():
        form.period_key.data = period_from(request.args.get("period")).key
    if form.validate_on_submit():
        with saving(form):
            target = services.create_target(current_user, **form.data_dict())
            db.session.commit()
            flash(_("Target saved as a draft."), "success")
            return done("goals.target_detail", target_id=target.id)
    return render_page(
        "goals/target_form.html", block="form", http_status=form_status(form), form=form
    )


def _detail(target: Target, publish_form: PublishForm, status: int = 200):
    kids = queries.children_of([target.id])[target.id]
    # One pass for the target and its parts: one actual query, one query for their parts.
    row, *child_rows = attainment.target_rows(current_user, [target, *kids])
    return render_page(
        "goals/target_detail.html",
        http_status=status,
        base_currency=base_currency(),
        target=target,
        row=row,
        child_rows=child_rows,
        revisions=queries.target_revisions(target.id),
        history=record_history("targets", target.id),
        publish_form=publish_form,
        dimensions=services.split_dimensions(target),
    )


@bp.get("/targets/<int:target_id>")
@access(*GOAL_VIEWERS)
def target_detail(target_id: int):
    target = target_or_404(target_id)
    return _detail(target, PublishForm(version=target.version))


@bp.route("/targets/<int:target_id>/edit", methods=["GET", "POST"])
@access(*TARGET_SETTERS)
def target_edit(target_id: int):
    target = editable_target(target_id)
    form = TargetEditForm(obj=target)
    if form.validate_on_submit():
        with saving(form):
            services.update_target(
                current_user,
                target,
                form.version.data,
                value=form.value.data,
                why=form.why.data,
                reason=form.reason.data,
            )
            db.session.commit()
            flash(_("Target saved."), "success")
            return done("goals.target_detail", target_id=target.id)
    return render_page(
        "goals/target_edit.html",
        block="form",
        http_status=form_status(form),
        form=form,
        target=target,
    )


@bp.route("/targets/<int:target_id>/split", methods=["GET", "POST"])
@access(*TARGET_SETTERS)
def target_split(target_id: int):
    target = editable_target(target_id)
    by = request.args.get("by", services.OWNERS)
    if by not in services.split_dimensions(target):
        abort(404)
    mode = request.args.get("mode", "hand")
    parts = services.suggest_split(target, by, mode)
    form = split_form(parts)
    if form.validate_on_submit():
        with saving(form):
            values = {p.key: form[services.part_field(p.key)].data for p in parts}
            services.save_split(current_user, target, by, values, form.reason.data)
            db.session.commit()
            flash(_("Split saved."), "success")
            return done("goals.target_detail", target_id=target.id)
    return render_page(
        "goals/target_split.html",
        block="form",
        base_currency=base_currency(),
        http_status=form_status(form),
        form=form,
        target=target,
        parts=parts,
        by=by,
        mode=mode,
        modes=services.MODES,
    )


@bp.post("/targets/<int:target_id>/publish")
@access(*TARGET_SETTERS)
def target_publish(target_id: int):
    target = editable_target(target_id)
    form = PublishForm()
    if form.validate_on_submit():
        with saving(form):
            published = services.publish_target(
                current_user,
                target,
                form.version.data,
                form.difference_intended.data,
                form.difference_note.data,
            )
            db.session.commit()
            flash(_("Published %(n)s targets.", n=len(published)), "success")
            return trigger(done("goals.target_detail", target_id=target.id), "targetPublished")
    return _detail(target, form, 422)
