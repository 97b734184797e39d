"""The risk register: the list with its 5×5 heat map, create, page and edit."""

from __future__ import annotations

from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from salesweb.auth.models import User
from salesweb.compliance import bp, queries, services
from salesweb.compliance.forms import RiskForm
from salesweb.compliance.models import Contract, Risk
from salesweb.compliance.permissions import can_create_risk, can_edit_risk, can_view_contract
from salesweb.compliance.views import risk_or_404
from salesweb.core.errors import DomainError
from salesweb.core.forms import form_status, saving
from salesweb.core.history import record_history
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


@bp.get("/risks")
@access(SIGNED_IN)
def risk_list():
    likelihood, impact = queries.risk_cell(request.args)
    sort, order = sort_choice(queries.RISK_SORTS, "-score")
    stmt = queries.risks(current_user, request.args).order_by(order, Risk.id.desc())
    return render_page(
        "compliance/risk_list.html",
        block="results",
        page=paginate(stmt),
        counts=queries.risk_heat_map(current_user, request.args),
        likelihood=likelihood,
        impact=impact,
        sort=sort,
        today=today(),
        args=request.args,
    )


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
    form.owner_id.choices = queries.risk_owner_choices(current_user)
    if risk is None and not form.is_submitted():
        form.owner_id.data = current_user.id
        for name in queries.RISK_LINKS:
            record_id = parse_id(request.args.get(name))
            if record_id:
                getattr(form, f"{name}_id").data = record_id
    return form


def _shown_form(form: RiskForm, risk: Risk | None):
    return render_page(
        "compliance/risk_form.html",
        block="form",
        http_status=form_status(form),
        form=form,
        risk=risk,
    )


@bp.route("/risks/new", methods=["GET", "POST"])
@access(SIGNED_IN)
def risk_create():
    if not can_create_risk(current_user):
        abort(403)
    form = _form(None)
    if form.validate_on_submit():
        with saving(form):
            owner = db.session.get(User, form.owner_id.data)
            risk = services.create_risk(current_user, form.data_dict(), owner, _links(form))
            db.session.commit()
            flash(_("Risk added to the register."), "success")
            return done("compliance.risk_detail", risk_id=risk.id)
    return _shown_form(form, None)


@bp.get("/risks/<int:risk_id>")
@access(SIGNED_IN)
def risk_detail(risk_id: int):
    risk = risk_or_404(risk_id)
    history = record_history("risks", risk.id)
    return render_page("compliance/risk_detail.html", risk=risk, today=today(), history=history)


@bp.route("/risks/<int:risk_id>/edit", methods=["GET", "POST"])
@access(SIGNED_IN)
def risk_edit(risk_id: int):
    risk = risk_or_404(risk_id)
    if not can_edit_risk(current_user, risk):
        abort(403)
    form = _form(risk)
    if form.validate_on_submit():
        with saving(form):
            owner = db.session.get(User, form.owner_id.data)
            links, version = _links(form), form.version.data
            services.update_risk(current_user, risk, form.data_dict(), owner, links, version)
            db.session.commit()
            flash(_("Risk saved."), "success")
            return done("compliance.risk_detail", risk_id=risk.id)
    return _shown_form(form, risk)
