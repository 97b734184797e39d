"""The survey area's staff views, one module per subject, and the loaders they share."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user

from salesweb.extensions import db
from salesweb.surveys.models import FeedbackCase, Invitation, Survey, SurveyQuestion, SurveyResponse
from salesweb.surveys.permissions import (
    can_edit_survey,
    can_view_case,
    can_view_invitation,
    can_view_response,
)


def survey_or_404(survey_id: int, manage: bool = False) -> Survey:
    """Every reader sees every survey; changing one (`manage`) is 403 for whoever may not."""
    survey = db.session.get(Survey, survey_id)
    if survey is None or survey.is_deleted:
        abort(404)
    if manage and not can_edit_survey(current_user, survey):
        abort(403)
    return survey


def question_or_404(question_id: int) -> SurveyQuestion:
    question = db.session.get(SurveyQuestion, question_id)
    if question is None or question.survey.is_deleted:
        abort(404)
    if not can_edit_survey(current_user, question.survey):
        abort(403)
    return question


def _visible_or_404(obj: Any, check) -> Any:
    """Other people's records answer 404, so their existence is not revealed."""
    if obj is None or not check(current_user, obj):
        abort(404)
    return obj


def invitation_or_404(invitation_id: int) -> Invitation:
    return _visible_or_404(db.session.get(Invitation, invitation_id), can_view_invitation)


def response_or_404(response_id: int) -> SurveyResponse:
    return _visible_or_404(db.session.get(SurveyResponse, response_id), can_view_response)


def case_or_404(case_id: int) -> FeedbackCase:
    return _visible_or_404(db.session.get(FeedbackCase, case_id), can_view_case)


def register_views() -> None:
    from salesweb.surveys.views import builder, cases, invitations, results, workbench  # noqa: F401
