"""Sales processes (versioned), stages with checklists and exit criteria, deals, products, quotes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _
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
    case,
    false,
    null,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    today,
    utcnow,
)
from salesweb.core.money import CENT, Conversion
from salesweb.customers.models import Account, Contact, Order
from salesweb.extensions import db


class DealStatus(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


DEAL_STATUS_LABELS = {
    DealStatus.OPEN: _lp("deal status", "Open"),
    DealStatus.WON: _l("Won"),
    DealStatus.LOST: _l("Lost"),
}


class ForecastCategory(StrEnum):
    """Where an open deal stands in the forecast; a won deal is closed, a lost one in none."""

    PIPELINE = "pipeline"
    BEST_CASE = "best_case"
    COMMIT = "commit"
    CLOSED = "closed"


FORECAST_LABELS = {
    ForecastCategory.PIPELINE: _lp("forecast", "Pipeline"),
    ForecastCategory.BEST_CASE: _lp("forecast", "Best case"),
    ForecastCategory.COMMIT: _lp("forecast", "Commit"),
    ForecastCategory.CLOSED: _lp("forecast", "Closed"),
}
# What an owner may set by hand: "closed" is what winning does, never a choice.
FORECAST_CHOICES = (ForecastCategory.PIPELINE, ForecastCategory.BEST_CASE, ForecastCategory.COMMIT)
# The default category of an open deal follows its probability (the stage's, unless the owner
# gave another with a reason): from 70 % commit, from 40 % best case, below that pipeline.
FORECAST_COMMIT_FROM = 70
FORECAST_BEST_CASE_FROM = 40


def default_forecast(probability: int) -> ForecastCategory:
    """The category an open deal of this probability has until its owner says otherwise."""
    if probability >= FORECAST_COMMIT_FROM:
        return ForecastCategory.COMMIT
    if probability >= FORECAST_BEST_CASE_FROM:
        return ForecastCategory.BEST_CASE
    return ForecastCategory.PIPELINE


VIA_LABELS = {
    "form": _l("deal form"),
    "board": _l("board"),
    "cli": _l("command line"),
    "import": _l("import"),
}


# The role an "approval by a role" criterion waits for when its parameters name none.
DEFAULT_APPROVAL_ROLE = "manager"


class StageKind(StrEnum):
    OPEN = "open"  # a working stage
    AFTER_SALES = "after_sales"  # where won deals go


class SalesProcess(AuditedMixin, TimestampMixin, db.Model):
    """A named sales process; its stages live in versions, the newest is current."""

    __tablename__ = "sales_processes"
    audit_kind = _l("Sales process")
    audit_labels = {
        "is_default": _l("Default process"),
        "current_version_id": _l("Current version"),
        "version": _l("Process version"),
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(120), nullable=False)
    name_en: Mapped[str] = mapped_column(String(120), nullable=False)
    is_default: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_versions.id", use_alter=True, name="fk_sales_processes_current_version")
    )

    current_version: Mapped[ProcessVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )

    name = bilingual_text("name")

    @property
    def audit_label(self) -> str:
        return self.name_en


class ProcessVersion(db.Model):
    """A frozen snapshot of a process's stages; deals keep the version they started under."""

    __tablename__ = "process_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("sales_processes.id"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    note: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    process: Mapped[SalesProcess] = relationship(foreign_keys=[process_id])
    stages: Mapped[list[Stage]] = relationship(
        back_populates="version", order_by="Stage.position", cascade="all, delete-orphan"
    )

    __table_args__ = (UniqueConstraint("process_id", "number", name="uq_process_versions_number"),)

    def stage_by_key(self, key: str) -> Stage | None:
        return next((s for s in self.stages if s.key == key), None)


class Stage(db.Model):
    __tablename__ = "stages"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("process_versions.id"), nullable=False, index=True
    )
    key: Mapped[str] = mapped_column(String(40), nullable=False)  # stable across versions
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default=StageKind.OPEN)
    name_zh: Mapped[str] = mapped_column(String(80), nullable=False)
    name_en: Mapped[str] = mapped_column(String(80), nullable=False)
    probability: Mapped[int] = mapped_column(Integer, nullable=False, default=10)
    responsible_role: Mapped[str] = mapped_column(String(20), nullable=False, default="rep")
    sla_days: Mapped[int] = mapped_column(Integer, nullable=False, default=14)

    version: Mapped[ProcessVersion] = relationship(back_populates="stages")
    steps: Mapped[list[StageStep]] = relationship(
        back_populates="stage", order_by="StageStep.position", cascade="all, delete-orphan"
    )
    criteria: Mapped[list[StageCriterion]] = relationship(
        back_populates="stage", order_by="StageCriterion.id", cascade="all, delete-orphan"
    )

    __table_args__ = (UniqueConstraint("version_id", "key", name="uq_stages_version_key"),)

    name = bilingual_text("name")

    @property
    def approval_roles(self) -> set[str]:
        """The roles whose approval this stage waits for (its "approval by a role" criteria)."""
        return {
            (c.params or {}).get("role", DEFAULT_APPROVAL_ROLE)
            for c in self.criteria
            if c.kind == "role_approval"
        }

    def __str__(self) -> str:
        return self.name


