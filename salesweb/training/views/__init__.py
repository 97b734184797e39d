"""The training area's views, one module per page family, and the loaders they share."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from salesweb.auth.models import User
from salesweb.auth.permissions import can_see_owner
from salesweb.extensions import db
from salesweb.training import permissions
from salesweb.training.models import Attempt, Course, Lesson


def course_or_404(course_id: int) -> Course:
    """A live course: everyone reads every course, so only a missing or deleted one is 404."""
    course = db.get_or_404(Course, course_id)
    if course.is_deleted:
        abort(404)
    return course


def editable_course(course_id: int) -> Course:
    """A live course the user may change: 403 for whoever `can_edit_course` refuses."""
    course = course_or_404(course_id)
    if not permissions.can_edit_course(current_user, course):
        abort(403)
    return course


def lesson_or_404(lesson_id: int) -> Lesson:
    """A lesson of a live course."""
    lesson = db.get_or_404(Lesson, lesson_id)
    course_or_404(lesson.course_id)
    return lesson


def attempt_or_404(attempt_id: int) -> Attempt:
    """A quiz sitting, for the person taking it or someone who may see their training."""
    attempt = db.get_or_404(Attempt, attempt_id)
    if not permissions.can_take_attempt(
        current_user, attempt
    ) and not permissions.can_view_training_of(current_user, attempt.user):
        abort(404)
    return attempt


def member_or_404(user_id: int) -> User:
    """A person the user may see at all: another team's person is 404, as on /people/<id>."""
    member = db.get_or_404(User, user_id)
    if not can_see_owner(current_user, member):
        abort(404)
    return member


def register_views() -> None:
    # Importing a module registers its routes on the blueprint.
    from salesweb.training.views import (  # noqa: F401
        assignments,
        attempts,
        courses,
        lessons,
        people,
        workbench,
    )
