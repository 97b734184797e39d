"""Contracts with their versions and attachments, compliance rules, reviews with their immutable
trail (rule results, comments, decisions), and the risk register."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from salesweb.auth.models import User
from salesweb.core.errors import DomainError
from salesweb.core.i18n import bilingual_text
from salesweb.core.models import (
    AuditedMixin,
    Money,
    SoftDeleteMixin,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    coded_label,
    today,
    utcnow,
)
from salesweb.customers.models import Account
from salesweb.extensions import db
from salesweb.pipeline.models import Deal, Quote


class ContractStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    SIGNED = "signed"


CONTRACT_STATUS_LABELS = {
    ContractStatus.DRAFT: _l("Draft"),
    ContractStatus.SUBMITTED: _l("Waiting for review"),
    ContractStatus.IN_REVIEW: _l("In review"),
    ContractStatus.CHANGES_REQUESTED: _l("Changes requested"),
    ContractStatus.APPROVED: _l("Approved"),
    ContractStatus.REJECTED: _lp("approval", "Rejected"),
    ContractStatus.SIGNED: _l("Signed"),
}

# A contract's owner may change its terms only in these states; any change re-opens review.
EDITABLE = (
    ContractStatus.DRAFT,
    ContractStatus.SUBMITTED,
    ContractStatus.IN_REVIEW,
    ContractStatus.CHANGES_REQUESTED,
    ContractStatus.APPROVED,
)
# Contracts that count against an account's credit limit.
OPEN_FOR_CREDIT = (
    ContractStatus.SUBMITTED,
    ContractStatus.IN_REVIEW,
    ContractStatus.CHANGES_REQUESTED,
    ContractStatus.APPROVED,
    ContractStatus.SIGNED,
)

MAX_PAYMENT_TERMS = 2000

CLAUSES = {
    "confidentiality": _l("Confidentiality"),
    "liability_cap": _l("Liability cap"),
    "penalty": _l("Penalty"),
    "intellectual_property": _l("Intellectual property"),
    "data_protection": _l("Data protection"),
    "termination": _l("Termination"),
}


class Contract(AuditedMixin, VersionedMixin, SoftDeleteMixin, TimestampMixin, db.Model):
    """The current terms of a contract; every change of terms or files is also a version."""

    __tablename__ = "contracts"
    audit_kind = _l("Contract")
    audit_labels = {
        "value": _l("Contract value"),
        "base_value": _l("Value in base currency"),
        "discount_pct": _l("Discount (%)"),
        "payment_days": _l("Payment terms (days)"),
        "start_date": _l("Start date"),
        "end_date": _l("End date"),
        "auto_renew": _l("Renews automatically"),
        "governing_law": _l("Governing law"),
        "clauses": _l("Key clauses"),
        "version_no": _l("Contract version"),
        "version": _l("Contract version"),
        "signed_at": _l("Signed on"),
        "signed_by_id": _l("Signed by"),
        "quote_id": _l("Accepted quote"),
        "payment_terms": _l("Payment terms"),
    }
    audit_choices = {"status": CONTRACT_STATUS_LABELS, "clauses": CLAUSES}
    audit_money = {"value": "currency", "base_value": ""}
    __audit_exclude__ = frozenset({"created_at", "updated_at", "version", "search_text"})

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), nullable=False, unique=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ContractStatus.DRAFT)
    value: Mapped[Decimal] = mapped_column(Money, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="CNY")
    base_value: Mapped[Decimal] = mapped_column(Money, nullable=False)
    discount_pct: Mapped[Decimal] = mapped_column(
        Numeric(5, 2), nullable=False, default=Decimal("0")
    )
    payment_days: Mapped[int] = mapped_column(Integer, nullable=False, default=30)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date] = mapped_column(Date, nullable=False)
    auto_renew: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    governing_law: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    clauses: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    version_no: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    search_text: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    # The accepted quote the contract was made from: its lines are the contract's lines.
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("quotes.id"))
    payment_terms: Mapped[str] = mapped_column(Text, nullable=False, default="")

    account: Mapped[Account] = relationship(lazy="joined", foreign_keys=[account_id])
    deal: Mapped[Deal | None] = relationship(foreign_keys=[deal_id])
    quote: Mapped[Quote | None] = relationship(foreign_keys=[quote_id])
    owner: Mapped[User] = relationship(lazy="joined", foreign_keys=[owner_id])
    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_id])

    __table_args__ = (
        Index("ix_contracts_owner_live_status", "owner_id", "deleted_at", "status"),
        Index("ix_contracts_live_updated", "deleted_at", "updated_at"),
        Index("ix_contracts_status", "status"),
        Index("ix_contracts_account_status", "account_id", "status"),
        Index("ix_contracts_deal", "deal_id"),
        Index("ix_contracts_search", "search_text"),
    )

    @property
    def audit_label(self) -> str:
        return self.number

    status_label = coded_label("status", CONTRACT_STATUS_LABELS)

    @property
    def term_months(self) -> int:
        months = (self.end_date.year - self.start_date.year) * 12
        months += self.end_date.month - self.start_date.month
        return months + (1 if self.end_date.day > self.start_date.day else 0)

    def clause_labels(self) -> list[str]:
        return [str(CLAUSES.get(c, c)) for c in self.clauses or []]

    def sign(self, user: User) -> None:
        """Only an approved contract, approved in its current version, can be signed."""
        if self.status != ContractStatus.APPROVED:
            raise DomainError(str(_l("A contract can be signed only after its approval.")))
        self.status = ContractStatus.SIGNED
        self.signed_at, self.signed_by_id = utcnow(), user.id


class ContractVersion(db.Model):
    """A frozen snapshot of a contract's terms and files; what a review approves."""

    __tablename__ = "contract_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    terms: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    attachment_ids: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    note: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    __table_args__ = (
        UniqueConstraint("contract_id", "number", name="uq_contract_versions_number"),
    )


