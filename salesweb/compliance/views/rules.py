"""Compliance rules kept by compliance officers; credit pages of deals and accounts."""

from __future__ import annotations

from decimal import Decimal

from flask import abort, flash
from flask_babel import gettext as _
from flask_login import current_user

from salesweb.compliance import bp, credit, queries, rules, services
from salesweb.compliance.forms import CreditApprovalForm, RuleForm
from salesweb.compliance.models import Rule
from salesweb.compliance.permissions import CREDIT_APPROVERS, REVIEWERS, can_approve_credit
from salesweb.compliance.views import roll_back_refused
from salesweb.core.errors import DomainError
from salesweb.core.forms import form_status, saving
from salesweb.core.history import record_history
from salesweb.core.htmx import done, render_page, trigger
from salesweb.core.security import SIGNED_IN, access
from salesweb.customers.views import account_or_404
from salesweb.extensions import db
from salesweb.pipeline.views import deal_or_404


@bp.get("/rules")
@access(*REVIEWERS)
def rule_list():
    return render_page(
        "compliance/rule_list.html",
        rules=queries.rules(),
        kinds=rules.KINDS,
        describe=rules.describe_params,
    )


def _fill(form: RuleForm, rule: Rule) -> None:
    params = rule.params or {}
    if "limit" in params:
        form.limit.data = Decimal(str(params["limit"]))
    form.clauses.data = params.get("clauses", [])
    form.names.data = "\n".join(params.get("names", []))


def _shown_form(form: RuleForm, rule: Rule | None):
    history = record_history("compliance_rules", rule.id) if rule else []
    return render_page(
        "compliance/rule_form.html",
        block="form",
        http_status=form_status(form),
        form=form,
        rule=rule,
        history=history,
    )


@bp.route("/rules/new", methods=["GET", "POST"])
@access(*REVIEWERS)
def rule_create():
    form = RuleForm()
    if form.validate_on_submit():
        with saving(form):
            services.create_rule(current_user, form.data_dict())
            db.session.commit()
            flash(_("Rule added. It applies to submissions from now on."), "success")
            return done("compliance.rule_list")
    return _shown_form(form, None)


@bp.route("/rules/<int:rule_id>/edit", methods=["GET", "POST"])
@access(*REVIEWERS)
def rule_edit(rule_id: int):
    rule = db.session.get(Rule, rule_id) or abort(404)
    form = RuleForm(obj=rule)
    if not form.is_submitted():
        _fill(form, rule)
    if form.validate_on_submit():
        with saving(form):
            services.update_rule(current_user, rule, form.data_dict(), form.version.data)
            db.session.commit()
            flash(_("Rule saved."), "success")
            return done("compliance.rule_list")
    return _shown_form(form, rule)


@bp.get("/deals/<int:deal_id>/credit")
@access(SIGNED_IN)
def deal_credit(deal_id: int):
    deal = deal_or_404(deal_id)
    return render_page(
        "compliance/credit.html",
        deal=deal,
        account=deal.account,
        exposure=credit.exposure(deal.account) if deal.account else None,
        approvals=queries.stage_credit_approvals(deal),
        form=CreditApprovalForm(),
    )


@bp.post("/deals/<int:deal_id>/credit/approve")
@access(*CREDIT_APPROVERS)
def deal_credit_approve(deal_id: int):
    deal = deal_or_404(deal_id)
    if not can_approve_credit(current_user, deal):
        abort(403)
    form = CreditApprovalForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.approve_credit(current_user, deal, form.comment.data or "")
        db.session.commit()
    except DomainError as exc:
        roll_back_refused(deal, exc)
        abort(403)
    flash(_("Credit approved for this stage."), "success")
    return trigger(done("compliance.deal_credit", deal_id=deal.id), "creditApproved")


@bp.get("/accounts/<int:account_id>/credit")
@access(SIGNED_IN)
def account_credit(account_id: int):
    account = account_or_404(account_id)
    return render_page(
        "compliance/credit.html",
        deal=None,
        account=account,
        exposure=credit.exposure(account),
        approvals=[],
        form=None,
    )


@bp.get("/deals/<int:deal_id>/panel")
@access(SIGNED_IN)
def deal_panel(deal_id: int):
    """The deal page's contract, risks and credit panel (loaded into the deal page by htmx)."""
    deal = deal_or_404(deal_id)
    panel = queries.deal_panel(deal)
    return render_page("compliance/deal_panel.html", block="panel", deal=deal, panel=panel)
