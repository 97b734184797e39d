"""Forecast submissions: a person's or a team's number for a period, kept as snapshots.

A submission is never changed: submitting again, or a manager adjusting a rep's number, adds a
row, and the latest row of a person (or team) and period is the number that counts. Each row
keeps the system's figures of that moment (won to date, the open commit, best case and
pipeline sums, the weighted pipeline), so a forecast can be compared with what happened later.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import format_percent
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from salesweb.auth.models import Team, User
from salesweb.core.models import AuditedMixin, Money, UTCDateTime, utcnow
from salesweb.extensions import db


class SubmissionKind(StrEnum):
    SUBMITTED = "submitted"  # the person's (or, for a team, its manager's) own number
    ADJUSTED = "adjusted"  # a manager's change of a person's number, with a note


SUBMISSION_KIND_LABELS = {
    SubmissionKind.SUBMITTED: _lp("forecast", "Submitted"),
    SubmissionKind.ADJUSTED: _lp("forecast", "Adjusted"),
}


class ForecastSubmission(AuditedMixin, db.Model):
    """One forecast number for a period: a person's (owner_id) or a team's (team_id)."""

    __tablename__ = "forecast_submissions"
    audit_kind = _l("Forecast")
    audit_labels = {
        "period_key": _l("Period"),
        "kind": _l("Kind"),
        "amount": _l("Forecast"),
        "note": _l("Note"),
        "owner_id": _l("Person"),
        "team_id": _l("Team"),
        "won": _l("Won to date"),
        "commit_amount": _lp("forecast", "Commit"),
        "best_case": _lp("forecast", "Best case"),
        "pipeline": _lp("forecast", "Pipeline"),
        "weighted": _l("Weighted pipeline"),
        "submitted_by_id": _l("Submitted by"),
        "submitted_at": _l("Submitted at"),
    }
    audit_choices = {"kind": SUBMISSION_KIND_LABELS}
    audit_money = {
        "amount": "currency",
        "won": "currency",
        "commit_amount": "currency",
        "best_case": "currency",
        "pipeline": "currency",
        "weighted": "currency",
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    period_key: Mapped[str] = mapped_column(String(10), nullable=False)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    kind: Mapped[str] = mapped_column(String(12), nullable=False, default=SubmissionKind.SUBMITTED)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    note: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    # The system's figures when the number was given, in the same currency.
    won: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"))
    commit_amount: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"))
    best_case: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"))
    pipeline: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"))
    weighted: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"))
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    team: Mapped[Team | None] = relationship(foreign_keys=[team_id])
    submitted_by: Mapped[User] = relationship(foreign_keys=[submitted_by_id])

    __table_args__ = (
        Index("ix_forecast_submissions_person", "period_key", "owner_id", "id"),
        Index("ix_forecast_submissions_team", "period_key", "team_id", "id"),
    )

    @property
    def audit_label(self) -> str:
        return self.period_key

    @property
    def is_adjustment(self) -> bool:
        return self.kind == SubmissionKind.ADJUSTED


def accuracy(forecast: Decimal, actual: Decimal) -> Decimal:
    """How close a forecast came to what was won: 1 − |forecast − actual| / actual, never
    below 0 (so 100 % is exact, and a forecast off by the whole actual or more scores 0 %).
    With nothing won, a forecast of nothing is exact and any other number scores 0."""
    if actual <= 0:
        return Decimal(1) if forecast == 0 else Decimal(0)
    return max(Decimal(0), 1 - abs(forecast - actual) / actual).quantize(Decimal("0.0001"))


def format_accuracy(share: Decimal) -> str:
    """An accuracy as a percentage in the reader's locale ("87%", "87 %")."""
    return format_percent(share, "#,##0%")
