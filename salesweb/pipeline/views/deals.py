"""Deals: the list, the deal page, creating and editing a deal, logging an interaction on it."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from salesweb.auth.models import User
from salesweb.core.errors import DomainError
from salesweb.core.forms import form_status, saving
from salesweb.core.history import record_history
from salesweb.core.htmx import render_page, see_other
from salesweb.core.money import base_currency
from salesweb.core.pagination import paginate_ids
from salesweb.core.params import parse_id
from salesweb.core.security import SIGNED_IN, access
from salesweb.customers.models import Account, Contact
from salesweb.customers.permissions import can_edit_account
from salesweb.customers.views import account_or_404, owner_choices
from salesweb.customers.views.interactions import interaction_form, interaction_from_form
from salesweb.extensions import db
from salesweb.pipeline import bp, gates, queries, services
from salesweb.pipeline.forms import (
    ApprovalForm,
    DealForecastForm,
    DealForm,
    MoveForm,
    ReopenForm,
    WinForm,
)
from salesweb.pipeline.models import Deal, DealStatus, ProcessVersion, SalesProcess, Stage
from salesweb.pipeline.permissions import WRITERS, can_create_deal, can_edit_deal
from salesweb.pipeline.services import quote_chain
from salesweb.pipeline.views import deal_or_404, filter_owners


@bp.get("/deals")
@access(SIGNED_IN)
def deal_list():
    # The page is chosen on ids (the owner index holds every filter and sort column), then only
    # that page's rows are loaded.
    page = paginate_ids(queries.deal_list_stmt(current_user, request.args), Deal)
    return render_page(
        "pipeline/deal_list.html",
        block="results",
        page=page,
        f=queries.deal_filters(request.args),
        owners=filter_owners(),
    )


# The deal page reads the stage's steps and criteria, the process version's stages, the contact
# and the lost reason: load them with the deal rather than one lazy query each. Of the account,
# the owner and the contact it shows names only: their own eager relationships (the account's
# owner, teams, managers) are left out, which keeps the statement small for PostgreSQL's planner.
PAGE_OPTIONS = (
    joinedload(Deal.stage).joinedload(Stage.steps),
    joinedload(Deal.stage).joinedload(Stage.criteria),
    joinedload(Deal.process_version).joinedload(ProcessVersion.process),
    joinedload(Deal.process_version).selectinload(ProcessVersion.stages),
    joinedload(Deal.account).lazyload(Account.owner),
    joinedload(Deal.owner).lazyload(User.team),
    joinedload(Deal.contact).lazyload(Contact.account),
    joinedload(Deal.lost_reason),
)


def page_context(deal: Deal, **shown: Any) -> dict[str, Any]:
    """Everything the deal page shows, each part one query; `shown` replaces parts (a refused
    form with its errors, the refusal itself)."""
    is_open = deal.status == DealStatus.OPEN
    wants_approval = deal.stage.approval_roles
    following = [s for s in deal.process_version.stages if s.position == deal.stage.position + 1]
    context = {
        "deal": deal,
        "base_currency": base_currency(),
        "done": gates.done_steps(deal),
        "missing": services.missing_to_leave(deal, [deal.stage]) if is_open else [],
        "next_stage": following[0] if following and is_open else None,
        "interactions": queries.deal_interactions(deal),
        "stage_history": queries.stage_history(deal),
        "history": record_history("deals", deal.id),
        "approvals": queries.deal_approvals(deal) if wants_approval else [],
        "quotes": queries.deal_quotes(deal),
        "move_form": MoveForm(deal),
        "win_form": WinForm(version=deal.version, closed_on=deal.expected_close),
        "reopen_form": ReopenForm(),
        "approval_form": ApprovalForm(),
        "forecast_form": DealForecastForm(
            forecast=deal.forecast_override or "", version=deal.version
        ),
        "wants_approval": wants_approval,
        "amount_question": quote_chain.amount_question(deal) if is_open else None,
    }
    return context | shown


@bp.get("/deals/<int:deal_id>")
@access(SIGNED_IN)
def deal_detail(deal_id: int):
    deal = deal_or_404(deal_id, *PAGE_OPTIONS)
    return render_page("pipeline/deal_detail.html", **page_context(deal))


# --- create and edit -------------------------------------------------------------------------


def deal_form(deal: Deal | None, account: Account | None) -> DealForm:
    """The deal form with its choices: the given account (or the user's accounts), its
    contacts, the people the deal may go to, the active processes."""
    form = DealForm(obj=deal)
    if account is not None:
        form.account_id.choices = [(account.id, account.name)]
    else:
        choose = [(0, _("— choose an account —"))]
        form.account_id.choices = choose + queries.account_choices(current_user)
    chosen = account or (deal.account if deal else None)
    contacts = chosen.contacts if chosen else []
    form.contact_id.choices = [(0, _("— no contact —"))] + [(c.id, c.name) for c in contacts]
    form.owner_id.choices = owner_choices(current_user)
    form.process_id.choices = [(p.id, p.name) for p in queries.active_processes()]
    if not form.is_submitted():
        form.account_id.data = chosen.id if chosen else 0
        form.contact_id.data = (deal.contact_id if deal else None) or (
            contacts[0].id if contacts else 0
        )
        form.owner_id.data = deal.owner_id if deal else current_user.id
        form.currency.data = deal.currency if deal else "CNY"
    return form


def _parties(form: DealForm, *, new: bool) -> dict[str, Any]:
    """The account and contact the form names (and for a new deal the owner and the process),
    loaded; an account the user may not work with is refused."""
    account = db.session.get(Account, form.account_id.data) if form.account_id.data else None
    if account is not None and not can_edit_account(current_user, account):
        raise DomainError(_("Choose one of your accounts."), field="account_id")
    contact = db.session.get(Contact, form.contact_id.data) if form.contact_id.data else None
    if not new:
        return {"account": account, "contact": contact}
    if account is None:
        raise DomainError(_("Choose the account this deal is with."), field="account_id")
    owner = db.session.get(User, form.owner_id.data) if form.owner_id.data else None
    process = db.session.get(SalesProcess, form.process_id.data) if form.process_id.data else None
    return {"account": account, "contact": contact, "owner": owner, "process": process}


@bp.route("/deals/new", methods=["GET", "POST"])
@access(*WRITERS)
def deal_create():
    if not can_create_deal(current_user):
        abort(403)
    account_id = parse_id(request.args.get("account_id"))
    account = account_or_404(account_id) if account_id else None
    form = deal_form(None, account)
    if form.validate_on_submit():
        with saving(form):
            parties = _parties(form, new=True)
            deal = services.create_deal(current_user, form.data_dict(), **parties)
            db.session.commit()
            flash(_("Deal %(title)s created.", title=deal.title), "success")
            return see_other("pipeline.deal_detail", deal_id=deal.id)
    return render_page(
        "pipeline/deal_form.html",
        block="form",
        http_status=form_status(form),
        form=form,
        deal=None,
        account=account,
    )


@bp.route("/deals/<int:deal_id>/edit", methods=["GET", "POST"])
@access(*WRITERS)
def deal_edit(deal_id: int):
    deal = deal_or_404(deal_id)
    if not can_edit_deal(current_user, deal):
        abort(403)
    form = deal_form(deal, deal.account)
    if form.validate_on_submit():
        with saving(form):
            parties = _parties(form, new=False)
            services.update_deal(current_user, deal, form.data_dict(), form.version.data, **parties)
            db.session.commit()
            flash(_("Changes saved."), "success")
            return see_other("pipeline.deal_detail", deal_id=deal.id)
    return render_page(
        "pipeline/deal_form.html",
        block="form",
        http_status=form_status(form),
        form=form,
        deal=deal,
        account=deal.account,
    )


@bp.route("/deals/<int:deal_id>/interactions/new", methods=["GET", "POST"])
@access(*WRITERS)
def deal_interaction_create(deal_id: int):
    """Log an interaction with the deal's account, linked to the deal."""
    deal = deal_or_404(deal_id)
    if deal.account is None or not can_edit_deal(current_user, deal):
        abort(403)
    form = interaction_form(deal.account)
    if form.validate_on_submit():
        with saving(form):
            services.link_interaction(deal, interaction_from_form(form, deal.account))
            db.session.commit()
            flash(_("Interaction logged."), "success")
            return see_other("pipeline.deal_detail", deal_id=deal.id)
    return render_page(
        "customers/interaction_form.html",
        block="form",
        http_status=form_status(form),
        form=form,
        account=deal.account,
        action=url_for("pipeline.deal_interaction_create", deal_id=deal.id),
    )
