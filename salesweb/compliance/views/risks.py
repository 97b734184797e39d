"""The risk register: the list with its 5×5 heat map, create, page and edit."""

from __future__ import annotations

import unicodedata

from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from salesweb.auth.models import Role, User
from salesweb.auth.permissions import owner_filter
from salesweb.compliance import bp, services
from salesweb.compliance.forms import RiskForm
from salesweb.compliance.models import (
    LIVE_RISK,
    RISK_CATEGORIES,
    RISK_STATUS_LABELS,
    Contract,
    Risk,
)
from salesweb.compliance.permissions import (
    can_create_risk,
    can_edit_risk,
    can_view_contract,
    scope_risks,
)
from salesweb.compliance.views import risk_or_404
from salesweb.core.errors import DomainError, put_on_form
from salesweb.core.htmx import done, render_page
from salesweb.core.models import today
from salesweb.core.pagination import paginate, sort_choice
from salesweb.core.params import parse_id
from salesweb.core.security import SIGNED_IN, access
from salesweb.customers.models import Account
from salesweb.customers.permissions import can_view_account
from salesweb.extensions import db
from salesweb.pipeline.models import Deal
from salesweb.pipeline.permissions import can_view_deal

SORTS = {
    "-score": Risk.score.desc(),
    "score": Risk.score.asc(),
    "review": Risk.next_review_on.asc(),
    "-review": Risk.next_review_on.desc(),
    "title": Risk.title.asc(),
    "-title": Risk.title.desc(),
}


def _cell(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw in {"1", "2", "3", "4", "5"} else None


def _filtered(stmt):
    args = request.args
    q = unicodedata.normalize("NFKC", args.get("q", "").strip())[:100]
    if q:
        stmt = stmt.where(Risk.title.contains(q, autoescape=True))
    status = args.get("status", "live")
    if status in RISK_STATUS_LABELS:
        stmt = stmt.where(Risk.status == status)
    elif status == "live":
        stmt = stmt.where(Risk.status.in_(LIVE_RISK))
    if args.get("category") in RISK_CATEGORIES:
        stmt = stmt.where(Risk.category == args["category"])
    for name in ("account", "deal", "contract"):
        record_id = parse_id(args.get(name))
        if record_id:
            stmt = stmt.where(getattr(Risk, f"{name}_id") == record_id)
    if args.get("overdue") == "1":
        stmt = stmt.where(Risk.next_review_on < today(), Risk.status != "closed")
    return stmt


@bp.get("/risks")
@access(SIGNED_IN)
def risk_list():
    likelihood, impact = _cell("likelihood"), _cell("impact")
    base = _filtered(scope_risks(select(Risk), current_user))
    counts = {
        (row.likelihood, row.impact): row.n
        for row in db.session.execute(
            _filtered(
                scope_risks(
                    select(Risk.likelihood, Risk.impact, func.count().label("n")), current_user
                )
            ).group_by(Risk.likelihood, Risk.impact)
        )
    }
    stmt = base
    if likelihood:
        stmt = stmt.where(Risk.likelihood == likelihood)
    if impact:
        stmt = stmt.where(Risk.impact == impact)
    sort, order = sort_choice(SORTS, "-score")
    page = paginate(stmt.order_by(order, Risk.id.desc()))
    return render_page(
        "compliance/risk_list.html",
        block="results",
        page=page,
        counts=counts,
        likelihood=likelihood,
        impact=impact,
        sort=sort,
        today=today(),
        args=request.args,
    )


def _owner_choices() -> list[tuple[int, str]]:
    stmt = select(User.id, User.display_name).where(User.active.is_(True))
    if current_user.role not in (Role.ADMIN, Role.COMPLIANCE):
        stmt = stmt.where(owner_filter(current_user, User.id))
    return [(r.id, r.display_name) for r in db.session.execute(stmt.order_by(User.display_name))]


def _links(form: RiskForm) -> dict:
    """The linked records, each one the user may see; a hidden one is refused on its field."""
    links = {}
    for name, model, can_view in (
        ("account", Account, can_view_account),
        ("deal", Deal, can_view_deal),
        ("contract", Contract, can_view_contract),
    ):
        value = getattr(form, f"{name}_id").data
        if not value:
            continue
        obj = db.session.get(model, value)
        if obj is None or not can_view(current_user, obj):
            raise DomainError(_("No such record that you may see."), field=f"{name}_id")
        links[name] = obj
    return links


def _form(risk: Risk | None) -> RiskForm:
    form = RiskForm(obj=risk)
    form.owner_id.choices = _owner_choices()
    if risk is None and not form.is_submitted():
        form.owner_id.data = current_user.id
        for name in ("account", "deal", "contract"):
            record_id = parse_id(request.args.get(name))
            if record_id:
                getattr(form, f"{name}_id").data = record_id
    return form


@bp.route("/risks/new", methods=["GET", "POST"])
@access(SIGNED_IN)
def risk_create():
    if not can_create_risk(current_user):
        abort(403)
    form = _form(None)
    if form.validate_on_submit():
        try:
            owner = db.session.get(User, form.owner_id.data)
            risk = services.create_risk(current_user, form.data_dict(), owner, _links(form))
            db.session.commit()
            flash(_("Risk added to the register."), "success")
            return done("compliance.risk_detail", risk_id=risk.id)
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "compliance/risk_form.html", block="form", http_status=status, form=form, risk=None
    )


@bp.get("/risks/<int:risk_id>")
@access(SIGNED_IN)
def risk_detail(risk_id: int):
    risk = risk_or_404(risk_id)
    return render_page("compliance/risk_detail.html", risk=risk, today=today())


@bp.route("/risks/<int:risk_id>/edit", methods=["GET", "POST"])
@access(SIGNED_IN)
def risk_edit(risk_id: int):
    risk = risk_or_404(risk_id)
    if not can_edit_risk(current_user, risk):
        abort(403)
    form = _form(risk)
    if form.validate_on_submit():
        try:
            owner = db.session.get(User, form.owner_id.data)
            services.update_risk(
                current_user, risk, form.data_dict(), owner, _links(form), form.version.data
            )
            db.session.commit()
            flash(_("Risk saved."), "success")
            return done("compliance.risk_detail", risk_id=risk.id)
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "compliance/risk_form.html", block="form", http_status=status, form=form, risk=risk
    )
