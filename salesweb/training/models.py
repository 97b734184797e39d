"""Team profiles, courses with lessons and quizzes, assignments, attempts and certificates."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from salesweb.auth.models import User
from salesweb.core.i18n import bilingual_text
from salesweb.core.models import (
    AuditedMixin,
    SoftDeleteMixin,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    coded_label,
    utcnow,
)
from salesweb.extensions import db


class Category(StrEnum):
    PRODUCT = "product"
    SALES = "sales"
    SERVICE = "service"
    COMPLIANCE = "compliance"


CATEGORY_LABELS = {
    Category.PRODUCT: _l("Product knowledge"),
    Category.SALES: _l("Sales skills"),
    Category.SERVICE: _l("Customer service"),
    Category.COMPLIANCE: _l("Compliance"),
}


class QuestionKind(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"


QUESTION_KIND_LABELS = {
    QuestionKind.SINGLE: _l("Single choice"),
    QuestionKind.MULTIPLE: _l("Multiple choice"),
}


class Progress(StrEnum):
    """The state of one person in one course, as the team matrix shows it."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    PASSED = "passed"
    FAILED = "failed"
    OVERDUE = "overdue"
    EXPIRED = "expired"


PROGRESS_LABELS = {
    Progress.NOT_STARTED: _l("Not started"),
    Progress.IN_PROGRESS: _l("In progress"),
    Progress.PASSED: _l("Passed"),
    Progress.FAILED: _lp("training", "Failed"),
    Progress.OVERDUE: _l("Overdue"),
    Progress.EXPIRED: _l("Expired"),
}


class MemberProfile(AuditedMixin, VersionedMixin, TimestampMixin, db.Model):
    """A team member's responsibilities (职责) and authority, kept by the training area."""

    __tablename__ = "training_member_profiles"
    audit_kind = _l("Team member profile")
    audit_labels = {"responsibilities": _l("Responsibilities"), "authority": _l("Authority")}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, unique=True)
    responsibilities: Mapped[str] = mapped_column(Text, nullable=False, default="")
    authority: Mapped[str] = mapped_column(Text, nullable=False, default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @property
    def audit_label(self) -> str:
        return f"profile of user {self.user_id}"


class Course(AuditedMixin, VersionedMixin, SoftDeleteMixin, TimestampMixin, db.Model):
    __tablename__ = "training_courses"
    audit_kind = _l("Course")
    audit_labels = {
        "category": _l("Category"),
        "minutes": _l("Length (minutes)"),
        "pass_score": _l("Pass score"),
        "attempt_limit": _l("Attempts allowed"),
        "valid_months": _l("Certificate valid for (months)"),
    }
    audit_choices = {"category": CATEGORY_LABELS}

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    title_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    title_en: Mapped[str] = mapped_column(String(200), nullable=False)
    description_zh: Mapped[str] = mapped_column(Text, nullable=False, default="")
    description_en: Mapped[str] = mapped_column(Text, nullable=False, default="")
    category: Mapped[str] = mapped_column(String(20), nullable=False, default=Category.SALES)
    minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=30)
    pass_score: Mapped[int] = mapped_column(Integer, nullable=False, default=80)
    attempt_limit: Mapped[int] = mapped_column(Integer, nullable=False, default=3)
    valid_months: Mapped[int] = mapped_column(Integer, nullable=False, default=12)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The team whose manager may change the course; None: company-wide, administrators only.
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)

    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="course", order_by="Lesson.position, Lesson.id"
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="course", order_by="Question.position, Question.id"
    )

    __table_args__ = (Index("ix_training_courses_live_title", "deleted_at", "title_en"),)

    title = bilingual_text("title")
    description = bilingual_text("description")
    category_label = coded_label("category", CATEGORY_LABELS)

    audit_label = bilingual_text("title", locale="en")


class Lesson(AuditedMixin, TimestampMixin, db.Model):
    """One lesson of a course, in Markdown (zh and en); rendered sanitised."""

    __tablename__ = "training_lessons"
    audit_kind = _l("Lesson")
    audit_labels = {"body_zh": _l("Text (Chinese)"), "body_en": _l("Text (English)")}

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    title_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    title_en: Mapped[str] = mapped_column(String(200), nullable=False)
    body_zh: Mapped[str] = mapped_column(Text, nullable=False, default="")
    body_en: Mapped[str] = mapped_column(Text, nullable=False, default="")

    course: Mapped[Course] = relationship(back_populates="lessons")
    files: Mapped[list[LessonFile]] = relationship(
        back_populates="lesson", order_by="LessonFile.id", cascade="all, delete-orphan"
    )

    __table_args__ = (Index("ix_training_lessons_course_position", "course_id", "position"),)

    title = bilingual_text("title")
    body = bilingual_text("body")

    audit_label = bilingual_text("title", locale="en")


