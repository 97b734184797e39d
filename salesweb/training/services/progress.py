"""Assigning courses, and where each person stands in each course (the team matrix)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from salesweb.auth.models import Team, User
from salesweb.core.errors import DomainError
from salesweb.extensions import db
from salesweb.training import permissions, queries
from salesweb.training.models import (
    Assignment,
    Attempt,
    Certificate,
    Course,
    Lesson,
    LessonRead,
    Progress,
)
from salesweb.training.services.quizzes import RECERTIFY_DAYS


def assign_course(
    actor: User,
    course: Course,
    people: list[User],
    due_on: date,
    reason: str = "",
    team: Team | None = None,
) -> list[Assignment]:
    """Assign a course by a due date to people and to a whole team's active members (the
    assigner aside); anyone outside the actor's reach refuses all."""
    if team is not None:
        if not permissions.can_view_matrix(actor, team):
            raise DomainError(_("You can only assign to your own team."), field="team_id")
        taken = {actor.id, *(p.id for p in people)}
        people = [*people, *(p for p in queries.team_people(team.id) if p.id not in taken)]
    if course.is_deleted:
        raise DomainError(_("This course is no longer offered."), field="course_id")
    if not people:
        raise DomainError(_("Choose a team or at least one person."), field="user_ids")
    outside = [p for p in people if not permissions.can_assign_to(actor, p)]
    if outside:
        raise DomainError(
            _("%(name)s is not in your team.", name=outside[0].display_name), field="user_ids"
        )
    existing = {
        a.user_id: a
        for a in db.session.scalars(
            select(Assignment).where(
                Assignment.course_id == course.id, Assignment.user_id.in_([p.id for p in people])
            )
        )
    }
    out = []
    for person in people:
        assignment = existing.get(person.id)
        if assignment is None:
            assignment = Assignment(course_id=course.id, user_id=person.id, assigned_by_id=actor.id)
            db.session.add(assignment)
        assignment.due_on = due_on
        assignment.reason = reason[:200]
        out.append(assignment)
    db.session.flush()
    return out


def progress_of(
    today: date,
    due_on: date | None,
    reads: int,
    attempts: int,
    failed: int,
    valid_cert: bool,
    any_cert: bool,
) -> Progress:
    """One person's state in one course, from counts the matrix reads in SQL."""
    if valid_cert:
        return Progress.PASSED
    if any_cert:
        return Progress.EXPIRED
    if due_on is not None and due_on < today:
        return Progress.OVERDUE
    if failed:
        return Progress.FAILED
    if reads or attempts:
        return Progress.IN_PROGRESS
    return Progress.NOT_STARTED


@dataclass
class Cell:
    progress: Progress
    due_on: date | None
    reads: int
    lessons: int
    best_score: int | None


def matrix(user_ids: list[int], course_ids: list[int] | None, today: date) -> dict:
    """(user_id, course_id) -> Cell for the given people, over assigned or attempted courses.
    Four grouped queries, whatever the size of the team."""
    if not user_ids:
        return {}
    assigned = db.session.execute(
        select(Assignment.user_id, Assignment.course_id, Assignment.due_on).where(
            Assignment.user_id.in_(user_ids)
        )
    ).all()
    pairs: dict[tuple[int, int], date | None] = {
        (a.user_id, a.course_id): a.due_on for a in assigned
    }
    reads = db.session.execute(
        select(LessonRead.user_id, Lesson.course_id, func.count(LessonRead.id))
        .join(Lesson, Lesson.id == LessonRead.lesson_id)
        .where(LessonRead.user_id.in_(user_ids))
        .group_by(LessonRead.user_id, Lesson.course_id)
    ).all()
    attempts = db.session.execute(
        select(
            Attempt.user_id,
            Attempt.course_id,
            func.count(Attempt.id),
            func.sum(case((Attempt.passed.is_(False), 1), else_=0)),
            func.max(Attempt.score),
        )
        .where(Attempt.user_id.in_(user_ids))
        .group_by(Attempt.user_id, Attempt.course_id)
    ).all()
    certs = db.session.execute(
        select(Certificate.user_id, Certificate.course_id, func.max(Certificate.expires_on))
        .where(Certificate.user_id.in_(user_ids))
        .group_by(Certificate.user_id, Certificate.course_id)
    ).all()
    lesson_counts = dict(
        db.session.execute(
            select(Lesson.course_id, func.count(Lesson.id)).group_by(Lesson.course_id)
        ).all()
    )
    read_map = {(r[0], r[1]): r[2] for r in reads}
    attempt_map = {(r[0], r[1]): (r[2], r[3] or 0, r[4]) for r in attempts}
    cert_map = {(r[0], r[1]): r[2] for r in certs}
    keys = set(pairs) | set(attempt_map) | set(cert_map) | set(read_map)
    if course_ids is not None:
        keys = {k for k in keys if k[1] in course_ids}
    out = {}
    for key in keys:
        n_attempts, failed, best = attempt_map.get(key, (0, 0, None))
        expires = cert_map.get(key)
        out[key] = Cell(
            progress=progress_of(
                today,
                pairs.get(key),
                read_map.get(key, 0),
                n_attempts,
                failed,
                expires is not None and expires >= today,
                expires is not None,
            ),
            due_on=pairs.get(key),
            reads=read_map.get(key, 0),
            lessons=lesson_counts.get(key[1], 0),
            best_score=best,
        )
    return out


def recertify_soon(user_ids: list[int] | None, today: date, days: int = RECERTIFY_DAYS) -> list:
    """Latest certificates (per person and course) that expire within `days` or have expired."""
    latest = (
        select(
            Certificate.user_id,
            Certificate.course_id,
            func.max(Certificate.expires_on).label("expires_on"),
        )
        .group_by(Certificate.user_id, Certificate.course_id)
        .subquery()
    )
    stmt = (
        select(User, Course, latest.c.expires_on)
        .join(latest, latest.c.user_id == User.id)
        .join(Course, Course.id == latest.c.course_id)
        .where(latest.c.expires_on <= today + timedelta(days=days), User.active.is_(True))
        .order_by(latest.c.expires_on, User.display_name)
        .limit(200)
    )
    if user_ids is not None:
        stmt = stmt.where(User.id.in_(user_ids))
    return [tuple(r) for r in db.session.execute(stmt).unique().all()]
