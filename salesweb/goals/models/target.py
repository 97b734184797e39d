"""Targets (销售目标): a number to reach for one measure, one period and one owner, split into
children that must add up before it is published, and the revisions of a published number."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from salesweb.auth.models import Team, User
from salesweb.core.models import (
    AuditedMixin,
    Money,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    coded_label,
    utcnow,
)
from salesweb.customers.models import INTERACTION_KIND_LABELS
from salesweb.extensions import db
from salesweb.goals.periods import Period


class Measure(StrEnum):
    WON_AMOUNT = "won_amount"
    WON_COUNT = "won_count"
    NEW_ACCOUNTS = "new_accounts"
    INTERACTIONS = "interactions"
    SERIES_AMOUNT = "series_amount"


MEASURE_LABELS = {
    Measure.WON_AMOUNT: _l("Won amount"),
    Measure.WON_COUNT: _l("Won deals"),
    Measure.NEW_ACCOUNTS: _l("New accounts"),
    Measure.INTERACTIONS: _lp("measure", "Interactions"),
    Measure.SERIES_AMOUNT: _l("Won amount of a product series"),
}
MONEY_MEASURES = frozenset({Measure.WON_AMOUNT, Measure.SERIES_AMOUNT})
# Measures that the deal list can show the records of (won deals by their close date).
DEAL_MEASURES = frozenset({Measure.WON_AMOUNT, Measure.WON_COUNT, Measure.SERIES_AMOUNT})


class Level(StrEnum):
    COMPANY = "company"
    TEAM = "team"
    PERSON = "person"


LEVEL_LABELS = {
    Level.COMPANY: _l("Company"),
    Level.TEAM: _l("Team"),
    Level.PERSON: _l("Person"),
}


class TargetStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


TARGET_STATUS_LABELS = {
    TargetStatus.DRAFT: _l("Draft"),
    TargetStatus.PUBLISHED: _lp("target", "Published"),
}

MONEY_STEP = Decimal("0.01")
COUNT_STEP = Decimal("1")


def owner_key(level: str, team_id: int | None, user_id: int | None) -> str:
    """The owner as one comparable value: "company", "team:3", "user:7"."""
    if level == Level.TEAM:
        return f"team:{team_id}"
    if level == Level.PERSON:
        return f"user:{user_id}"
    return "company"


def measure_detail(measure: str, series: str = "", kinds: list[str] | None = None) -> str:
    """What narrows a measure: the product series, or the interaction kinds (sorted, joined)."""
    if measure == Measure.SERIES_AMOUNT:
        return (series or "").strip()
    if measure == Measure.INTERACTIONS:
        return ",".join(sorted(set(kinds or [])))
    return ""


class Target(AuditedMixin, VersionedMixin, TimestampMixin, db.Model):
    __tablename__ = "targets"
    audit_kind = _l("Target")
    audit_labels = {
        "measure": _l("Measure"),
        "detail": _l("Series or kinds"),
        "period_key": _l("Period"),
        "level": _l("Level"),
        "team_id": _l("Team"),
        "user_id": _l("Person"),
        "value": _l("Target"),
        "why": _l("Why this target"),
        "parent_id": _l("Split from"),
        "status": _l("Status"),
        "difference_intended": _l("Difference intended"),
        "difference_note": _l("Why the parts differ"),
        "published_at": _l("Published at"),
    }
    audit_choices = {
        "measure": MEASURE_LABELS,
        "level": LEVEL_LABELS,
        "status": TARGET_STATUS_LABELS,
    }
    __audit_exclude__ = frozenset(
        {"created_at", "updated_at", "version", "owner_key", "period_kind", "period_start"}
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    measure: Mapped[str] = mapped_column(String(20), nullable=False)
    detail: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    period_key: Mapped[str] = mapped_column(String(10), nullable=False)
    period_kind: Mapped[str] = mapped_column(String(10), nullable=False)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    level: Mapped[str] = mapped_column(String(10), nullable=False)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    owner_key: Mapped[str] = mapped_column(String(20), nullable=False)
    value: Mapped[Decimal] = mapped_column(Money, nullable=False)
    why: Mapped[str] = mapped_column(Text, nullable=False, default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("targets.id"))
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=TargetStatus.DRAFT)
    difference_intended: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    difference_note: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team: Mapped[Team | None] = relationship(foreign_keys=[team_id], lazy="joined")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id], lazy="joined")
    parent: Mapped[Target | None] = relationship(remote_side=[id], foreign_keys=[parent_id])

    __table_args__ = (
        # One number per measure, period and owner: a second one would make "the target" unclear.
        UniqueConstraint("measure", "detail", "period_key", "owner_key", name="uq_targets_slot"),
        Index("ix_targets_period_level", "period_key", "level", "measure"),
        Index("ix_targets_parent", "parent_id"),
        Index("ix_targets_user_period", "user_id", "period_start"),
        Index("ix_targets_team_period", "team_id", "period_start"),
    )

    measure_label = coded_label("measure", MEASURE_LABELS)
    level_label = coded_label("level", LEVEL_LABELS)

    status_label = coded_label("status", TARGET_STATUS_LABELS)

    @property
    def is_published(self) -> bool:
        return self.status == TargetStatus.PUBLISHED

    @property
    def is_money(self) -> bool:
        return self.measure in MONEY_MEASURES

    @property
    def step(self) -> Decimal:
        """The smallest part a split may give: a cent of money, one deal, account or visit."""
        return MONEY_STEP if self.is_money else COUNT_STEP

    @property
    def detail_label(self) -> str:
        if self.measure == Measure.INTERACTIONS and self.detail:
            kinds = self.detail.split(",")
            return ", ".join(str(INTERACTION_KIND_LABELS.get(k, k)) for k in kinds)
        return self.detail

    @property
    def kinds(self) -> list[str]:
        return (
            self.detail.split(",") if self.measure == Measure.INTERACTIONS and self.detail else []
        )

    def period(self, fiscal_start: int) -> Period:
        return Period.parse(self.period_key, fiscal_start)

    @property
    def owner_name(self) -> str:
        if self.level == Level.TEAM and self.team is not None:
            return self.team.name
        if self.level == Level.PERSON and self.user is not None:
            return self.user.display_name
        return str(_l("Whole company"))

    @property
    def audit_label(self) -> str:
        return f"{self.period_key} {self.owner_name} {self.measure}"


class TargetRevision(db.Model):
    """A published target's number changed: the old and new number, who, when and why."""

    __tablename__ = "target_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id"), nullable=False)
    old_value: Mapped[Decimal] = mapped_column(Money, nullable=False)
    new_value: Mapped[Decimal] = mapped_column(Money, nullable=False)
    why: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    changed_by: Mapped[User | None] = relationship(foreign_keys=[changed_by_id], lazy="joined")

    __table_args__ = (Index("ix_target_revisions_target", "target_id", "changed_at"),)
