"""Reading lessons and sitting quizzes; a pass issues a certificate."""

from __future__ import annotations

import random
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from salesweb.auth.models import User
from salesweb.core.errors import DomainError
from salesweb.core.models import today, utcnow
from salesweb.core.params import parse_id
from salesweb.extensions import db
from salesweb.training.models import (
    Attempt,
    Certificate,
    Course,
    Lesson,
    LessonRead,
    QuestionKind,
)

RECERTIFY_DAYS = 30  # a certificate this close to expiry may be earned again


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day where it has no such day."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError("unreachable")


def is_read(user: User, lesson: Lesson) -> bool:
    """Whether the person has marked (opened and kept) the lesson as read."""
    stmt = select(LessonRead.id).where(
        LessonRead.lesson_id == lesson.id, LessonRead.user_id == user.id
    )
    return db.session.scalar(stmt) is not None


def mark_read(user: User, lesson: Lesson) -> None:
    """Count a lesson as read, once, however many first opens arrive at the same moment."""
    if is_read(user, lesson):
        return  # no write (and on SQLite no write lock) for a lesson read before
    # Insert-or-ignore: a parallel first open that inserted meanwhile makes this a no-op, where
    # check-then-insert would fail on the unique constraint.
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(LessonRead)
        .values(lesson_id=lesson.id, user_id=user.id, read_at=utcnow())
        .on_conflict_do_nothing(index_elements=["lesson_id", "user_id"])
    )


def _last_certificate(user: User, course: Course) -> Certificate | None:
    return db.session.scalar(
        select(Certificate)
        .where(Certificate.user_id == user.id, Certificate.course_id == course.id)
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
        .limit(1)
    )


def attempts_used(user: User, course: Course) -> int:
    """Submitted attempts since the last certificate (re-certifying starts a fresh count)."""
    stmt = select(func.count(Attempt.id)).where(
        Attempt.user_id == user.id,
        Attempt.course_id == course.id,
        Attempt.submitted_at.is_not(None),
    )
    last = _last_certificate(user, course)
    if last is not None and last.attempt_id is not None:
        stmt = stmt.where(Attempt.id > last.attempt_id)
    return db.session.scalar(stmt) or 0


def open_attempt(user: User, course: Course) -> Attempt | None:
    """The person's sitting of the course's quiz that is not submitted yet, if any."""
    return db.session.scalar(
        select(Attempt).where(
            Attempt.user_id == user.id,
            Attempt.course_id == course.id,
            Attempt.submitted_at.is_(None),
        )
    )


def _check_attempts_left(user: User, course: Course) -> None:
    if attempts_used(user, course) >= course.attempt_limit:
        raise DomainError(
            _("You have used all %(n)d attempts for this quiz.", n=course.attempt_limit)
        )


def start_attempt(user: User, course: Course, rng: random.Random | None = None) -> Attempt:
    """A new sitting with questions and options shuffled, or the one still open."""
    current = open_attempt(user, course)
    if current is not None:
        return current
    if not course.questions:
        raise DomainError(_("This course has no quiz yet."))
    last = _last_certificate(user, course)
    if last is not None and last.expires_on > today() + timedelta(days=RECERTIFY_DAYS):
        raise DomainError(_("You already hold a valid certificate for this course."))
    _check_attempts_left(user, course)
    rng = rng or random.SystemRandom()
    questions = [q.id for q in course.questions]
    rng.shuffle(questions)
    options = {}
    for q in course.questions:
        ids = [o.id for o in q.options]
        rng.shuffle(ids)
        options[str(q.id)] = ids
    attempt = Attempt(
        course_id=course.id, user_id=user.id, layout={"questions": questions, "options": options}
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
            db.session.flush()
            # Counted again once the one open slot is ours: a sitting submitted meanwhile (in
            # another tab) may have used the last attempt; raising undoes the savepoint.
            _check_attempts_left(user, course)
    except IntegrityError:
        # A parallel start took the open slot (uq_training_attempts_open): it is this
        # person's sitting, so answer with it instead of a second one.
        current = open_attempt(user, course)
        if current is None:
            raise DomainError(
                _("An attempt was being started at the same moment. Try again.")
            ) from None
        return current
    return attempt


def _read_answers(attempt: Attempt, raw: dict[str, list[str]]) -> dict[int, set[int]]:
    layout = attempt.layout
    questions = {q.id: q for q in attempt.course.questions if q.id in layout["questions"]}
    chosen: dict[int, set[int]] = {}
    for key, values in raw.items():
        qid = parse_id(key)
        if qid is None or qid not in questions:
            raise DomainError(_("The answers name a question that is not in this attempt."))
        allowed = set(layout["options"].get(str(qid), []))
        ids = set()
        for value in values:
            option_id = parse_id(value)
            if option_id not in allowed:
                raise DomainError(_("The answers name an option that is not in this attempt."))
            ids.add(option_id)
        if questions[qid].kind == QuestionKind.SINGLE and len(ids) > 1:
            raise DomainError(_("Choose only one option for a single-choice question."))
        if ids:
            chosen[qid] = ids
    missing = [qid for qid in layout["questions"] if qid in questions and qid not in chosen]
    if missing:
        raise DomainError(_("Answer every question before submitting."))
    return chosen


def submit_attempt(user: User, attempt: Attempt, raw: dict[str, list[str]]) -> Attempt:
    """Score a sitting once; passing issues a certificate valid for the course's months."""
    if attempt.user_id != user.id:
        raise DomainError(_("This is not your attempt."))
    if attempt.is_submitted:
        raise DomainError(_("This attempt was already submitted."))
    chosen = _read_answers(attempt, raw)
    questions = [q for q in attempt.course.questions if q.id in chosen]
    right = sum(1 for q in questions if chosen[q.id] == q.correct_ids)
    total = len(attempt.layout["questions"]) or 1
    score = round(100 * right / total)
    now = utcnow()
    # Claim the attempt in the database: a second submit (another tab, a replay) finds it taken.
    claimed = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.submitted_at.is_(None))
        .values(submitted_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise DomainError(_("This attempt was already submitted."))
    db.session.refresh(attempt, ["submitted_at"])
    attempt.answers = {str(q): sorted(ids) for q, ids in chosen.items()}
    attempt.score = score
    attempt.passed = score >= attempt.course.pass_score
    if attempt.passed:
        issued = today()
        db.session.add(
            Certificate(
                course_id=attempt.course_id,
                user_id=user.id,
                attempt_id=attempt.id,
                issued_on=issued,
                expires_on=add_months(issued, attempt.course.valid_months),
            )
        )
    db.session.flush()
    return attempt
