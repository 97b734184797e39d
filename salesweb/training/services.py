"""Training use cases: profiles, authoring, assignments, reading, quizzes, certificates, and the
training suggested by lost-deal patterns."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import IO, Any

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from salesweb.auth.models import Team, User
from salesweb.auth.permissions import owning_team_id
from salesweb.core import files
from salesweb.core.errors import DomainError
from salesweb.core.models import check_version, today, utcnow
from salesweb.core.params import parse_id
from salesweb.extensions import db
from salesweb.pipeline.models import Deal, DealStatus, LostReason, Stage
from salesweb.training import permissions, queries
from salesweb.training.models import (
    Assignment,
    Attempt,
    Certificate,
    Course,
    Lesson,
    LessonFile,
    LessonRead,
    MemberProfile,
    Option,
    Progress,
    Question,
    QuestionKind,
    ReasonCourse,
)
from salesweb.training.rendering import has_active_content

LESSON_FILES = "lesson-files"  # the folder under instance/
files.register_store(LESSON_FILES)

SUGGESTION_DAYS = 90
SUGGESTION_MIN_LOSSES = 5
SUGGESTION_MIN_SHARE = 0.4
RECERTIFY_DAYS = 30


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


# --- team profiles ---------------------------------------------------------------------------


def profile_of(user: User) -> MemberProfile | None:
    """The responsibilities and authority written for a person, if any."""
    return db.session.scalar(select(MemberProfile).where(MemberProfile.user_id == user.id))


def save_profile(
    actor: User, member: User, responsibilities: str, authority: str, version: int | None = None
) -> MemberProfile:
    """Write a member's responsibilities and authority (the team's manager or an admin)."""
    if not permissions.can_edit_profile(actor, member):
        raise DomainError(_("Only the team's manager or an administrator can edit this."))
    profile = profile_of(member)
    if profile is None:
        profile = MemberProfile(user_id=member.id)
        db.session.add(profile)
    else:
        check_version(profile, version)
    profile.responsibilities = responsibilities.strip()
    profile.authority = authority.strip()
    db.session.flush()
    return profile


# --- authoring -------------------------------------------------------------------------------


def _check_texts(**texts: str) -> None:
    for field, value in texts.items():
        if has_active_content(value):
            raise DomainError(
                _("Scripts, frames and event handlers are not allowed in lessons."), field=field
            )


def _check_course_editor(actor: User, course: Course) -> None:
    if not permissions.can_edit_course(actor, course):
        raise DomainError(_("Only an administrator or the owning team's manager can change this."))


def save_course(actor: User, course: Course | None, data: dict[str, Any]) -> Course:
    """Create a course (owned by its author's team) or change its texts and quiz rules."""
    if course is None:
        if not permissions.can_author_courses(actor):
            raise DomainError(
                _("Only an administrator or the owning team's manager can change this.")
            )
        course = Course(created_by_id=actor.id, team_id=owning_team_id(actor))
        db.session.add(course)
    else:
        _check_course_editor(actor, course)
        check_version(course, data.pop("version", None))
    data.pop("version", None)
    _check_texts(
        description_zh=data.get("description_zh", ""), description_en=data.get("description_en", "")
    )
    for key, value in data.items():
        setattr(course, key, value)
    db.session.flush()
    return course


def attach_lesson_file(actor: User, lesson: Lesson, stream: IO[bytes], filename: str) -> LessonFile:
    """Store a file for a lesson (checked by content, kept outside static/)."""
    _check_course_editor(actor, lesson.course)
    stored = files.store(stream, filename, area=LESSON_FILES)
    attached = LessonFile(
        lesson_id=lesson.id,
        stored_name=stored.stored_name,
        filename=stored.filename,
        sha256=stored.sha256,
        size=stored.size,
        kind=stored.kind,
        mime=stored.mime,
        uploaded_by_id=actor.id,
    )
    db.session.add(attached)
    db.session.flush()
    return attached


def save_lesson(actor: User, course: Course, lesson: Lesson | None, data: dict[str, Any]) -> Lesson:
    """Add or change a lesson; active content in its Markdown is refused."""
    _check_course_editor(actor, course)
    _check_texts(body_zh=data.get("body_zh", ""), body_en=data.get("body_en", ""))
    if lesson is None:
        position = db.session.scalar(
            select(func.coalesce(func.max(Lesson.position), 0)).where(Lesson.course_id == course.id)
        )
        lesson = Lesson(course_id=course.id, position=(position or 0) + 1)
        db.session.add(lesson)
    for key, value in data.items():
        setattr(lesson, key, value)
    db.session.flush()
    return lesson


@dataclass
class OptionInput:
    text_zh: str
    text_en: str
    correct: bool


def _check_question(kind: str, options: list[OptionInput]) -> None:
    if kind not in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        raise DomainError(_("Choose single or multiple choice."), field="kind")
    if len(options) < 2:
        raise DomainError(_("A question needs at least two options."), field="options_zh")
    correct = sum(1 for o in options if o.correct)
    if correct == 0:
        raise DomainError(_("Mark at least one option as correct."), field="correct")
    if kind == QuestionKind.SINGLE and correct != 1:
        raise DomainError(
            _("A single-choice question has exactly one correct option."), field="correct"
        )


def add_question(
    actor: User, course: Course, kind: str, text_zh: str, text_en: str, options: list[OptionInput]
) -> Question:
    """A quiz question with at least two options and the right number of correct ones."""
    _check_course_editor(actor, course)
    _check_question(kind, options)
    position = db.session.scalar(
        select(func.coalesce(func.max(Question.position), 0)).where(Question.course_id == course.id)
    )
    question = Question(
        course_id=course.id,
        position=(position or 0) + 1,
        kind=kind,
        text_zh=text_zh,
        text_en=text_en,
    )
    question.options = [
        Option(position=i, text_zh=o.text_zh, text_en=o.text_en, correct=o.correct)
        for i, o in enumerate(options, start=1)
    ]
    db.session.add(question)
    db.session.flush()
    return question


def edit_question(
    actor: User,
    question: Question,
    kind: str,
    text_zh: str,
    text_en: str,
    options: list[OptionInput],
) -> Question:
    """Reword a question, its options or which are correct. The options keep their identity
    (past attempts point at them), so their number cannot change: add a new question instead."""
    _check_course_editor(actor, question.course)
    _check_question(kind, options)
    if len(options) != len(question.options):
        raise DomainError(
            _(
                "Keep %(n)d options: past attempts refer to them. To change the options, add a new question.",
                n=len(question.options),
            ),
            field="options_zh",
        )
    question.kind, question.text_zh, question.text_en = kind, text_zh, text_en
    for option, given in zip(question.options, options, strict=True):
        option.text_zh, option.text_en, option.correct = given.text_zh, given.text_en, given.correct
    db.session.flush()
    return question


# --- assignments -----------------------------------------------------------------------------


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


# --- reading and quizzes ---------------------------------------------------------------------


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


# --- progress --------------------------------------------------------------------------------


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


# --- suggestions from lost deals -------------------------------------------------------------


@dataclass
class Suggestion:
    user: User
    reason: LostReason
    stage_key: str
    course: Course
    losses: int
    matching: int
    assigned: bool

    @property
    def share(self) -> int:
        return round(100 * self.matching / self.losses) if self.losses else 0


def suggestions(user_ids: list[int] | None, today: date) -> list[Suggestion]:
    """Reps whose lost deals of the last 90 days cluster on a mapped reason (and stage)."""
    since = today - timedelta(days=SUGGESTION_DAYS)
    live_lost = and_(
        Deal.status == DealStatus.LOST, Deal.closed_on >= since, Deal.deleted_at.is_(None)
    )
    scope = [] if user_ids is None else [Deal.owner_id.in_(user_ids)]
    totals = dict(
        db.session.execute(
            select(Deal.owner_id, func.count(Deal.id))
            .where(live_lost, *scope)
            .group_by(Deal.owner_id)
            .having(func.count(Deal.id) >= SUGGESTION_MIN_LOSSES)
        ).all()
    )
    if not totals:
        return []
    grouped = db.session.execute(
        select(Deal.owner_id, Deal.lost_reason_id, Stage.key, func.count(Deal.id))
        .join(Stage, Stage.id == Deal.stage_id)
        .where(live_lost, Deal.owner_id.in_(list(totals)))
        .group_by(Deal.owner_id, Deal.lost_reason_id, Stage.key)
    ).all()
    reasons = {r.code: r for r in db.session.scalars(select(LostReason))}
    mapping = list(db.session.scalars(select(ReasonCourse)))
    assigned = {
        (a.user_id, a.course_id)
        for a in db.session.execute(
            select(Assignment.user_id, Assignment.course_id).where(
                Assignment.user_id.in_(list(totals))
            )
        )
    }
    users = {
        u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(totals)))).unique()
    }
    out = []
    for entry in mapping:
        reason = reasons.get(entry.reason_code)
        if reason is None or entry.course.is_deleted:
            continue
        for owner_id, total in totals.items():
            matching = sum(
                n
                for oid, rid, key, n in grouped
                if oid == owner_id
                and rid == reason.id
                and (not entry.stage_key or key == entry.stage_key)
            )
            if matching / total >= SUGGESTION_MIN_SHARE:
                out.append(
                    Suggestion(
                        users[owner_id],
                        reason,
                        entry.stage_key,
                        entry.course,
                        total,
                        matching,
                        (owner_id, entry.course_id) in assigned,
                    )
                )
    return sorted(out, key=lambda s: (s.assigned, -s.share, s.user.display_name))