class ContractAttachment(AuditedMixin, db.Model):
    """An uploaded file, checked by content, stored outside static/ under a random name."""

    __tablename__ = "contract_attachments"
    audit_kind = _l("Contract attachment")
    audit_labels = {"uploaded_at": _l("Uploaded on")}

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), nullable=False, index=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    stored_name: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    mime: Mapped[str] = mapped_column(String(100), nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    @property
    def audit_label(self) -> str:
        return self.filename


class Severity(StrEnum):
    BLOCK = "block"
    WARN = "warn"


SEVERITY_LABELS = {Severity.BLOCK: _l("Blocks"), Severity.WARN: _l("Warning")}


class Rule(AuditedMixin, VersionedMixin, TimestampMixin, db.Model):
    """A compliance rule kept by compliance officers; its results keep a copy of its texts."""

    __tablename__ = "compliance_rules"
    audit_kind = _l("Compliance rule")
    audit_labels = {"params": _l("Settings")}
    audit_choices = {"severity": SEVERITY_LABELS}

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    description_zh: Mapped[str] = mapped_column(String(300), nullable=False)
    description_en: Mapped[str] = mapped_column(String(300), nullable=False)
    severity: Mapped[str] = mapped_column(String(10), nullable=False, default=Severity.BLOCK)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    params: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)

    __table_args__ = (Index("ix_compliance_rules_active_kind", "active", "kind"),)

    description = bilingual_text("description")

    @property
    def audit_label(self) -> str:
        return self.description_en[:200]


class ReviewStatus(StrEnum):
    QUEUED = "queued"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # the contract changed before a decision


REVIEW_STATUS_LABELS = {
    ReviewStatus.QUEUED: _l("In the queue"),
    ReviewStatus.IN_REVIEW: _l("In review"),
    ReviewStatus.APPROVED: _l("Approved"),
    ReviewStatus.CHANGES_REQUESTED: _l("Changes requested"),
    ReviewStatus.REJECTED: _lp("approval", "Rejected"),
    ReviewStatus.SUPERSEDED: _l("Superseded by a later version"),
}
OPEN_REVIEW = (ReviewStatus.QUEUED, ReviewStatus.IN_REVIEW)
FINAL_REVIEW = (
    ReviewStatus.APPROVED,
    ReviewStatus.CHANGES_REQUESTED,
    ReviewStatus.REJECTED,
    ReviewStatus.SUPERSEDED,
)


