"""Quizzes: starting a sitting, answering it, and the certificate a pass earns."""

from __future__ import annotations

from io import BytesIO

from flask import abort, flash, send_file
from flask_login import current_user

from salesweb.core.errors import DomainError
from salesweb.core.forms import saving
from salesweb.core.htmx import done, render_page, trigger
from salesweb.core.security import SIGNED_IN, access
from salesweb.extensions import db
from salesweb.training import bp, certificates, permissions, services
from salesweb.training.forms import AttemptAnswersForm
from salesweb.training.models import Attempt, Certificate
from salesweb.training.views import attempt_or_404, course_or_404


@bp.post("/courses/<int:course_id>/attempts")
@access(SIGNED_IN)
def attempt_create(course_id: int):
    course = course_or_404(course_id)
    try:
        attempt = services.start_attempt(current_user, course)
        db.session.commit()
    except DomainError as exc:
        # No form to show it on: the course page says why no sitting was opened.
        db.session.rollback()
        flash(exc.message, "error")
        return done("training.course_detail", course_id=course.id)
    return done("training.attempt_detail", attempt_id=attempt.id)


def _attempt_page(attempt: Attempt, error: str | None = None, status: int = 200):
    questions = {q.id: q for q in attempt.course.questions}
    shown = [questions[q] for q in attempt.layout.get("questions", []) if q in questions]
    return render_page(
        "training/attempt_detail.html",
        block="attempt",
        http_status=status,
        attempt=attempt,
        questions=shown,
        error=error,
    )


@bp.get("/attempts/<int:attempt_id>")
@access(SIGNED_IN)
def attempt_detail(attempt_id: int):
    return _attempt_page(attempt_or_404(attempt_id))


@bp.post("/attempts/<int:attempt_id>")
@access(SIGNED_IN)
def attempt_submit(attempt_id: int):
    attempt = attempt_or_404(attempt_id)
    if not permissions.can_take_attempt(current_user, attempt):
        abort(403)
    form = AttemptAnswersForm()
    with saving(form):
        services.submit_attempt(current_user, attempt, form.answers.data)
        db.session.commit()
        return trigger(_attempt_page(attempt), "attemptSubmitted")
    # The quiz page shows one message above the questions.
    return _attempt_page(attempt, form.form_errors[0], 422)


@bp.get("/certificates/<int:certificate_id>.pdf")
@access(SIGNED_IN)
def certificate_pdf(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    if not permissions.can_view_training_of(current_user, certificate.user):
        abort(404)
    response = send_file(
        BytesIO(certificates.certificate_pdf(certificate)),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=certificates.pdf_filename(certificate),
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
