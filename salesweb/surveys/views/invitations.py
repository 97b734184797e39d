"""Invitations: invite a list of contacts by hand, list them, a new link, resend, remind."""

from __future__ import annotations

from flask import flash, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from salesweb.core.errors import DomainError, put_on_form
from salesweb.core.htmx import render_page
from salesweb.core.models import utcnow
from salesweb.core.pagination import paginate
from salesweb.core.params import parse_id
from salesweb.core.security import access
from salesweb.customers.models import Account, Contact
from salesweb.customers.permissions import scope_contacts
from salesweb.customers.queries import search_term
from salesweb.extensions import db
from salesweb.surveys import bp, delivery, services
from salesweb.surveys.forms import InviteForm
from salesweb.surveys.models import INVITATION_STATUS_LABELS, TOUCH_LABELS, Invitation, Survey
from salesweb.surveys.permissions import can_invite, scope_invitations
from salesweb.surveys.views import invitation_or_404

INVITATION_SORTS = {
    "created": (Invitation.created_at.desc(),),
    "-created": (Invitation.created_at.asc(),),
    "expires": (Invitation.expires_at.asc(),),
    "-expires": (Invitation.expires_at.desc(),),
    "account": (Account.name.asc(),),
    "-account": (Account.name.desc(),),
}


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _candidates(q: str, account_id: int | None) -> list[Contact]:
    """Up to 50 contacts the user may invite, matching the search."""
    stmt = scope_contacts(
        select(Contact).join(Account, Account.id == Contact.account_id), current_user
    )
    if current_user.role != "admin":
        stmt = stmt.where(Account.owner_id.is_not(None))
    if account_id:
        stmt = stmt.where(Contact.account_id == account_id)
    if q:
        stmt = stmt.where(
            or_(
                Contact.search_text.like(_like(q), escape="\\"),
                Account.name.ilike(_like(q), escape="\\"),
            )
        )
    return list(db.session.scalars(stmt.order_by(Account.name, Contact.name, Contact.id).limit(50)))


def _active_surveys() -> list[Survey]:
    return list(
        db.session.scalars(
            select(Survey)
            .where(Survey.deleted_at.is_(None), Survey.active.is_(True))
            .order_by(Survey.title_en)
        )
    )


@bp.route("/invite", methods=["GET", "POST"])
@access("admin", "manager", "rep")
def invite_form():
    q = search_term(request.args.get("q"))
    account_id = parse_id(request.args.get("account"))
    form = InviteForm()
    surveys = _active_surveys()
    form.survey_id.choices = [(s.id, s.title) for s in surveys]
    if request.method == "GET" and parse_id(request.args.get("survey")):
        form.survey_id.data = parse_id(request.args.get("survey"))
    if form.validate_on_submit():
        survey = next((s for s in surveys if s.id == form.survey_id.data), None)
        contacts = list(
            db.session.scalars(select(Contact).where(Contact.id.in_(form.contact_ids.data)))
        )
        allowed = [c for c in contacts if not c.is_deleted and can_invite(current_user, c.account)]
        if survey is None:
            form.survey_id.errors.append(_("Choose a survey."))
        elif len(allowed) != len(set(form.contact_ids.data)):
            form.contact_ids.errors.append(_("Some of these contacts cannot be invited by you."))
        else:
            try:
                issued = services.invite(
                    current_user, survey, allowed, expires_days=form.expires_days.data
                )
                db.session.commit()
                return _links(issued, _("%(n)d invitations created.", n=len(issued)))
            except DomainError as exc:
                db.session.rollback()
                put_on_form(form, exc)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "surveys/invite_form.html",
        block="candidates",
        http_status=status,
        form=form,
        q=q,
        account_id=account_id,
        contacts=_candidates(q, account_id),
        chosen=set(form.contact_ids.data or []),
    )


def _links(issued: list[services.Issued], message: str):
    """The page that shows each new link once: the secret is not stored, only its hash."""
    rows = [(item.invitation, delivery.public_url(item.token), item.emailed) for item in issued]
    return render_page("surveys/invite_done.html", block="links", rows=rows, message=message)


@bp.get("/invitations")
@access("admin", "manager", "rep")
def invitation_list():
    q = search_term(request.args.get("q"))
    status = request.args.get("status", "")
    sort = request.args.get("sort", "created")
    sort = sort if sort in INVITATION_SORTS else "created"
    survey_id = parse_id(request.args.get("survey"))
    stmt = scope_invitations(
        select(Invitation).join(Account, Account.id == Invitation.account_id), current_user
    )
    now = utcnow()
    if status == "answered":
        stmt = stmt.where(Invitation.answered_at.is_not(None))
    elif status == "open":
        stmt = stmt.where(Invitation.answered_at.is_(None), Invitation.expires_at > now)
    elif status == "expired":
        stmt = stmt.where(Invitation.answered_at.is_(None), Invitation.expires_at <= now)
    else:
        status = ""
    if survey_id:
        stmt = stmt.where(Invitation.survey_id == survey_id)
    if q:
        stmt = stmt.join(Contact, Contact.id == Invitation.contact_id).where(
            or_(
                Account.name.ilike(_like(q), escape="\\"),
                Contact.search_text.like(_like(q), escape="\\"),
            )
        )
    page = paginate(stmt.order_by(*INVITATION_SORTS[sort], Invitation.id.desc()))
    return render_page(
        "surveys/invitation_list.html",
        block="results",
        page=page,
        q=q,
        status=status,
        sort=sort,
        survey_id=survey_id,
        surveys=_active_surveys(),
        status_labels=INVITATION_STATUS_LABELS,
        touch_labels=TOUCH_LABELS,
    )


def _invitation_action(invitation_id: int, action, message: str, emailed: bool = True):
    invitation = invitation_or_404(invitation_id)
    try:
        token = action(current_user, invitation)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return render_page("surveys/invite_done.html", block="links", rows=[], message="")
    issued = services.Issued(invitation, token, emailed=emailed)
    return _links([issued], message)


@bp.post("/invitations/<int:invitation_id>/link")
@access("admin", "manager", "rep")
def invitation_link(invitation_id: int):
    return _invitation_action(
        invitation_id,
        services.renew_link,
        _("A new link: the previous one no longer works."),
        emailed=False,
    )


@bp.post("/invitations/<int:invitation_id>/resend")
@access("admin", "manager", "rep")
def invitation_resend(invitation_id: int):
    return _invitation_action(invitation_id, services.resend, _("The invitation was sent again."))


@bp.post("/invitations/<int:invitation_id>/remind")
@access("admin", "manager", "rep")
def invitation_remind(invitation_id: int):
    return _invitation_action(invitation_id, services.remind, _("The reminder was sent."))