class Review(AuditedMixin, db.Model):
    """One submission of one contract version: its rule results, comments and decisions."""

    __tablename__ = "contract_reviews"
    audit_kind = _l("Contract review")
    audit_labels = {
        "version_no": _l("Contract version"),
        "submitted_by_id": _l("Submitted by"),
        "submitted_at": _l("Submitted on"),
        "severity": _l("Findings"),
        "blocking": _l("Blocking findings"),
        "warnings": _l("Warnings"),
        "needs_two": _l("Needs two approvers"),
        "approvals": _l("Approvals so far"),
        "claimed_by_id": _l("Reviewer"),
        "claimed_at": _l("Claimed on"),
        "decided_at": _l("Decided on"),
    }
    audit_choices = {"status": REVIEW_STATUS_LABELS}
    audit_hidden = frozenset({"version_id"})  # version_no names the same version
    # Set once at submission; the before_flush guard refuses any later change.
    FIXED = frozenset(
        {
            "contract_id",
            "version_id",
            "version_no",
            "digest",
            "submitted_by_id",
            "submitted_at",
            "severity",
            "blocking",
            "warnings",
            "needs_two",
        }
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), nullable=False)
    version_id: Mapped[int] = mapped_column(ForeignKey("contract_versions.id"), nullable=False)
    version_no: Mapped[int] = mapped_column(Integer, nullable=False)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ReviewStatus.QUEUED)
    severity: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # 2 block, 1 warn
    blocking: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    warnings: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    needs_two: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    approvals: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contract: Mapped[Contract] = relationship(lazy="joined", foreign_keys=[contract_id])
    contract_version: Mapped[ContractVersion] = relationship(foreign_keys=[version_id])
    submitted_by: Mapped[User] = relationship(lazy="joined", foreign_keys=[submitted_by_id])
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id])
    results: Mapped[list[RuleResult]] = relationship(
        back_populates="review", order_by="RuleResult.position", viewonly=True
    )

    __table_args__ = (
        # The queue: open reviews by severity, then by waiting time.
        Index("ix_contract_reviews_queue", "status", "severity", "submitted_at"),
        Index("ix_contract_reviews_contract", "contract_id", "submitted_at"),
        Index("ix_contract_reviews_decided", "decided_at"),
    )

    @property
    def audit_label(self) -> str:
        return f"{self.contract.number} v{self.version_no}" if self.contract else str(self.id)

    status_label = coded_label("status", REVIEW_STATUS_LABELS)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REVIEW


class RuleResult(AuditedMixin, db.Model):
    """The outcome of one rule on one submission, with the rule's texts as they were."""

    __tablename__ = "review_results"
    audit_kind = _l("Rule result")
    audit_labels = {"rule_id": _l("Rule"), "passed": _l("Passed"), "details": _l("Details")}
    audit_choices = {"severity": SEVERITY_LABELS}

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("contract_reviews.id"), nullable=False)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("compliance_rules.id"))
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    severity: Mapped[str] = mapped_column(String(10), nullable=False)
    passed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    description_zh: Mapped[str] = mapped_column(String(300), nullable=False)
    description_en: Mapped[str] = mapped_column(String(300), nullable=False)
    details: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)

    review: Mapped[Review] = relationship(back_populates="results")
    waivers: Mapped[list[FindingWaiver]] = relationship(
        lazy="selectin", order_by="FindingWaiver.id"
    )

    __table_args__ = (
        Index("ix_review_results_review", "review_id", "position"),
        Index("ix_review_results_rule_passed", "rule_id", "passed"),
    )

    description = bilingual_text("description")

    @property
    def blocks(self) -> bool:
        """A failed blocking rule: approving over it needs a waiver."""
        return not self.passed and self.severity == Severity.BLOCK

    @property
    def waiver(self) -> FindingWaiver | None:
        return next((w for w in self.waivers if w.kind == WaiverKind.WAIVER), None)

    @property
    def waiver_confirmation(self) -> FindingWaiver | None:
        return next((w for w in self.waivers if w.kind == WaiverKind.CONFIRMATION), None)

    @property
    def audit_label(self) -> str:
        return f"{self.kind} #{self.review_id}"


class WaiverKind(StrEnum):
    WAIVER = "waiver"  # an approver approves over the finding, with the reason
    CONFIRMATION = "confirmation"  # the second approver confirms the first one's waiver