class StageStep(db.Model):
    """A checklist step of a stage; required steps block leaving the stage until done."""

    __tablename__ = "stage_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    name_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    name_en: Mapped[str] = mapped_column(String(200), nullable=False)
    required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    stage: Mapped[Stage] = relationship(back_populates="steps")

    name = bilingual_text("name")


class StageCriterion(db.Model):
    """An exit criterion: a kind from the gates registry and its parameters."""

    __tablename__ = "stage_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    params: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)

    stage: Mapped[Stage] = relationship(back_populates="criteria")


class LostReason(TimestampMixin, db.Model):
    """Configurable reasons for lost deals (shared with feedback root causes)."""

    __tablename__ = "lost_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    label_zh: Mapped[str] = mapped_column(String(80), nullable=False)
    label_en: Mapped[str] = mapped_column(String(80), nullable=False)
    needs_text: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    label = bilingual_text("label")


class Deal(AuditedMixin, VersionedMixin, SoftDeleteMixin, TimestampMixin, db.Model):
    __tablename__ = "deals"
    audit_kind = _l("Deal")
    audit_labels = {
        "process_version_id": _l("Process version"),
        "stage_id": _l("Stage"),
        "amount": _l("Amount"),
        "rate": _l("Exchange rate"),
        "rate_date": _l("Rate date"),
        "rate_source": _l("Rate source"),
        "base_amount": _l("Amount in base currency"),
        "expected_close": _l("Expected close date"),
        "closed_on": _l("Closed on"),
        "engaged_on": _l("Engaged on"),
        "competitor": _l("Competitor"),
        "probability": _l("Probability (%)"),
        "probability_reason": _l("Why this probability"),
        "lost_reason_id": _l("Lost reason"),
        "product_name": _l("Product"),
        "lost_note": _l("Note on the loss"),
        "stage_unknown": _l("Stage unknown (imported)"),
        "quote_id": _l("Accepted quote"),
        "amount_note": _l("Why the amount differs from the accepted quote"),
        "order_id": _l("Order"),
        "forecast_override": _l("Forecast category"),
    }
    audit_choices = {"status": DEAL_STATUS_LABELS, "forecast_override": FORECAST_LABELS}
    audit_money = {"amount": "currency", "base_amount": ""}
    __audit_exclude__ = frozenset({"created_at", "updated_at", "version", "stage_entered_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    process_version_id: Mapped[int] = mapped_column(
        ForeignKey("process_versions.id"), nullable=False
    )
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=DealStatus.OPEN)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="CNY")
    rate: Mapped[Decimal | None] = mapped_column(Numeric(18, 8))
    rate_date: Mapped[date | None] = mapped_column(Date)
    rate_source: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    base_amount: Mapped[Decimal | None] = mapped_column(Money)
    expected_close: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    engaged_on: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    competitor: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    next_step: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    probability: Mapped[int] = mapped_column(Integer, nullable=False, default=10)
    probability_reason: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    lost_reason_id: Mapped[int | None] = mapped_column(ForeignKey("lost_reasons.id"))
    lost_note: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    stage_entered_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    product_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    # Imported as lost from a file that does not say in which stage: its stage is a placeholder.
    stage_unknown: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    # The chain quote -> deal -> order: the accepted quote the amount was taken from, why the
    # amount differs from it when a person chose to keep their own, and the won deal's order.
    quote_id: Mapped[int | None] = mapped_column(
        ForeignKey("quotes.id", use_alter=True, name="fk_deals_quote_id_quotes")
    )
    amount_note: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    # The forecast category its owner (or their manager) chose; None follows the probability.
    forecast_override: Mapped[str | None] = mapped_column(String(12))

    account: Mapped[Account | None] = relationship(lazy="joined", foreign_keys=[account_id])
    contact: Mapped[Contact | None] = relationship(foreign_keys=[contact_id])
    owner: Mapped[User] = relationship(lazy="joined", foreign_keys=[owner_id])
    stage: Mapped[Stage] = relationship(lazy="joined", foreign_keys=[stage_id])
    process_version: Mapped[ProcessVersion] = relationship(foreign_keys=[process_version_id])
    lost_reason: Mapped[LostReason | None] = relationship(foreign_keys=[lost_reason_id])
    quote: Mapped[Quote | None] = relationship(foreign_keys=[quote_id], post_update=True)
    order: Mapped[Order | None] = relationship(foreign_keys=[order_id])

    __table_args__ = (
        Index("ix_deals_order", "order_id"),
        Index("ix_deals_owner_status_stage", "owner_id", "status", "stage_id"),
        # Covering for a rep's or a team's deals: the board's totals and cards and the deal list's
        # count and page (every filter and sort column) read this index alone, not the rows.
        Index(
            "ix_deals_owner_status_live",
            "owner_id",
            "status",
            "deleted_at",
            "updated_at",
            "stage_id",
            "base_amount",
            "id",
        ),
        Index("ix_deals_live_status_stage", "deleted_at", "status", "stage_id"),
        # Covering for the board, the whole company's and a rep's or a team's: stage totals from
        # the index alone, and each column's newest cards as a short range read (migration 0022).
        Index(
            "ix_deals_board",
            "status",
            "stage_id",
            "updated_at",
            "id",
            "deleted_at",
            "base_amount",
            "owner_id",
        ),
        Index(
            "ix_deals_owner_board",
            "owner_id",
            "status",
            "deleted_at",
            "stage_id",
            "updated_at",
            "id",
            "base_amount",
        ),
        # The deal list of someone who sees every deal: its default order (last change first)
        # read backwards from the index instead of sorting every open deal.
        Index("ix_deals_status_live_updated", "status", "deleted_at", "updated_at", "id"),
        # Covering for the forecast sums (goals): a team's open deals by expected close, with
        # what their category and weighted amount are computed from.
        Index(
            "ix_deals_forecast",
            "owner_id",
            "status",
            "expected_close",
            "deleted_at",
            "probability",
            "forecast_override",
            "base_amount",
        ),
        Index("ix_deals_account", "account_id"),
        Index("ix_deals_expected_close", "expected_close"),
        Index("ix_deals_updated", "updated_at"),
        Index("ix_deals_base_amount", "base_amount"),
        # Won deals by final close date (goals' attainment, the deal list's closed filters).
        Index("ix_deals_won_close", "status", "deleted_at", "closed_on", "owner_id", "base_amount"),
    )

    @property
    def audit_label(self) -> str:
        return self.title

    @property
    def rate_source_label(self) -> str:
        """Where the rate came from, as people read it; an import that found no rate of the
        deal's date and took the nearest earlier one (rate_fallback) says so."""
        kind, sep, source = self.rate_source.partition(":")
        if sep and kind == "nearest_earlier":
            return _("%(source)s, the nearest earlier rate: none of the deal's date", source=source)
        return self.rate_source

    @hybrid_property
    def forecast_category(self) -> ForecastCategory | None:
        """Closed when won, none when lost; else the owner's choice or the probability's."""
        if self.status == DealStatus.WON:
            return ForecastCategory.CLOSED
        if self.status == DealStatus.LOST:
            return None
        if self.forecast_override:
            return ForecastCategory(self.forecast_override)
        return default_forecast(self.probability)

    @forecast_category.inplace.expression
    @classmethod
    def _forecast_category_sql(cls):
        # The same rule in SQL, so sums group by category in the database.
        return case(
            (cls.status == DealStatus.WON, ForecastCategory.CLOSED.value),
            (cls.status == DealStatus.LOST, null()),
            (cls.forecast_override.is_not(None), cls.forecast_override),
            (cls.probability >= FORECAST_COMMIT_FROM, ForecastCategory.COMMIT.value),
            (cls.probability >= FORECAST_BEST_CASE_FROM, ForecastCategory.BEST_CASE.value),
            else_=ForecastCategory.PIPELINE.value,
        )

    def set_forecast(self, category: str | None) -> None:
        """The owner's category for an open deal; None (or "") goes back to the default."""
        if self.status != DealStatus.OPEN:
            raise DomainError(_("Only an open deal has a forecast category to choose."))
        if category and category not in {c.value for c in FORECAST_CHOICES}:
            raise DomainError(_("Choose a forecast category from the list."), field="forecast")
        self.forecast_override = category or None

    def days_in_stage(self, now: datetime | None = None) -> int:
        return max(0, ((now or utcnow()) - self.stage_entered_at).days)

    def past_sla(self, now: datetime | None = None) -> bool:
        return self.status == DealStatus.OPEN and self.days_in_stage(now) > self.stage.sla_days

    # --- transitions: the deal's own rules; gates (what other records must hold) stay with the
    # services, which call these first. Each raises a DomainError saying why not.

    def _check_open(self, message: str | None = None) -> None:
        if self.status != DealStatus.OPEN:
            raise DomainError(message or _("This deal is already closed."))

    def can_move_to(self, target: Stage, reason: str = "") -> bool:
        """Whether the deal may move to `target` by its own rules; True when the move is forward
        (the stages it leaves must then let it go). A move back needs a reason."""
        self._check_open(_("Only open deals move between stages; reopen it first."))
        if target.version_id != self.process_version_id:
            raise DomainError(_("This stage belongs to another process."), field="stage_id")
        if target.kind == StageKind.AFTER_SALES:
            raise DomainError(
                _("Mark the deal as won to move it to after-sales."), field="stage_id"
            )
        if target.id == self.stage_id:
            raise DomainError(_("The deal is already in this stage."), field="stage_id")
        forward = target.position > self.stage.position
        if not forward and not reason.strip():
            raise DomainError(_("Say why the deal moves back."), field="reason")
        return forward

    def check_win(self, closed_on: date | None) -> date:
        """The close date a win would record (the given day, or the expected close date); a
        DomainError when the deal cannot be won: closed already, no amount, no date. Changes
        nothing, so the stage gates can still refuse the win after it."""
        self._check_open()
        if self.amount is None or self.amount <= 0:
            raise DomainError(_("A won deal needs an amount."), field="amount")
        closed_on = closed_on or self.expected_close
        if closed_on is None:
            raise DomainError(_("A won deal needs a close date."), field="closed_on")
        return closed_on

    def win(self, closed_on: date | None) -> None:
        """Won: open, with an amount, closed on the given day (or the expected close date)."""
        closed_on = self.check_win(closed_on)
        self.status, self.closed_on, self.probability = DealStatus.WON, closed_on, 100

    def lose(
        self,
        reason: LostReason | None,
        note: str = "",
        *,
        closed_on: date | None = None,
        imported: bool = False,
    ) -> None:
        """Lost needs a reason from the list ("other" needs words too). "Unknown (imported)"
        is not offered to people, only to imports of deals lost elsewhere."""
        self._check_open()
        imported_unknown = imported and reason is not None and reason.code == "unknown_imported"
        if reason is None or not (reason.active or imported_unknown):
            raise DomainError(_("Choose why the deal was lost."), field="lost_reason_id")
        if reason.needs_text and not note.strip():
            raise DomainError(_("Describe the reason."), field="lost_note")
        self.lost_reason_id, self.lost_note = reason.id, note.strip()
        self.status, self.closed_on, self.probability = DealStatus.LOST, closed_on or today(), 0

    # --- a new deal and its booking: one spelling for the services and the importers.

    @classmethod
    def opened(cls, stage: Stage, since: datetime, **values: Any) -> Deal:
        """A new open deal in `stage` since `since`, with the stage's probability."""
        return cls(
            process_version_id=stage.version_id,
            stage_id=stage.id,
            status=DealStatus.OPEN,
            probability=stage.probability,
            stage_entered_at=since,
            **values,
        )

    def book(self, conversion: Conversion | None = None) -> None:
        """The amount in the base currency, at the conversion's rate (fixed at booking) or at
        the rate kept from the last booking."""
        if self.amount is None:
            self.base_amount = None
            return
        if conversion is not None:
            self.rate, self.rate_date = conversion.rate, conversion.rate_date
            self.rate_source = conversion.source
        # Half up, as core.money converts: the order of a won deal must show the same base total.
        self.base_amount = (self.amount * self.rate).quantize(CENT, rounding=ROUND_HALF_UP)


