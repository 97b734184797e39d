"""What the job queue leaves in the database: one row per run, and the switches of periodic jobs."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import JSON, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from salesweb.core.models import AuditedMixin, TimestampMixin, UTCDateTime, utcnow
from salesweb.extensions import db


class RunStatus:
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


RUN_STATUS_LABELS = {
    RunStatus.RUNNING: _lp("job", "Running"),
    RunStatus.DONE: _lp("job", "Succeeded"),
    RunStatus.FAILED: _lp("job", "Failed"),
}


class JobRun(db.Model):
    """One run of a job: when it started and ended, what it did (`result`) or why it failed.

    A periodic run carries its schedule slot (the minute the scheduler fired, UTC); the unique
    (name, slot) lets only one of several workers' schedulers run a given night's job.
    """

    __tablename__ = "job_runs"
    __table_args__ = (
        UniqueConstraint("name", "slot", name="uq_job_runs_name_slot"),
        Index("ix_job_runs_started_at", "started_at"),
        Index("ix_job_runs_status_started_at", "status", "started_at"),
        Index("ix_job_runs_name_started_at", "name", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    slot: Mapped[str | None] = mapped_column(String(20))
    trigger: Mapped[str] = mapped_column(String(20), nullable=False, default="queued")
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=RunStatus.RUNNING)
    attempt: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    arguments: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)

    @property
    def status_label(self) -> str:
        return str(RUN_STATUS_LABELS.get(self.status, self.status))

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return max((self.finished_at - self.started_at).total_seconds(), 0.0)


class JobSwitch(AuditedMixin, TimestampMixin, db.Model):
    """An administrator's switch for one periodic job; a job without a row is on."""

    __tablename__ = "job_switches"
    audit_kind = _l("Scheduled job")
    audit_labels = {"name": _l("Job"), "enabled": _l("Switched on")}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False, unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    @property
    def audit_label(self) -> str:
        return self.name