def win_rates_around_certificates(user_ids: list[int] | None) -> list:
    """For each certificate of a mapped course: the holder's win rate before and after it,
    from closed deals, in one grouped query."""
    mapped = select(ReasonCourse.course_id)
    won = case((Deal.status == DealStatus.WON, 1), else_=0)
    before = Deal.closed_on < Certificate.issued_on
    stmt = (
        select(
            Certificate.id,
            func.sum(case((before, won), else_=0)),
            func.sum(case((before, 1), else_=0)),
            func.sum(case((before, 0), else_=won)),
            func.sum(case((before, 0), else_=1)),
        )
        .join(
            Deal,
            and_(
                Deal.owner_id == Certificate.user_id,
                Deal.status.in_([DealStatus.WON, DealStatus.LOST]),
                Deal.deleted_at.is_(None),
                Deal.closed_on.is_not(None),
            ),
        )
        .where(Certificate.course_id.in_(mapped))
        .group_by(Certificate.id)
    )
    if user_ids is not None:
        stmt = stmt.where(Certificate.user_id.in_(user_ids))
    rows = {r[0]: r[1:] for r in db.session.execute(stmt).all()}
    if not rows:
        return []
    certs = db.session.scalars(
        select(Certificate)
        .where(Certificate.id.in_(list(rows)))
        .order_by(Certificate.issued_on.desc())
    ).unique()
    out = []
    for cert in certs:
        won_b, n_b, won_a, n_a = (int(x or 0) for x in rows[cert.id])
        out.append(
            (
                cert,
                round(100 * won_b / n_b) if n_b else None,
                n_b,
                round(100 * won_a / n_a) if n_a else None,
                n_a,
            )
        )
    return out