class DealStepDone(db.Model):
    __tablename__ = "deal_steps_done"

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), nullable=False)
    step_id: Mapped[int] = mapped_column(ForeignKey("stage_steps.id"), nullable=False)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (UniqueConstraint("deal_id", "step_id", name="uq_deal_steps_done_deal_step"),)


class DealApproval(db.Model):
    """An approval given by a role on a deal in a stage (exit criterion "approval by role")."""

    __tablename__ = "deal_approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), nullable=False, index=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    approved_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    comment: Mapped[str] = mapped_column(String(500), nullable=False, default="")

    approved_by: Mapped[User] = relationship(foreign_keys=[approved_by_id])


class StageHistory(db.Model):
    """Every stage a deal entered: when, who, how (form, board, cli, import) and why."""

    __tablename__ = "deal_stage_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), nullable=False)
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=DealStatus.OPEN)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    via: Mapped[str] = mapped_column(String(20), nullable=False, default="form")
    reason: Mapped[str] = mapped_column(String(500), nullable=False, default="")

    stage: Mapped[Stage] = relationship(lazy="joined", foreign_keys=[stage_id])
    actor: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[actor_id])

    __table_args__ = (
        Index("ix_deal_stage_history_deal", "deal_id", "entered_at"),
        Index("ix_deal_stage_history_stage", "stage_id", "entered_at"),
    )


