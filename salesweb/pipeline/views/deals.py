"""Deals: list, page, create, edit, move, checklist, approval, win, lose and reopen."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload

from salesweb.auth.models import Role, User
from salesweb.core.errors import DomainError, put_on_form
from salesweb.core.htmx import render_page, trigger
from salesweb.core.pagination import paginate_ids
from salesweb.core.params import parse_id, parse_int
from salesweb.core.security import SIGNED_IN, access
from salesweb.customers.models import Account, Contact, Interaction
from salesweb.customers.permissions import can_edit_account, scope_accounts
from salesweb.customers.views import account_or_404, owner_choices
from salesweb.extensions import db, htmx
from salesweb.pipeline import bp, services
from salesweb.pipeline.forms import ApprovalForm, DealForm, LoseForm, MoveForm, ReopenForm, WinForm
from salesweb.pipeline.models import (
    Deal,
    DealApproval,
    DealInteraction,
    DealStatus,
    ProcessVersion,
    Quote,
    SalesProcess,
    Stage,
    StageHistory,
    StageKind,
    StageStep,
)
from salesweb.pipeline.permissions import can_create_deal, can_edit_deal, can_move_deal
from salesweb.pipeline.queries import deal_filters, deal_list_stmt
from salesweb.pipeline.views import deal_or_404

WRITERS = ("admin", "manager", "rep")


@bp.get("/deals")
@access(SIGNED_IN)
def deal_list():
    # The page is chosen on ids (the owner index holds every filter and sort column), then only
    # that page's rows are loaded.
    page = paginate_ids(deal_list_stmt(current_user, request.args), Deal)
    owners = owner_choices(current_user) if current_user.role != Role.REP else []
    return render_page(
        "pipeline/deal_list.html",
        block="results",
        page=page,
        f=deal_filters(request.args),
        owners=owners,
    )


def move_form(deal: Deal) -> MoveForm:
    form = MoveForm(version=deal.version)
    others = [
        s for s in deal.process_version.stages if s.kind == StageKind.OPEN and s.id != deal.stage_id
    ]
    form.stage_id.choices = [(s.id, s.name) for s in others]
    ahead = [s for s in others if s.position > deal.stage.position]
    if not form.stage_id.raw_data:
        # Offer the way forward: the move pressed as offered must never be a move back.
        if ahead:
            form.stage_id.data = ahead[0].id
        else:
            form.stage_id.choices.insert(0, (0, _("— choose a stage —")))
            form.stage_id.data = 0
    return form


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


def _page_context(deal: Deal) -> dict:
    """Everything the deal page shows, each part one query."""
    done = services.done_steps(deal)
    following = [s for s in deal.process_version.stages if s.position == deal.stage.position + 1]
    interactions = db.session.scalars(
        select(Interaction)
        .join(DealInteraction, DealInteraction.interaction_id == Interaction.id)
        .where(DealInteraction.deal_id == deal.id, Interaction.deleted_at.is_(None))
        .order_by(Interaction.occurred_at.desc())
        .limit(20)
        .options(lazyload(Interaction.contact), lazyload(Interaction.author))  # not shown
    ).all()
    history = db.session.scalars(
        select(StageHistory)
        .where(StageHistory.deal_id == deal.id)
        .order_by(StageHistory.entered_at.desc())
    ).all()
    wants_approval = {
        c.params.get("role") for c in deal.stage.criteria if c.kind == "role_approval"
    }
    approvals = (
        db.session.scalars(
            select(DealApproval)
            .where(DealApproval.deal_id == deal.id)
            .order_by(DealApproval.approved_at.desc())
        ).all()
        if wants_approval
        else []
    )
    quotes = db.session.scalars(
        select(Quote)
        .where(Quote.deal_id == deal.id, Quote.deleted_at.is_(None))
        .options(joinedload(Quote.decided_by))
        .order_by(Quote.created_at.desc(), Quote.id.desc())
    ).all()
    return {
        "deal": deal,
        "done": done,
        "missing": services.missing_to_leave(deal, [deal.stage])
        if deal.status == DealStatus.OPEN
        else [],
        "next_stage": following[0] if following and deal.status == DealStatus.OPEN else None,
        "interactions": interactions,
        "history": history,
        "approvals": approvals,
        "quotes": quotes,
        "move_form": move_form(deal),
        "win_form": WinForm(version=deal.version, closed_on=deal.expected_close),
        "reopen_form": ReopenForm(),
        "approval_form": ApprovalForm(),
        "wants_approval": wants_approval,
    }


def _lose_form(deal: Deal) -> LoseForm:
    form = LoseForm(version=deal.version)
    # No reason is preselected: a reason nobody chose would be recorded as the truth.
    form.lost_reason_id.choices = [(0, _("— choose a reason —"))] + [
        (r.id, r.label) for r in services.lost_reasons()
    ]
    return form


@bp.get("/deals/<int:deal_id>")
@access(SIGNED_IN)
def deal_detail(deal_id: int):
    deal = deal_or_404(deal_id, *PAGE_OPTIONS)
    return render_page("pipeline/deal_detail.html", **_page_context(deal))


def _refused(deal: Deal, exc: DomainError, form=None):
    """A refused action: the reasons as a fragment (board, htmx) or on the deal page."""
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
    context = _page_context(deal)
    context.update(
        refusal=exc.message, refusal_missing=missing, refusal_target=getattr(exc, "target", None)
    )
    if form is not None:
        context[form.__class__.__name__.replace("Form", "").lower() + "_form"] = form
    return render_page("pipeline/deal_detail.html", http_status=422, **context)


def _moved(deal: Deal, event: str):
    if htmx:
        response = render_page("pipeline/_move_done.html", deal=deal)
        return trigger(response, event)
    return redirect(url_for("pipeline.deal_detail", deal_id=deal.id), code=303)


def _target(deal: Deal, form: MoveForm):
    """The stage asked for: by id (deal page) or by key (board columns, same across versions)."""
    key = request.form.get("stage_key", "")
    if key:
        stage = deal.process_version.stage_by_key(key)
        if stage is None:
            raise DomainError(_("This stage belongs to another process."), field="stage_id")
        return stage
    if not form.validate_on_submit():
        raise DomainError(_("Choose a stage of this deal's process."), field="stage_id")
    stage = next((s for s in deal.process_version.stages if s.id == form.stage_id.data), None)
    if stage is None:
        raise DomainError(_("Choose a stage of this deal's process."), field="stage_id")
    return stage


@bp.post("/deals/<int:deal_id>/move")
@access(*WRITERS)
def deal_move(deal_id: int):
    deal = deal_or_404(deal_id)
    if not can_move_deal(current_user, deal):
        abort(403)
    form = move_form(deal)
    version = parse_int(request.form.get("version"), lo=0)
    try:
        target = _target(deal, form)
        services.move_deal(
            current_user,
            deal,
            target,
            via=request.form.get("via", "form")[:20],
            reason=request.form.get("reason", "")[:500],
            version=version,
        )
        db.session.commit()
    except DomainError as exc:
        return _refused(deal, exc, form)
    flash(_("Moved to “%(stage)s”.", stage=target.name), "success")
    return _moved(deal, "dealMoved")


@bp.post("/deals/<int:deal_id>/win")
@access(*WRITERS)
def deal_win(deal_id: int):
    deal = deal_or_404(deal_id)
    if not can_move_deal(current_user, deal):
        abort(403)
    form = WinForm()
    if not form.validate_on_submit():
        return _refused(deal, DomainError(_("Give the close date.")), form)
    try:
        services.win_deal(
            current_user, deal, closed_on=form.closed_on.data, version=form.version.data
        )
        db.session.commit()
    except DomainError as exc:
        return _refused(deal, exc, form)
    flash(_("Won! The deal moved to after-sales and an order was added to the account."), "success")
    return _moved(deal, "dealWon")


def _lose_page(deal: Deal, form: LoseForm, status: int = 200):
    """The confirmation that names the deal: a page of its own, or a panel on the deal page."""
    return render_page(
        "pipeline/deal_lose.html", block="confirm", http_status=status, deal=deal, form=form
    )


@bp.get("/deals/<int:deal_id>/lose")
@access(*WRITERS)
def deal_lose_confirm(deal_id: int):
    deal = deal_or_404(deal_id)
    if not can_move_deal(current_user, deal):
        abort(403)
    return _lose_page(deal, _lose_form(deal))


@bp.post("/deals/<int:deal_id>/lose")
@access(*WRITERS)
def deal_lose(deal_id: int):
    deal = deal_or_404(deal_id)
    if not can_move_deal(current_user, deal):
        abort(403)
    form = _lose_form(deal)
    if form.validate_on_submit():
        try:
            reason = next(
                (r for r in services.lost_reasons() if r.id == form.lost_reason_id.data), None
            )
            services.lose_deal(
                current_user, deal, reason, form.lost_note.data or "", version=form.version.data
            )
            db.session.commit()
            flash(_("The deal is marked lost."), "success")
            return _moved(deal, "dealLost")
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    return _lose_page(deal, form, 422)


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
        return _refused(deal, exc, form)
    flash(_("The deal is open again."), "success")
    return _moved(deal, "dealReopened")


@bp.post("/deals/<int:deal_id>/steps/<int:step_id>")
@access(*WRITERS)
def deal_step_toggle(deal_id: int, step_id: int):
    deal = deal_or_404(deal_id)
    if not can_edit_deal(current_user, deal):
        abort(403)
    step = db.session.get(StageStep, step_id)
    if step is None or step.stage_id != deal.stage_id:
        abort(404)
    services.set_step(current_user, deal, step, request.form.get("done") == "1")
    db.session.commit()
    if htmx:
        response = render_page(
            "pipeline/deal_detail.html", block="checklist", **_page_context(deal)
        )
        return trigger(response, "checklistChanged")
    return redirect(url_for("pipeline.deal_detail", deal_id=deal.id, _anchor="checklist"), code=303)


@bp.get("/deals/<int:deal_id>/refusal")
@access(SIGNED_IN)
def deal_refusal(deal_id: int):
    """The refused move's banner again, from the deal as it is now (after a checklist change)."""
    deal = deal_or_404(deal_id, *PAGE_OPTIONS)
    if not htmx:
        return redirect(url_for("pipeline.deal_detail", deal_id=deal.id), code=303)
    target = db.session.get(Stage, parse_id(request.args.get("stage_id")) or 0)
    if target is None or target.version_id != deal.process_version_id:
        abort(404)
    missing = services.missing_to_reach(deal, target) if deal.status == DealStatus.OPEN else []
    return render_page(
        "pipeline/_move_banner.html",
        deal=deal,
        refusal=_("“%(stage)s” cannot be left yet.", stage=deal.stage.name),
        refusal_missing=missing,
        refusal_target=target,
    )


