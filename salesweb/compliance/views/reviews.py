"""Reviews: the queue, a review with its findings, claim, decide, answer, the PDF report and
the compliance dashboard."""

from __future__ import annotations

from flask import Response, abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from salesweb.compliance import bp, reports, services
from salesweb.compliance.forms import ActionForm, AnswerForm, DecisionForm
from salesweb.compliance.models import OPEN_REVIEW, Contract, Review
from salesweb.compliance.permissions import can_answer_review
from salesweb.compliance.views import review_or_404
from salesweb.core.errors import DomainError, error_response, put_on_form
from salesweb.core.htmx import done, render_page, trigger
from salesweb.core.models import utcnow
from salesweb.core.pagination import paginate
from salesweb.core.params import parse_id, parse_int
from salesweb.core.security import SIGNED_IN, access
from salesweb.extensions import db

REVIEWERS = ("compliance", "admin")


@bp.get("/reviews")
@access(*REVIEWERS)
def review_queue():
    stmt = (
        select(Review)
        .join(Contract, Contract.id == Review.contract_id)
        .where(Review.status.in_(OPEN_REVIEW), Contract.deleted_at.is_(None))
        .order_by(Review.severity.desc(), Review.submitted_at.asc(), Review.id)
    )
    page = paginate(stmt)
    return render_page(
        "compliance/review_queue.html",
        block="results",
        page=page,
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
        "finding_errors": {},
        "finding_values": {},
        "waiver_errors": {},
        "waiver_values": {},
        **extra,
    }


@bp.get("/reviews/<int:review_id>")
@access(SIGNED_IN)
def review_detail(review_id: int):
    review = review_or_404(review_id)
    return render_page("compliance/review_detail.html", **_review_context(review))


def _attempt(review: Review, exc: DomainError, block: str | None = None, **extra):
    """Refused: roll back, keep an audit row when it was an attempt, answer 422."""
    db.session.rollback()
    if isinstance(exc, services.AttemptRefused):
        services.record_attempt(current_user, review, exc.action, exc.message)
        db.session.commit()
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


def _finding_comments(review: Review) -> dict[int, str]:
    return {r.id: request.form.get(f"finding-{r.id}", "")[:4000] for r in review.results}


def _waivers(review: Review) -> dict[int, str]:
    """The waiver reason typed for each blocking finding."""
    return {r.id: request.form.get(f"waiver-{r.id}", "")[:4000] for r in review.results if r.blocks}


def _field_errors(exc: DomainError, prefix: str) -> dict[int, str]:
    """A refusal about one finding's input (`finding-3`, `waiver-3`), keyed by the finding."""
    if exc.field and exc.field.startswith(prefix + "-"):
        return {int(exc.field.split("-", 1)[1]): exc.message}
    return {}


@bp.post("/reviews/<int:review_id>/decide")
@access(*REVIEWERS)
def review_decide(review_id: int):
    review = review_or_404(review_id)
    form = DecisionForm()
    comments = _finding_comments(review)
    waivers = _waivers(review)
    contract_id = request.form.get("contract_id", "")
    version_no = request.form.get("version_no", "")
    try:
        if not form.validate_on_submit():
            raise DomainError(_("Choose a decision."), field="decision")
        record = services.decide_review(
            current_user,
            review,
            form.decision.data,
            form.comment.data or "",
            comments,
            contract_id=parse_int(contract_id, -1),
            version_no=parse_int(version_no, -1),
            waivers=waivers,
            confirm_waivers=form.confirm_waivers.data,
        )
        db.session.commit()
    except DomainError as exc:
        errors, waiver_errors = _field_errors(exc, "finding"), _field_errors(exc, "waiver")
        if not (errors or waiver_errors or isinstance(exc, services.AttemptRefused)):
            put_on_form(form, exc)
        return _attempt(
            review,
            exc,
            block="decision",
            form=form,
            finding_errors=errors,
            finding_values=comments,
            waiver_errors=waiver_errors,
            waiver_values=waivers,
            decision_refusal=exc.message,
        )
    flash(_("Decision recorded: %(decision)s.", decision=record.label), "success")
    event = {"approve": "contractApproved", "reject": "contractRejected"}.get(
        record.decision, "contractChangesRequested"
    )
    return trigger(done("compliance.review_detail", review_id=review.id), event)


@bp.post("/reviews/<int:review_id>/answer")
@access("admin", "manager", "rep")
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
