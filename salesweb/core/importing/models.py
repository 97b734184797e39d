"""The import's records: a job (one uploaded file on its way in) and the rows it did not take."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from salesweb.core.models import UTCDateTime, utcnow
from salesweb.extensions import db

STALE_AFTER = timedelta(minutes=5)
FILE_GONE = "upload file missing"  # ImportJob.error of a job that found no file to read


class Status:
    PENDING = "pending"  # uploaded; the column mapping is being chosen
    QUEUED = "queued"  # confirmed; waiting for a worker
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


STATUS_LABELS = {
    Status.PENDING: _l("Waiting for the column mapping"),
    Status.QUEUED: _l("Waiting to start"),
    Status.RUNNING: _l("Importing"),
    Status.DONE: _l("Finished"),
    Status.FAILED: _lp("import", "Failed"),
}


class ImportJob(db.Model):
    """One uploaded file on its way in: mapping, progress and the counts of its outcome."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    stored_path: Mapped[str] = mapped_column(String(300), nullable=False)
    file_format: Mapped[str] = mapped_column(String(10), nullable=False)
    encoding: Mapped[str | None] = mapped_column(String(20))
    file_size: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=Status.PENDING)
    headers: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    mapping: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    rows_total: Mapped[int | None] = mapped_column(Integer)
    rows_read: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    taken: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rejected: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_records: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_records: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    unchanged_records: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_import_jobs_creator_created", "created_by_id", "created_at"),
        Index("ix_import_jobs_status", "status"),
    )

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    @property
    def finished(self) -> bool:
        return self.status in (Status.DONE, Status.FAILED)

    @property
    def in_progress(self) -> bool:
        return self.status in (Status.QUEUED, Status.RUNNING)

    @property
    def stalled(self) -> bool:
        """A worker that stopped reporting (its process ended): the job can be resumed."""
        last = self.heartbeat_at or self.started_at or self.created_at
        return self.in_progress and last is not None and utcnow() - last > STALE_AFTER

    @property
    def percent(self) -> int:
        if self.status == Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(100, int(self.rows_read * 100 / self.rows_total))

    def path(self) -> Path:
        return Path(current_app.instance_path) / self.stored_path

    @property
    def file_gone(self) -> bool:
        """The job still needs its uploaded file and the server no longer has it (a database
        restored without `instance/`): it cannot go on, the file has to be uploaded again."""
        if self.status == Status.DONE:
            return False
        if self.status == Status.FAILED:
            return self.error == FILE_GONE
        return not self.path().is_file()


class ImportReject(db.Model):
    """A row the import did not take, with the reason and the row as it was in the file."""

    __tablename__ = "import_rejects"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("import_jobs.id"), nullable=False)
    row_number: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    raw: Mapped[list] = mapped_column(JSON, nullable=False, default=list)

    __table_args__ = (Index("ix_import_rejects_job_row", "job_id", "row_number"),)
