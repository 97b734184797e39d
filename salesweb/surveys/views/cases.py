"""Feedback cases: the dashboard and list, one case, and moving it on."""

from __future__ import annotations

from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from salesweb.core.forms import saving
from salesweb.core.history import record_history
from salesweb.core.htmx import done, render_page, trigger
from salesweb.core.pagination import paginate
from salesweb.core.security import access
from salesweb.extensions import db
from salesweb.surveys import bp, queries, results, services
from salesweb.surveys.forms import CaseForm
from salesweb.surveys.models import CASE_STATUS_LABELS, FeedbackCase
from salesweb.surveys.permissions import READERS, can_work_case
from salesweb.surveys.views import case_or_404


@bp.get("/cases")
@access(*READERS)
def case_list():
    f = queries.case_filters(request.args)
    return render_page(
        "surveys/case_list.html",
        block="results",
        page=paginate(queries.case_list_stmt(current_user, f)),
        show=f["show"],
        sort=f["sort"],
        q=f["q"],
        dashboard=results.case_dashboard(current_user),
        status_labels=CASE_STATUS_LABELS,
    )


def _case_page(case: FeedbackCase, form: CaseForm | None = None, status: int = 200):
    """The case's page (the case as the fragment), with its history."""
    if form is None:
        form = CaseForm(formdata=None, obj=case)
        form.note.data = case.resolution_note
    form.status.data = case.next_status or ""
    form.root_cause_id.choices = [(0, _("— choose —"))] + [
        (r.id, r.label) for r in services.root_causes()
    ]
    return render_page(
        "surveys/case_detail.html",
        block="case",
        http_status=status,
        case=case,
        form=form,
        history=record_history("feedback_cases", case.id),
    )


@bp.get("/cases/<int:case_id>")
@access(*READERS)
def case_detail(case_id: int):
    return _case_page(case_or_404(case_id))


@bp.post("/cases/<int:case_id>/advance")
@access(*READERS)
def case_advance(case_id: int):
    case = case_or_404(case_id)
    if not can_work_case(current_user, case):
        abort(403)
    form = CaseForm()
    if form.validate_on_submit():
        with saving(form):
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
    return _case_page(case, form, 422)
