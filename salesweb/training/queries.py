"""The lists the training pages show: courses, teams and people, a person's record, the rules
that suggest training; read here so that views only pass them on."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from salesweb.auth.models import Team, User
from salesweb.extensions import db
from salesweb.pipeline.models import LostReason
from salesweb.training import permissions
from salesweb.training.models import (
    Attempt,
    Certificate,
    Course,
    Lesson,
    LessonRead,
    MemberProfile,
    ReasonCourse,
)

HISTORY_LIMIT = 100  # a person's submitted attempts shown at once


# --- courses ---------------------------------------------------------------------------------


def course_catalogue() -> list[Course]:
    """Every live course, grouped by category, as the course list shows them."""
    stmt = select(Course).where(Course.deleted_at.is_(None))
    return list(db.session.scalars(stmt.order_by(Course.category, Course.title_en)))


def course_choices() -> list[tuple[int, str]]:
    """Live courses as (id, title) for a select, by English title."""
    stmt = select(Course).where(Course.deleted_at.is_(None)).order_by(Course.title_en)
    return [(c.id, c.title) for c in db.session.scalars(stmt)]


def live_courses_among(course_ids: Iterable[int]) -> list[Course]:
    """The live courses of the given ids, by English title (deleted ones drop out)."""
    stmt = select(Course).where(Course.id.in_(list(course_ids)), Course.deleted_at.is_(None))
    return list(db.session.scalars(stmt.order_by(Course.title_en)))


def lessons_read(user: User, course: Course) -> set[int]:
    """Ids of the course's lessons the person has read."""
    stmt = (
        select(LessonRead.lesson_id)
        .join(Lesson, Lesson.id == LessonRead.lesson_id)
        .where(LessonRead.user_id == user.id, Lesson.course_id == course.id)
    )
    return set(db.session.scalars(stmt))


def attempts_at(user: User, course: Course) -> list[Attempt]:
    """The person's sittings of the course's quiz, latest first."""
    stmt = select(Attempt).where(Attempt.user_id == user.id, Attempt.course_id == course.id)
    return list(db.session.scalars(stmt.order_by(Attempt.started_at.desc())))


# --- teams and people ------------------------------------------------------------------------


def all_teams() -> list[Team]:
    """Every team by name."""
    return list(db.session.scalars(select(Team).order_by(Team.name)).unique())


def first_team() -> Team | None:
    """The team shown first where none is chosen (by name)."""
    return db.session.scalars(select(Team).order_by(Team.name).limit(1)).first()


def active_member_counts() -> dict[int | None, int]:
    """Team id -> number of active people in it, in one grouped query."""
    stmt = select(User.team_id, func.count()).where(User.active.is_(True)).group_by(User.team_id)
    return dict(db.session.execute(stmt).all())


def team_people(team_id: int) -> list[User]:
    """A team's active people by name."""
    stmt = select(User).where(User.team_id == team_id, User.active.is_(True))
    return list(db.session.scalars(stmt.order_by(User.display_name)).unique())


def people_by_ids(user_ids: Iterable[int | None]) -> list[User]:
    """The people of the given ids (unknown ids are left out)."""
    ids = [i for i in user_ids if i]
    if not ids:
        return []
    return list(db.session.scalars(select(User).where(User.id.in_(ids))).unique())


def profiles_of(people: Iterable[User]) -> dict[int, MemberProfile]:
    """User id -> the responsibilities and authority written for them."""
    stmt = select(MemberProfile).where(MemberProfile.user_id.in_([p.id for p in people]))
    return {p.user_id: p for p in db.session.scalars(stmt)}


def assignable_choices(user: User) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The people and the teams the user may pick when assigning a course, as select choices:
    everyone and every team for an admin, a manager's own team and its people."""
    people = select(User).where(User.active.is_(True)).order_by(User.display_name)
    people = permissions.scope_people(people, user)
    teams = permissions.scope_teams(select(Team).order_by(Team.name), user)
    return (
        [(u.id, u.display_name) for u in db.session.scalars(people).unique()],
        [(t.id, t.name) for t in db.session.scalars(teams).unique()],
    )


def submitted_attempts(person: User) -> list[Attempt]:
    """A person's assessment history: submitted sittings, latest first."""
    stmt = select(Attempt).where(Attempt.user_id == person.id, Attempt.submitted_at.is_not(None))
    return list(db.session.scalars(stmt.order_by(Attempt.submitted_at.desc()).limit(HISTORY_LIMIT)))


def certificates_of(person: User) -> list[Certificate]:
    """A person's certificates, the one expiring last first."""
    stmt = select(Certificate).where(Certificate.user_id == person.id)
    return list(db.session.scalars(stmt.order_by(Certificate.expires_on.desc())))


# --- suggestions -----------------------------------------------------------------------------


def reason_rules() -> list[ReasonCourse]:
    """Every loss-to-course rule, by lost reason."""
    return list(db.session.scalars(select(ReasonCourse).order_by(ReasonCourse.reason_code)))


def lost_reasons_by_code() -> dict[str, LostReason]:
    """Lost reason code -> the reason, to name a rule's reason."""
    return {r.code: r for r in db.session.scalars(select(LostReason))}


def lost_reason_choices() -> list[tuple[str, str]]:
    """Lost reasons as (code, label) for a select, in their configured order."""
    stmt = select(LostReason).order_by(LostReason.position)
    return [(r.code, r.label) for r in db.session.scalars(stmt)]
