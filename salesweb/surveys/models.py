"""Surveys and their questions, touchpoints, invitations, responses and feedback cases."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from salesweb.auth.models import User
from salesweb.core.errors import DomainError
from salesweb.core.i18n import bilingual, bilingual_in, bilingual_text
from salesweb.core.models import (
    AuditedMixin,
    SoftDeleteMixin,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    coded_label,
    utcnow,
)
from salesweb.customers.models import Account, Contact
from salesweb.extensions import db

TEXT_LIMIT = 2000


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class QuestionKind(StrEnum):
    NPS = "nps"  # 0-10
    CSAT = "csat"  # 1-5
    RATING = "rating"  # 1-5 stars
    SINGLE = "single"
    MULTIPLE = "multiple"
    TEXT = "text"


KIND_LABELS = {
    QuestionKind.NPS: _l("NPS (0–10)"),
    QuestionKind.CSAT: _l("Satisfaction (CSAT 1–5)"),
    QuestionKind.RATING: _l("Rating (1–5 stars)"),
    QuestionKind.SINGLE: _l("Single choice"),
    QuestionKind.MULTIPLE: _l("Multiple choice"),
    QuestionKind.TEXT: _l("Free text"),
}
SCALES = {
    QuestionKind.NPS: range(0, 11),
    QuestionKind.CSAT: range(1, 6),
    QuestionKind.RATING: range(1, 6),
}
CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)


class Touch(StrEnum):
    DEAL_WON = "deal_won"
    AFTER_SALES = "after_sales"
    MANUAL = "manual"


TOUCH_LABELS = {
    Touch.DEAL_WON: _l("Deal won"),
    Touch.AFTER_SALES: _l("After-sales task done"),
    Touch.MANUAL: _l("Sent by hand"),
}


class CaseStatus(StrEnum):
    OPEN = "open"
    CONTACTED = "contacted"
    RESOLVED = "resolved"
    CLOSED = "closed"


CASE_STATUS_LABELS = {
    CaseStatus.OPEN: _lp("case status", "Open"),
    CaseStatus.CONTACTED: _l("Contacted"),
    CaseStatus.RESOLVED: _l("Resolved"),
    CaseStatus.CLOSED: _lp("case status", "Closed"),
}
CASE_FLOW = {
    CaseStatus.OPEN: CaseStatus.CONTACTED,
    CaseStatus.CONTACTED: CaseStatus.RESOLVED,
    CaseStatus.RESOLVED: CaseStatus.CLOSED,
}
# Root causes of unhappy customers share the lost-deal reason list (pipeline's LostReason).
ROOT_CAUSE_CODES = ("price", "product_fit", "service", "delivery", "other")


class Survey(AuditedMixin, VersionedMixin, SoftDeleteMixin, TimestampMixin, db.Model):
    __tablename__ = "surveys"
    audit_kind = _l("Survey")
    audit_labels = {
        "intro_zh": _l("Introduction (Chinese)"),
        "intro_en": _l("Introduction (English)"),
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    title_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    title_en: Mapped[str] = mapped_column(String(200), nullable=False)
    intro_zh: Mapped[str] = mapped_column(Text, nullable=False, default="")
    intro_en: Mapped[str] = mapped_column(Text, nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # The content revision customers answer; answered content is frozen, edits make a new one.
    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The team whose manager may change the survey; None: company-wide, administrators only.
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)

    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="survey",
        order_by="(SurveyQuestion.position, SurveyQuestion.id)",
        cascade="all, delete-orphan",
    )

    __table_args__ = (Index("ix_surveys_live_title", "deleted_at", "title_en"),)

    title = bilingual_text("title")
    title_in = bilingual_in("title")
    intro_in = bilingual_in("intro")

    audit_label = bilingual_text("title", locale="en")

    def snapshot(self) -> dict[str, Any]:
        """The content as customers see it, frozen into a revision."""
        return {
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "intro_zh": self.intro_zh,
            "intro_en": self.intro_en,
            "questions": [q.snapshot() for q in self.questions],
        }


class SurveyQuestion(TimestampMixin, db.Model):
    __tablename__ = "survey_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    text_zh: Mapped[str] = mapped_column(String(500), nullable=False)
    text_en: Mapped[str] = mapped_column(String(500), nullable=False)
    # [{"key": "1", "zh": "...", "en": "..."}]; keys stay stable so old answers keep meaning.
    options: Mapped[list] = mapped_column(JSON, nullable=False, default=list)

    survey: Mapped[Survey] = relationship(back_populates="questions")

    __table_args__ = (Index("ix_survey_questions_survey_position", "survey_id", "position"),)

    text = bilingual_text("text")
    text_in = bilingual_in("text")

    def options_in(self, locale: str) -> list[tuple[str, str]]:
        return [(o["key"], bilingual(o["zh"], o["en"], locale)) for o in self.options]

    @property
    def scale(self) -> range | None:
        return SCALES.get(QuestionKind(self.kind))

    kind_label = coded_label("kind", KIND_LABELS)

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "required": self.required,
            "text_zh": self.text_zh,
            "text_en": self.text_en,
            "options": list(self.options or []),
        }


class SurveyRevision(db.Model):
    """What a survey revision asked, so an answer can be read against its own questions."""

    __tablename__ = "survey_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    content: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (
        db.UniqueConstraint("survey_id", "number", name="uq_survey_revisions_survey_number"),
    )


class Touchpoint(AuditedMixin, TimestampMixin, db.Model):
    """Which survey an event sends, and for how long its link stays open."""

    __tablename__ = "survey_touchpoints"
    audit_kind = _l("Survey touchpoint")
    audit_labels = {"event": _l("Touchpoint"), "expires_days": _l("Link valid for (days)")}
    audit_choices = {"event": TOUCH_LABELS}

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id"))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    expires_days: Mapped[int] = mapped_column(Integer, nullable=False, default=30)

    survey: Mapped[Survey | None] = relationship(lazy="joined")

    @property
    def audit_label(self) -> str:
        return self.event


class Invitation(AuditedMixin, TimestampMixin, db.Model):
    """One contact's invitation to one survey, reachable only through its secret link."""

    __tablename__ = "survey_invitations"
    audit_kind = _l("Survey invitation")
    audit_labels = {
        "touchpoint": _l("Touchpoint"),
        "expires_at": _l("Expires"),
        "emailed_at": _l("E-mailed on"),
        "reminded_at": _l("Reminded on"),
        "answered_at": _l("Answered on"),
    }
    audit_choices = {"touchpoint": TOUCH_LABELS}
    __audit_mask__ = frozenset({"token_hash"})

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), nullable=False)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), nullable=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    touchpoint: Mapped[str] = mapped_column(String(20), nullable=False, default=Touch.MANUAL)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    locale: Mapped[str] = mapped_column(String(10), nullable=False, default="zh_CN")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    survey: Mapped[Survey] = relationship(lazy="joined")
    contact: Mapped[Contact] = relationship(lazy="joined", foreign_keys=[contact_id])
    account: Mapped[Account] = relationship(foreign_keys=[account_id])

    __table_args__ = (
        Index("ix_survey_invitations_account", "account_id"),
        Index("ix_survey_invitations_survey_created", "survey_id", "created_at"),
        Index("ix_survey_invitations_created", "created_at"),
        Index("ix_survey_invitations_deal", "deal_id"),
        Index("ix_survey_invitations_task", "task_id"),
        # The daily reminder job looks for open, e-mailed, never reminded invitations.
        Index("ix_survey_invitations_remind", "reminded_at", "answered_at", "emailed_at"),
    )

    @property
    def audit_label(self) -> str:
        return f"#{self.id}"

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at <= (now or utcnow())

    @property
    def status(self) -> str:
        if self.answered_at is not None:
            return "answered"
        return "expired" if self.is_expired() else "open"