@bp.post("/deals/<int:deal_id>/approve")
@access("admin", "manager", "compliance")
def deal_approve(deal_id: int):
    deal = deal_or_404(deal_id)
    form = ApprovalForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.approve_stage(current_user, deal, form.comment.data or "")
        db.session.commit()
    except DomainError as exc:
        return _refused(deal, exc)
    flash(_("Approval recorded."), "success")
    return redirect(url_for("pipeline.deal_detail", deal_id=deal.id, _anchor="approvals"), code=303)


# --- create and edit -------------------------------------------------------------------------


def _deal_form(deal: Deal | None, account: Account | None) -> DealForm:
    form = DealForm(obj=deal)
    if account is not None:
        form.account_id.choices = [(account.id, account.name)]
    else:
        rows = db.session.execute(
            scope_accounts(select(Account.id, Account.name), current_user)
            .order_by(Account.name)
            .limit(300)
        ).all()
        form.account_id.choices = [(0, _("— choose an account —"))] + [(r.id, r.name) for r in rows]
    chosen = account or (deal.account if deal else None)
    contacts = chosen.contacts if chosen else []
    form.contact_id.choices = [(0, _("— no contact —"))] + [(c.id, c.name) for c in contacts]
    form.owner_id.choices = owner_choices(current_user)
    processes = db.session.scalars(
        select(SalesProcess)
        .where(SalesProcess.active.is_(True))
        .order_by(SalesProcess.is_default.desc(), SalesProcess.id)
    ).all()
    form.process_id.choices = [(p.id, p.name) for p in processes]
    if not form.is_submitted():
        form.account_id.data = chosen.id if chosen else 0
        form.contact_id.data = (deal.contact_id if deal else None) or (
            contacts[0].id if contacts else 0
        )
        form.owner_id.data = deal.owner_id if deal else current_user.id
        form.currency.data = deal.currency if deal else "CNY"
    return form