class Product(AuditedMixin, VersionedMixin, TimestampMixin, db.Model):
    __tablename__ = "products"
    audit_kind = _l("Product")
    audit_labels = {
        "name": _l("Product name"),
        "sku": _l("SKU"),
        "series": _l("Series"),
        "list_price": _l("List price"),
    }
    audit_money = {"list_price": "currency"}

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(60), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    series: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    list_price: Mapped[Decimal] = mapped_column(Money, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="CNY")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    def __str__(self) -> str:
        return self.name


class QuoteStatus(StrEnum):
    DRAFT = "draft"
    PENDING = "pending_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"


QUOTE_STATUS_LABELS = {
    QuoteStatus.DRAFT: _l("Draft"),
    QuoteStatus.PENDING: _l("Waiting for approval"),
    QuoteStatus.APPROVED: _l("Approved"),
    QuoteStatus.REJECTED: _lp("approval", "Rejected"),
    QuoteStatus.SENT: _l("Sent"),
    QuoteStatus.ACCEPTED: _l("Accepted"),
    QuoteStatus.DECLINED: _l("Declined by customer"),
}


class Quote(AuditedMixin, VersionedMixin, SoftDeleteMixin, TimestampMixin, db.Model):
    __tablename__ = "quotes"
    audit_kind = _l("Quote")
    audit_labels = {
        "language": _l("Quote language"),
        "subtotal": _l("Subtotal"),
        "tax_rate": _l("Tax rate (%)"),
        "tax": _l("Tax"),
        "total": _l("Total"),
        "max_discount": _l("Largest discount (%)"),
        "valid_until": _l("Valid until"),
        "terms": _l("Terms"),
        "decided_by_id": _l("Decided by"),
        "decided_at": _l("Decided on"),
        "decision_comment": _l("Decision comment"),
    }
    audit_choices = {"status": QUOTE_STATUS_LABELS}
    audit_money = {"subtotal": "currency", "tax": "currency", "total": "currency"}

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), nullable=False)
    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=QuoteStatus.DRAFT)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="CNY")
    language: Mapped[str] = mapped_column(String(10), nullable=False, default="zh_CN")
    subtotal: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"))
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal("13"))
    tax: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"))
    total: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"))
    max_discount: Mapped[Decimal] = mapped_column(
        Numeric(5, 2), nullable=False, default=Decimal("0")
    )
    valid_until: Mapped[date | None] = mapped_column(Date)
    terms: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_comment: Mapped[str] = mapped_column(String(500), nullable=False, default="")

    deal: Mapped[Deal] = relationship(foreign_keys=[deal_id])
    lines: Mapped[list[QuoteLine]] = relationship(
        back_populates="quote", order_by="QuoteLine.position", cascade="all, delete-orphan"
    )
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __table_args__ = (
        UniqueConstraint("number", "revision", name="uq_quotes_number_revision"),
        Index("ix_quotes_deal", "deal_id"),
        Index("ix_quotes_status", "status"),
    )

    @property
    def audit_label(self) -> str:
        return f"{self.number} v{self.revision}"


class QuoteLine(db.Model):
    __tablename__ = "quote_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False)
    description: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    quantity: Mapped[Decimal] = mapped_column(Numeric(18, 3), nullable=False)
    unit_price: Mapped[Decimal] = mapped_column(Money, nullable=False)
    discount_pct: Mapped[Decimal] = mapped_column(
        Numeric(5, 2), nullable=False, default=Decimal("0")
    )
    line_total: Mapped[Decimal] = mapped_column(Money, nullable=False)

    quote: Mapped[Quote] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship(lazy="joined")


class DealInteraction(db.Model):
    """Links an account interaction to the deal it was about (customers knows nothing of deals)."""

    __tablename__ = "deal_interactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), nullable=False, index=True)
    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interactions.id"), nullable=False, unique=True
    )