def map_reason(actor: User, reason_code: str, stage_key: str, course: Course) -> ReasonCourse:
    """Point a lost reason (optionally at one stage) at the course to suggest."""
    if not permissions.can_manage_training(actor):
        raise DomainError(_("Only an administrator or the owning team's manager can change this."))
    if db.session.scalar(select(LostReason.id).where(LostReason.code == reason_code)) is None:
        raise DomainError(_("Choose a lost reason from the list."), field="reason_code")
    entry = db.session.scalar(
        select(ReasonCourse).where(
            ReasonCourse.reason_code == reason_code, ReasonCourse.stage_key == stage_key
        )
    )
    if entry is None:
        entry = ReasonCourse(
            reason_code=reason_code, stage_key=stage_key, team_id=owning_team_id(actor)
        )
        db.session.add(entry)
    elif not permissions.can_edit_reason_rule(actor, entry):
        # One rule per reason and stage for the whole company: another team's stays theirs.
        raise DomainError(
            _("Another team's rule already covers this reason and stage."), field="reason_code"
        )
    entry.course_id = course.id
    db.session.flush()
    return entry


def unmap_reason(actor: User, entry: ReasonCourse) -> None:
    """Stop suggesting a course for a reason."""
    if not permissions.can_edit_reason_rule(actor, entry):
        raise DomainError(_("Only an administrator or the owning team's manager can change this."))
    db.session.delete(entry)
    db.session.flush()