INVITATION_STATUS_LABELS = {
    "open": _l("Waiting for an answer"),
    "answered": _l("Answered"),
    "expired": _l("Expired"),
}


class SurveyResponse(db.Model):
    """The one answer of one invitation; the unique invitation keeps it one."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("survey_invitations.id"), nullable=False, unique=True
    )
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), nullable=False)
    revision: Mapped[int] = mapped_column(Integer, nullable=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), nullable=False)
    touchpoint: Mapped[str] = mapped_column(String(20), nullable=False)
    locale: Mapped[str] = mapped_column(String(10), nullable=False)
    # The first NPS and CSAT answers and all free text, kept on the row for SQL aggregates.
    nps: Mapped[int | None] = mapped_column(Integer)
    csat: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    summary: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    survey: Mapped[Survey] = relationship(lazy="joined")
    contact: Mapped[Contact] = relationship(lazy="joined", foreign_keys=[contact_id])
    account: Mapped[Account] = relationship(lazy="joined", foreign_keys=[account_id])
    answers: Mapped[list[SurveyAnswer]] = relationship(
        back_populates="response", order_by="SurveyAnswer.id"
    )

    __table_args__ = (
        Index("ix_survey_responses_account_submitted", "account_id", "submitted_at"),
        Index("ix_survey_responses_survey_submitted", "survey_id", "submitted_at"),
        Index("ix_survey_responses_submitted", "submitted_at"),
        Index("ix_survey_responses_nps", "nps"),
        Index("ix_survey_responses_csat", "csat"),
    )


class SurveyAnswer(db.Model):
    __tablename__ = "survey_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id"), nullable=False)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id"), nullable=False)
    number: Mapped[int | None] = mapped_column(Integer)
    choices: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")
    question: Mapped[SurveyQuestion] = relationship(lazy="joined")

    __table_args__ = (
        Index("ix_survey_answers_response", "response_id"),
        Index("ix_survey_answers_question", "question_id"),
    )


class FeedbackCase(AuditedMixin, VersionedMixin, TimestampMixin, db.Model):
    """A detractor's answer, followed up by the account owner until it is closed."""

    __tablename__ = "feedback_cases"
    audit_kind = _l("Feedback case")
    audit_labels = {
        "response_id": _l("Survey answer"),
        "root_cause_id": _l("Root cause"),
        "resolution_note": _l("Resolution"),
        "contacted_at": _l("Customer contacted on"),
        "resolved_at": _l("Resolved on"),
        "closed_at": _l("Closed on"),
    }
    audit_choices = {"status": CASE_STATUS_LABELS}

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_responses.id"), nullable=False, unique=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=CaseStatus.OPEN)
    reason: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    root_cause_id: Mapped[int | None] = mapped_column(ForeignKey("lost_reasons.id"))
    resolution_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    response: Mapped[SurveyResponse] = relationship(lazy="joined")
    account: Mapped[Account] = relationship(foreign_keys=[account_id])
    owner: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[owner_id])

    __table_args__ = (
        Index("ix_feedback_cases_owner_status", "owner_id", "status"),
        Index("ix_feedback_cases_status_created", "status", "created_at"),
        Index("ix_feedback_cases_account", "account_id"),
    )

    @property
    def audit_label(self) -> str:
        return f"#{self.id}"

    status_label = coded_label("status", CASE_STATUS_LABELS)

    @property
    def next_status(self) -> str | None:
        return CASE_FLOW.get(CaseStatus(self.status))

    def advance(self, to: str, note: str = "", root_cause_id: int | None = None) -> None:
        """open -> contacted -> resolved -> closed; resolving needs a root cause and a note."""
        if to != self.next_status:
            raise DomainError(str(_l("This case cannot move to that status.")), field="status")
        now = utcnow()
        if to == CaseStatus.RESOLVED:
            if root_cause_id is None:
                raise DomainError(str(_l("Choose the root cause.")), field="root_cause_id")
            if not note.strip():
                raise DomainError(str(_l("Write how it was resolved.")), field="note")
            self.root_cause_id, self.resolution_note, self.resolved_at = root_cause_id, note, now
        elif to == CaseStatus.CONTACTED:
            self.contacted_at = now
        else:
            self.closed_at = now
        self.status = to
