"""Reviews: the queue, a review with its findings, claim, decide, answer, the PDF report and
the compliance dashboard."""

from __future__ import annotations

from flask import Response, abort, flash
from flask_babel import gettext as _
from flask_login import current_user

from salesweb.compliance import bp, queries, reports, services
from salesweb.compliance.forms import ActionForm, AnswerForm, DecisionForm
from salesweb.compliance.models import Decision, Review
from salesweb.compliance.permissions import REVIEWERS, WRITERS, can_answer_review
from salesweb.compliance.views import review_or_404, roll_back_refused
from salesweb.core.errors import DomainError, error_response
from salesweb.core.history import record_history
from salesweb.core.htmx import done, render_page, trigger
from salesweb.core.models import utcnow
from salesweb.core.pagination import paginate
from salesweb.core.params import parse_id
from salesweb.core.security import SIGNED_IN, access
from salesweb.extensions import db

# What the page hears once a decision is recorded.
DECISION_EVENTS = {
    Decision.APPROVE: "contractApproved",
    Decision.REQUEST_CHANGES: "contractChangesRequested",
    Decision.REJECT: "contractRejected",
}


@bp.get("/reviews")
@access(*REVIEWERS)
def review_queue():
    return render_page(
        "compliance/review_queue.html",
        block="results",
        page=paginate(queries.review_queue()),
        now=utcnow(),
        sla=services.REVIEW_SLA,
        action_form=ActionForm(),
    )


def _review_context(review: Review, form: DecisionForm | None = None, **extra) -> dict:
    comments = services.comments_of(review)
    by_result: dict[int | None, list] = {}
    for comment in comments:
        by_result.setdefault(comment.result_id, []).append(comment)
    if form is None:
        form = DecisionForm(contract_id=review.contract_id, version_no=review.version_no)
    return {
        "review": review,
        "contract": review.contract,
        "results": review.results,
        "comments": by_result,
        "decisions": services.decisions_of(review),
        "form": form,
        "answer_form": AnswerForm(),
        "action_form": ActionForm(),
        "sla_due": services.sla_due(review),
        "now": utcnow(),
        "history": record_history("contract_reviews", review.id),
        **extra,
    }


@bp.get("/reviews/<int:review_id>")
@access(SIGNED_IN)
def review_detail(review_id: int):
    review = review_or_404(review_id)
    return render_page("compliance/review_detail.html", **_review_context(review))


def _attempt(review: Review, exc: DomainError, block: str | None = None, **extra):
    """Refused: roll back, keep an audit row when it was an attempt, answer 422."""
    roll_back_refused(review, exc)
    review = db.session.get(Review, review.id)
    return render_page(
        "compliance/review_detail.html",
        block=block,
        http_status=422,
        **_review_context(review, refusal=exc.message, **extra),
    )


@bp.post("/reviews/<int:review_id>/claim")
@access(*REVIEWERS)
def review_claim(review_id: int):
    review = review_or_404(review_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.claim_review(current_user, review)
        db.session.commit()
    except DomainError as exc:
        return _attempt(review, exc)
    flash(_("The review is yours."), "success")
    return trigger(done("compliance.review_detail", review_id=review.id), "reviewClaimed")


@bp.post("/reviews/<int:review_id>/decide")
@access(*REVIEWERS)
def review_decide(review_id: int):
    review = review_or_404(review_id)
    form = DecisionForm()
    try:
        if not form.validate_on_submit():
            raise DomainError(_("Choose a decision."), field="decision")
        record = services.decide_review(current_user, review, **form.data_dict())
        db.session.commit()
    except DomainError as exc:
        form.put_refusal(exc, attempt=isinstance(exc, services.AttemptRefused))
        return _attempt(review, exc, block="decision", form=form, decision_refusal=exc.message)
    flash(_("Decision recorded: %(decision)s.", decision=record.label), "success")
    event = DECISION_EVENTS[record.decision]
    return trigger(done("compliance.review_detail", review_id=review.id), event)


@bp.post("/reviews/<int:review_id>/answer")
@access(*WRITERS)
def review_answer(review_id: int):
    review = review_or_404(review_id)
    if not can_answer_review(current_user, review):
        abort(403)
    form = AnswerForm()
    result_id = parse_id(form.result_id.data)
    try:
        if not form.validate_on_submit():
            raise DomainError(_("Write an answer."), field="body")
        services.answer_finding(current_user, review, result_id, form.body.data)
        db.session.commit()
    except DomainError as exc:
        return _attempt(review, exc, block="findings", answer_refusal=exc.message)
    response = render_page(
        "compliance/review_detail.html", block="findings", **_review_context(review)
    )
    return trigger(
        done("compliance.review_detail", fragment=response, review_id=review.id), "findingAnswered"
    )


@bp.get("/reviews/<int:review_id>/pdf")
@access(SIGNED_IN)
def review_pdf(review_id: int):
    review = review_or_404(review_id)
    if not services.decisions_of(review):
        return error_response(422, _("The report is made once the review has a decision."))
    response = Response(reports.review_pdf(review), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{reports.pdf_filename(review)}"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/dashboard")
@access(*REVIEWERS)
def dashboard():
    return render_page("compliance/dashboard.html", stats=reports.dashboard_stats())