class FindingWaiver(AuditedMixin, db.Model):
    """A blocking finding approved over (or the second approver's confirmation of that): part of
    the trail, written once."""

    __tablename__ = "review_waivers"
    audit_kind = _l("Finding waiver")
    audit_labels = {"result_id": _l("Finding"), "actor_id": _l("By")}
    audit_choices = {
        "kind": {
            WaiverKind.WAIVER: _l("Waiver"),
            WaiverKind.CONFIRMATION: _l("Confirmation of a waiver"),
        }
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("contract_reviews.id"), nullable=False)
    result_id: Mapped[int] = mapped_column(ForeignKey("review_results.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    actor: Mapped[User] = relationship(lazy="joined", foreign_keys=[actor_id])

    __table_args__ = (
        Index("ix_review_waivers_result", "result_id", "created_at"),
        Index("ix_review_waivers_review", "review_id"),
    )

    @property
    def audit_label(self) -> str:
        return f"{self.kind} #{self.review_id}"


class CommentKind(StrEnum):
    FINDING = "finding"  # the reviewer's comment on a finding
    ANSWER = "answer"  # the owner's answer
    NOTE = "note"


class ReviewComment(AuditedMixin, db.Model):
    """A comment in a review; never edited: a correction is a new comment."""

    __tablename__ = "review_comments"
    audit_kind = _l("Review comment")
    audit_labels = {"result_id": _l("Finding"), "body": _l("Comment")}

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("contract_reviews.id"), nullable=False)
    result_id: Mapped[int | None] = mapped_column(ForeignKey("review_results.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default=CommentKind.NOTE)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    author: Mapped[User] = relationship(lazy="joined", foreign_keys=[author_id])

    __table_args__ = (Index("ix_review_comments_review", "review_id", "created_at"),)

    @property
    def audit_label(self) -> str:
        return f"{self.kind} #{self.review_id}"


class Decision(StrEnum):
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"


DECISION_LABELS = {
    Decision.APPROVE: _l("Approve"),
    Decision.REQUEST_CHANGES: _l("Request changes"),
    Decision.REJECT: _l("Reject"),
}


class ReviewDecision(AuditedMixin, db.Model):
    """A reviewer's decision on one contract version (its digest); never edited or removed."""

    __tablename__ = "review_decisions"
    audit_kind = _l("Review decision")
    audit_labels = {"decided_by_id": _l("Decided by"), "decision": _l("Decision")}
    audit_choices = {"decision": DECISION_LABELS}

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("contract_reviews.id"), nullable=False)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    decision: Mapped[str] = mapped_column(String(20), nullable=False)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    decided_by: Mapped[User] = relationship(lazy="joined", foreign_keys=[decided_by_id])

    __table_args__ = (
        Index("ix_review_decisions_review", "review_id", "created_at"),
        Index("ix_review_decisions_decision", "decision"),
    )

    label = coded_label("decision", DECISION_LABELS)

    @property
    def audit_label(self) -> str:
        return f"{self.decision} #{self.review_id}"


# --- the risk register -----------------------------------------------------------------------


RISK_CATEGORIES = {
    "market": _l("Market"),
    "customer": _lp("risk category", "Customer"),
    "contract": _l("Contract"),
    "credit": _l("Credit"),
    "compliance": _l("Compliance"),
    "operational": _l("Operational"),
}


class RiskStatus(StrEnum):
    OPEN = "open"
    MITIGATING = "mitigating"
    ACCEPTED = "accepted"
    CLOSED = "closed"


RISK_STATUS_LABELS = {
    RiskStatus.OPEN: _lp("risk status", "Open"),
    RiskStatus.MITIGATING: _l("Mitigating"),
    RiskStatus.ACCEPTED: _l("Accepted"),
    RiskStatus.CLOSED: _lp("risk status", "Closed"),
}
LIVE_RISK = (RiskStatus.OPEN, RiskStatus.MITIGATING, RiskStatus.ACCEPTED)


class RiskLevel(StrEnum):
    LOW = "low"
    MID = "mid"
    HIGH = "high"


# Where a score (likelihood × impact, 1..25) turns mid and high: the heat map's colours and the
# red badge on every risk follow these two numbers and nothing else.
HIGH_SCORE = 15
MID_SCORE = 8


class Risk(AuditedMixin, VersionedMixin, SoftDeleteMixin, TimestampMixin, db.Model):
    __tablename__ = "risks"
    audit_kind = _l("Risk")
    audit_labels = {
        "category": _l("Category"),
        "likelihood": _l("Likelihood"),
        "impact": _l("Impact"),
        "score": _lp("risk", "Score"),
        "mitigation": _l("Mitigation"),
        "next_review_on": _l("Next review"),
    }
    audit_choices = {"status": RISK_STATUS_LABELS}

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    likelihood: Mapped[int] = mapped_column(Integer, nullable=False)
    impact: Mapped[int] = mapped_column(Integer, nullable=False)
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    mitigation: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=RiskStatus.OPEN)
    next_review_on: Mapped[date | None] = mapped_column(Date)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"))

    owner: Mapped[User] = relationship(lazy="joined", foreign_keys=[owner_id])
    account: Mapped[Account | None] = relationship(foreign_keys=[account_id])
    deal: Mapped[Deal | None] = relationship(foreign_keys=[deal_id])
    contract: Mapped[Contract | None] = relationship(foreign_keys=[contract_id])

    __table_args__ = (
        Index("ix_risks_live_status_score", "deleted_at", "status", "score"),
        Index("ix_risks_cell", "likelihood", "impact"),
        Index("ix_risks_owner", "owner_id"),
        Index("ix_risks_next_review", "next_review_on"),
        Index("ix_risks_account", "account_id"),
        Index("ix_risks_deal", "deal_id"),
        Index("ix_risks_contract", "contract_id"),
    )

    @property
    def audit_label(self) -> str:
        return self.title

    category_label = coded_label("category", RISK_CATEGORIES)
    status_label = coded_label("status", RISK_STATUS_LABELS)

    @staticmethod
    def level_of(likelihood: int, impact: int) -> RiskLevel:
        """The level of a heat-map cell, or of any risk with this likelihood and impact."""
        score = likelihood * impact
        if score >= HIGH_SCORE:
            return RiskLevel.HIGH
        return RiskLevel.MID if score >= MID_SCORE else RiskLevel.LOW

    @property
    def level(self) -> RiskLevel:
        return Risk.level_of(self.likelihood, self.impact)

    def is_overdue(self, on: date | None = None) -> bool:
        return (
            self.status != RiskStatus.CLOSED
            and self.next_review_on is not None
            and self.next_review_on < (on or today())
        )


# --- the trail cannot be changed -------------------------------------------------------------


class TrailLocked(DomainError):
    """An attempt to change or remove part of a review's trail."""


IMMUTABLE = (
    RuleResult,
    ReviewComment,
    ReviewDecision,
    FindingWaiver,
    ContractVersion,
    ContractAttachment,
)


def _changed_columns(obj: Any) -> set[str]:
    state = inspect(obj)
    return {
        attr.key
        for attr in state.mapper.column_attrs
        if state.attrs[attr.key].history.has_changes()
    }


def _guard_trail(session: Session, _ctx: Any, _instances: Any) -> None:
    """Submissions, rule results, comments and decisions are written once, never changed."""
    for obj in session.deleted:
        if isinstance(obj, (*IMMUTABLE, Review)):
            raise TrailLocked(str(_l("The review trail cannot be changed or deleted.")))
    for obj in session.dirty:
        if isinstance(obj, IMMUTABLE) and session.is_modified(obj, include_collections=False):
            if _changed_columns(obj):
                raise TrailLocked(str(_l("The review trail cannot be changed or deleted.")))
        elif isinstance(obj, Review) and session.is_modified(obj, include_collections=False):
            changed = _changed_columns(obj)
            if changed & Review.FIXED:
                raise TrailLocked(str(_l("The review trail cannot be changed or deleted.")))
            history = inspect(obj).attrs["status"].history
            old_status = history.deleted[0] if history.deleted else obj.status
            if old_status in FINAL_REVIEW and changed:
                raise TrailLocked(str(_l("This review is already decided.")))


if not event.contains(Session, "before_flush", _guard_trail):
    event.listen(Session, "before_flush", _guard_trail)
