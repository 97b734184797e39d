"""Writing courses: their texts, lessons, lesson files and quiz questions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from salesweb.auth.models import User
from salesweb.auth.permissions import owning_team_id
from salesweb.core import files
from salesweb.core.errors import DomainError
from salesweb.core.models import check_version
from salesweb.extensions import db
from salesweb.training import permissions
from salesweb.training.models import (
    Course,
    Lesson,
    LessonFile,
    Option,
    Question,
    QuestionKind,
)
from salesweb.training.rendering import has_active_content

LESSON_FILES = "lesson-files"  # the folder under instance/
files.register_store(LESSON_FILES)


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
    attached = LessonFile(lesson_id=lesson.id, uploaded_by_id=actor.id, **stored.record_fields())
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
