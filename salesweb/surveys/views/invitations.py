"""Invitations: invite a list of contacts by hand, list them, a new link, resend, remind."""

from __future__ import annotations

from flask import flash, request
from flask_babel import gettext as _
from flask_login import current_user

from salesweb.core.errors import DomainError
from salesweb.core.forms import form_status, saving
from salesweb.core.htmx import render_page
from salesweb.core.pagination import paginate
from salesweb.core.params import parse_id
from salesweb.core.security import access
from salesweb.customers.queries import search_term
from salesweb.extensions import db
from salesweb.surveys import bp, delivery, queries, services
from salesweb.surveys.forms import InviteForm
from salesweb.surveys.models import INVITATION_STATUS_LABELS, TOUCH_LABELS
from salesweb.surveys.permissions import READERS
from salesweb.surveys.views import invitation_or_404


@bp.route("/invite", methods=["GET", "POST"])
@access(*READERS)
def invite_form():
    q, account_id = search_term(request.args.get("q")), parse_id(request.args.get("account"))
    surveys = queries.active_surveys()
    form = InviteForm.among(surveys, preselected=parse_id(request.args.get("survey")))
    if form.validate_on_submit():
        with saving(form):
            survey, days = form.chosen_survey(surveys), form.expires_days.data
            issued = services.invite_contacts(current_user, survey, form.contact_ids.data, days)
            db.session.commit()
            return _links(issued, _("%(n)d invitations created.", n=len(issued)))
    return render_page(
        "surveys/invite_form.html",
        block="candidates",
        http_status=form_status(form),
        form=form,
        q=q,
        account_id=account_id,
        contacts=queries.invite_candidates(current_user, q, account_id),
        chosen=set(form.contact_ids.data or []),
    )


def _links(issued: list[services.Issued], message: str):
    """The page that shows each new link once: the secret is not stored, only its hash."""
    rows = [(item.invitation, delivery.public_url(item.token), item.emailed) for item in issued]
    return render_page("surveys/invite_done.html", block="links", rows=rows, message=message)


@bp.get("/invitations")
@access(*READERS)
def invitation_list():
    f = queries.invitation_filters(request.args)
    page = paginate(queries.invitation_list_stmt(current_user, f))
    return render_page(
        "surveys/invitation_list.html",
        block="results",
        page=page,
        q=f["q"],
        status=f["status"],
        sort=f["sort"],
        survey_id=f["survey_id"],
        surveys=queries.active_surveys(),
        status_labels=INVITATION_STATUS_LABELS,
        touch_labels=TOUCH_LABELS,
    )


def _invitation_action(invitation_id: int, action, message: str, emailed: bool = True):
    """A new secret for one invitation (link, resend, reminder), shown once; a refusal is
    flashed over an empty list."""
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
@access(*READERS)
def invitation_link(invitation_id: int):
    return _invitation_action(
        invitation_id,
        services.renew_link,
        _("A new link: the previous one no longer works."),
        emailed=False,
    )


@bp.post("/invitations/<int:invitation_id>/resend")
@access(*READERS)
def invitation_resend(invitation_id: int):
    return _invitation_action(invitation_id, services.resend, _("The invitation was sent again."))


@bp.post("/invitations/<int:invitation_id>/remind")
@access(*READERS)
def invitation_remind(invitation_id: int):
    return _invitation_action(invitation_id, services.remind, _("The reminder was sent."))