class Question(AuditedMixin, TimestampMixin, db.Model):
    __tablename__ = "training_questions"
    audit_kind = _l("Quiz question")
    audit_labels = {"text_zh": _l("Question (Chinese)"), "text_en": _l("Question (English)")}
    audit_choices = {"kind": QUESTION_KIND_LABELS}

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default=QuestionKind.SINGLE)
    text_zh: Mapped[str] = mapped_column(String(500), nullable=False)
    text_en: Mapped[str] = mapped_column(String(500), nullable=False)

    course: Mapped[Course] = relationship(back_populates="questions")
    options: Mapped[list[Option]] = relationship(
        back_populates="question",
        order_by="Option.position, Option.id",
        cascade="all, delete-orphan",
    )

    __table_args__ = (Index("ix_training_questions_course_position", "course_id", "position"),)

    text = bilingual_text("text")

    @property
    def correct_ids(self) -> set[int]:
        return {o.id for o in self.options if o.correct}

    @property
    def audit_label(self) -> str:
        return self.text_en[:200] or self.text_zh[:200]


class Option(db.Model):
    __tablename__ = "training_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("training_questions.id"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    text_zh: Mapped[str] = mapped_column(String(300), nullable=False)
    text_en: Mapped[str] = mapped_column(String(300), nullable=False)
    correct: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    question: Mapped[Question] = relationship(back_populates="options")

    text = bilingual_text("text")


class Assignment(AuditedMixin, TimestampMixin, db.Model):
    """A course a person must take, by a due date; one per person and course."""

    __tablename__ = "training_assignments"
    audit_kind = _l("Training assignment")
    audit_labels = {"assigned_by_id": _l("Assigned by"), "due_on": _l("Due")}

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    reason: Mapped[str] = mapped_column(String(200), nullable=False, default="")

    course: Mapped[Course] = relationship(foreign_keys=[course_id], lazy="joined")
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        db.UniqueConstraint("user_id", "course_id", name="uq_training_assignments_user_course"),
        Index("ix_training_assignments_course", "course_id"),
        Index("ix_training_assignments_due", "due_on"),
    )

    @property
    def audit_label(self) -> str:
        return f"course {self.course_id} → user {self.user_id}"


class LessonRead(db.Model):
    """A lesson counts as read when its reader first opens it."""

    __tablename__ = "training_lesson_reads"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("training_lessons.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (
        db.UniqueConstraint("lesson_id", "user_id", name="uq_training_lesson_reads_lesson_user"),
    )


class Attempt(db.Model):
    """One sitting of a course's quiz: the shuffled order it was shown in, answers and score."""

    __tablename__ = "training_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # {"questions": [qid, ...], "options": {"qid": [oid, ...]}}
    layout: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    # {"qid": [oid, ...]} as submitted
    answers: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    score: Mapped[int | None] = mapped_column(Integer)
    passed: Mapped[bool | None] = mapped_column(Boolean)

    course: Mapped[Course] = relationship(foreign_keys=[course_id], lazy="joined")
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        Index("ix_training_attempts_user_course", "user_id", "course_id", "started_at"),
        Index("ix_training_attempts_course", "course_id"),
        # One open sitting per person and course: parallel starts cannot pass the attempt limit.
        Index(
            "uq_training_attempts_open",
            "user_id",
            "course_id",
            unique=True,
            sqlite_where=text("submitted_at IS NULL"),
            postgresql_where=text("submitted_at IS NULL"),
        ),
    )

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Certificate(db.Model):
    """Issued when a quiz is passed; valid until `expires_on`."""

    __tablename__ = "training_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("training_attempts.id"))
    issued_on: Mapped[date] = mapped_column(Date, nullable=False)
    expires_on: Mapped[date] = mapped_column(Date, nullable=False)

    course: Mapped[Course] = relationship(foreign_keys=[course_id], lazy="joined")
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        Index("ix_training_certificates_user_course", "user_id", "course_id"),
        Index("ix_training_certificates_expires", "expires_on"),
        Index("ix_training_certificates_course", "course_id"),
    )

    def is_valid(self, today: date) -> bool:
        return self.expires_on >= today


class ReasonCourse(AuditedMixin, TimestampMixin, db.Model):
    """Which course to suggest when a rep's losses cluster on a lost reason (at a stage)."""

    __tablename__ = "training_reason_courses"
    audit_kind = _l("Training suggestion rule")
    audit_labels = {"reason_code": _l("Lost reason"), "stage_key": _l("At stage")}

    id: Mapped[int] = mapped_column(primary_key=True)
    reason_code: Mapped[str] = mapped_column(String(40), nullable=False)
    stage_key: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id"), nullable=False)
    # The team whose manager may change the rule; None: company-wide, administrators only.
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)

    course: Mapped[Course] = relationship(foreign_keys=[course_id], lazy="joined")

    __table_args__ = (
        db.UniqueConstraint(
            "reason_code", "stage_key", name="uq_training_reason_courses_reason_code"
        ),
    )

    @property
    def audit_label(self) -> str:
        return f"{self.reason_code}/{self.stage_key or '*'}"


class LessonFile(AuditedMixin, db.Model):
    """A file attached to a lesson: an image shown in its Markdown, or a document to download."""

    __tablename__ = "training_lesson_files"
    audit_kind = _l("Lesson file")
    audit_labels = {"lesson_id": _l("Lesson")}

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(
        ForeignKey("training_lessons.id"), nullable=False, index=True
    )
    stored_name: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    mime: Mapped[str] = mapped_column(String(100), nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    lesson: Mapped[Lesson] = relationship(back_populates="files")

    @property
    def audit_label(self) -> str:
        return self.filename

    @property
    def is_image(self) -> bool:
        from salesweb.core.files import IMAGE_KINDS

        return self.kind in IMAGE_KINDS
