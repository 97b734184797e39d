"""Feedback cases: the dashboard and list, one case, and moving it on."""

from __future__ import annotations

from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from salesweb.core.errors import DomainError, put_on_form
from salesweb.core.htmx import done, render_page, trigger
from salesweb.core.pagination import paginate
from salesweb.core.security import access
from salesweb.customers.models import Account
from salesweb.customers.queries import search_term
from salesweb.extensions import db
from salesweb.surveys import bp, results, services
from salesweb.surveys.forms import CaseForm
from salesweb.surveys.models import CASE_STATUS_LABELS, CaseStatus, FeedbackCase
from salesweb.surveys.permissions import can_work_case, scope_cases
from salesweb.surveys.views import case_or_404

CASE_SORTS = {
    "opened": (FeedbackCase.created_at.desc(),),
    "-opened": (FeedbackCase.created_at.asc(),),
    "account": (Account.name.asc(),),
    "-account": (Account.name.desc(),),
    "status": (FeedbackCase.status.asc(),),
    "-status": (FeedbackCase.status.desc(),),
}
SHOWS = ("active", "open", "contacted", "resolved", "closed", "all")


@bp.get("/cases")
@access("admin", "manager", "rep")
def case_list():
    show = request.args.get("show", "active")
    show = show if show in SHOWS else "active"
    sort = request.args.get("sort", "opened")
    sort = sort if sort in CASE_SORTS else "opened"
    q = search_term(request.args.get("q"))
    stmt = scope_cases(
        select(FeedbackCase).join(Account, Account.id == FeedbackCase.account_id), current_user
    )
    if show == "active":
        stmt = stmt.where(FeedbackCase.status.in_([CaseStatus.OPEN, CaseStatus.CONTACTED]))
    elif show != "all":
        stmt = stmt.where(FeedbackCase.status == show)
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(Account.name.ilike(like, escape="\\")))
    page = paginate(stmt.order_by(*CASE_SORTS[sort], FeedbackCase.id.desc()))
    return render_page(
        "surveys/case_list.html",
        block="results",
        page=page,
        show=show,
        sort=sort,
        q=q,
        dashboard=results.case_dashboard(current_user),
        status_labels=CASE_STATUS_LABELS,
    )


def _case_page(case: FeedbackCase, form: CaseForm | None = None, status: int = 200):
    if form is None:
        form = CaseForm(formdata=None, obj=case)
        form.note.data = case.resolution_note
    form.status.data = case.next_status or ""
    form.root_cause_id.choices = [(0, _("— choose —"))] + [
        (r.id, r.label) for r in services.root_causes()
    ]
    return render_page(
        "surveys/case_detail.html", block="case", http_status=status, case=case, form=form
    )


@bp.get("/cases/<int:case_id>")
@access("admin", "manager", "rep")
def case_detail(case_id: int):
    return _case_page(case_or_404(case_id))


@bp.post("/cases/<int:case_id>/advance")
@access("admin", "manager", "rep")
def case_advance(case_id: int):
    case = case_or_404(case_id)
    if not can_work_case(current_user, case):
        abort(403)
    form = CaseForm()
    if form.validate_on_submit():
        try:
            services.advance_case(
                current_user,
                case,
                form.status.data,
                form.note.data or "",
                form.root_cause_id.data or None,
                form.version.data,
            )
            db.session.commit()
            flash(_("Case is now: %(status)s.", status=case.status_label), "success")
            page = trigger(_case_page(case), "caseAdvanced")
            return done("surveys.case_detail", page, case_id=case.id)
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    return _case_page(case, form, 422)
