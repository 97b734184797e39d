"""Column types and mixins that every area's models share."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, DateTime, Integer, Numeric, String, TypeDecorator
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from salesweb.core.errors import ConflictError
from salesweb.core.params import parse_int
from salesweb.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today in the company's time zone: the calendar day that due dates, validity and
    closing dates are counted in, whatever the server's own clock zone is."""
    from salesweb.core import settings  # the settings are a model of their own

    return datetime.now(ZoneInfo(settings.get("timezone"))).date()


def day_start(day: date) -> datetime:
    """The first instant of a company day (in the company's time zone), as a UTC time: what a
    filter "from this day" or "before the next day" compares stored timestamps with."""
    from salesweb.core import settings

    zone = ZoneInfo(settings.get("timezone") or "UTC")
    return datetime.combine(day, time.min, zone).astimezone(UTC)


def coded_label(column: str, labels: Mapping[str, Any]) -> property:
    """A read-only model property: the display label of a coded column's value (a status, a
    kind, a category), or the code itself when the labels do not know it.
    `status_label = coded_label("status", STATUS_LABELS)`."""

    def label(self: Any) -> str:
        code = getattr(self, column)
        return str(labels.get(code, code))

    return property(label, doc=f"the label of {column}")


class Money(TypeDecorator):
    """An amount of money: 18 digits with 2 decimals, handed back as a Decimal (never a float).
    The currency lives in its own column beside it."""

    impl = Numeric(18, 2)
    cache_ok = True


class UTCDateTime(TypeDecorator):
    """Stores UTC on every database and always hands back an aware UTC datetime."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        # SQLite has no time zone storage: keep the UTC wall time without an offset.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


class VersionedMixin:
    """Optimistic locking: a stale UPDATE fails instead of overwriting another person's edit."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


def check_version(obj: VersionedMixin, submitted: int | str | None) -> None:
    """Refuse an edit made on a version that is no longer current (or not a version at all)."""
    if submitted is not None and submitted != "" and parse_int(submitted, lo=0) != obj.version:
        raise ConflictError(
            _(
                "Someone else changed this record while you were editing. Reload to see the current version."
            )
        )


class SoftDeleteMixin:
    """Business records are never removed: deleting stamps deleted_at and can be undone."""

    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def soft_delete(self) -> None:
        if self.deleted_at is None:
            self.deleted_at = utcnow()

    def restore(self) -> None:
        self.deleted_at = None


class AuditedMixin:
    """Marks a model whose creates, updates and deletes are written to the audit log."""

    __audit_exclude__: frozenset[str] = frozenset({"created_at", "updated_at", "version"})
    __audit_mask__: frozenset[str] = frozenset()
    # How the history panel speaks of this record (core.history): the kind's name, labels of
    # the audited columns the common labels do not cover, labels of coded values, and which
    # currency column an amount is in ("" for the base currency).
    audit_kind: ClassVar[Any] = None
    audit_labels: ClassVar[dict[str, Any]] = {}
    audit_choices: ClassVar[dict[str, Mapping[str, Any]]] = {}
    audit_money: ClassVar[dict[str, str]] = {}
    audit_hidden: ClassVar[frozenset[str]] = frozenset()  # recorded, but says nothing new

    @property
    def audit_label(self) -> str:
        return str(getattr(self, "name", None) or getattr(self, "id", ""))


class AuditLog(db.Model):
    """One row per change of a business record or per security event; never edited."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, nullable=False, index=True
    )
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_label: Mapped[str] = mapped_column(String(254), nullable=False, default="system")
    action: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    record_type: Mapped[str] = mapped_column(String(60), nullable=False)
    record_id: Mapped[str] = mapped_column(String(40), nullable=False)
    record_label: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    changes: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))

    __table_args__ = (db.Index("ix_audit_log_record", "record_type", "record_id"),)


class ExchangeRate(AuditedMixin, TimestampMixin, db.Model):
    """How many units of the base currency one unit of `currency` was worth from `valid_on`."""

    __tablename__ = "exchange_rates"
    audit_kind = _l("Exchange rate")
    audit_labels = {"valid_on": _l("Valid from"), "rate": _l("Rate")}

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    valid_on: Mapped[date] = mapped_column(Date, nullable=False)
    rate: Mapped[Decimal] = mapped_column(Numeric(18, 8), nullable=False)
    source: Mapped[str] = mapped_column(String(80), nullable=False, default="manual")

    __table_args__ = (
        db.UniqueConstraint("currency", "valid_on", name="uq_exchange_rates_currency_day"),
    )

    @property
    def audit_label(self) -> str:
        return f"{self.currency} {self.valid_on}"