def _parties(form: DealForm) -> tuple[Account | None, Contact | None]:
    account = db.session.get(Account, form.account_id.data) if form.account_id.data else None
    if account is not None and not can_edit_account(current_user, account):
        raise DomainError(_("Choose one of your accounts."), field="account_id")
    contact = db.session.get(Contact, form.contact_id.data) if form.contact_id.data else None
    return account, contact


@bp.route("/deals/new", methods=["GET", "POST"])
@access(*WRITERS)
def deal_create():
    if not can_create_deal(current_user):
        abort(403)
    account_id = parse_id(request.args.get("account_id"))
    account = account_or_404(account_id) if account_id else None
    form = _deal_form(None, account)
    if form.validate_on_submit():
        try:
            chosen, contact = _parties(form)
            if chosen is None:
                raise DomainError(_("Choose the account this deal is with."), field="account_id")
            if current_user.role == Role.REP:
                owner = current_user._get_current_object()
            else:
                owner = db.session.get(User, form.owner_id.data)
            process = (
                db.session.get(SalesProcess, form.process_id.data) if form.process_id.data else None
            )
            deal = services.create_deal(
                current_user,
                form.data_dict(),
                account=chosen,
                contact=contact,
                owner=owner,
                process=process,
            )
            db.session.commit()
            flash(_("Deal %(title)s created.", title=deal.title), "success")
            return redirect(url_for("pipeline.deal_detail", deal_id=deal.id), code=303)
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "pipeline/deal_form.html",
        block="form",
        http_status=status,
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
    form = _deal_form(deal, deal.account)
    if form.validate_on_submit():
        try:
            account, contact = _parties(form)
            data = form.data_dict()
            data.update(
                probability=form.probability.data, probability_reason=form.probability_reason.data
            )
            services.update_deal(
                current_user, deal, data, form.version.data, account=account, contact=contact
            )
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("pipeline.deal_detail", deal_id=deal.id), code=303)
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "pipeline/deal_form.html",
        block="form",
        http_status=status,
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
    from salesweb.customers.views.interactions import interaction_form, interaction_from_form

    form = interaction_form(deal.account)
    if form.validate_on_submit():
        try:
            interaction = interaction_from_form(form, deal.account)
            services.link_interaction(deal, interaction)
            db.session.commit()
            flash(_("Interaction logged."), "success")
            return redirect(url_for("pipeline.deal_detail", deal_id=deal.id), code=303)
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "customers/interaction_form.html",
        block="form",
        http_status=status,
        form=form,
        account=deal.account,
        action=url_for("pipeline.deal_interaction_create", deal_id=deal.id),
    )
