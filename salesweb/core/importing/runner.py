"""Running a job: claimed by one worker, read in batches, each batch committed with the counts,
so any process can report its progress and a job whose worker died goes on where it stopped.

The work goes through the job queue (core.jobs): `enqueue_job` after the commit that queued it;
a periodic job picks up imports whose worker stopped reporting."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from flask import current_app, g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from salesweb.core import jobs
from salesweb.core.errors import DomainError
from salesweb.core.importing.models import FILE_GONE, STALE_AFTER, ImportJob, ImportReject, Status
from salesweb.core.importing.reading import open_table, row_values, shape_problem
from salesweb.core.importing.registry import (
    BatchResult,
    Importer,
    ParsedRow,
    RowError,
    importer_for,
)
from salesweb.core.models import utcnow
from salesweb.extensions import db


def queue_job(job: ImportJob) -> ImportJob:
    """The person confirmed the preview: the job waits for a worker."""
    if job.status != Status.PENDING:
        raise DomainError(_("This import has already been started."))
    problems = importer_for(job.kind).check_mapping(job.mapping)
    if problems:
        raise DomainError(" ".join(problems))
    job.status = Status.QUEUED
    job.heartbeat_at = utcnow()
    db.session.flush()
    return job


def _claim(job_id: int) -> bool:
    """Take the job for this worker; a queued job, or one whose worker stopped reporting."""
    now = utcnow()
    result = db.session.execute(
        update(ImportJob)
        .where(
            ImportJob.id == job_id,
            (ImportJob.status == Status.QUEUED)
            | (
                (ImportJob.status == Status.RUNNING)
                & (func.coalesce(ImportJob.heartbeat_at, ImportJob.created_at) < now - STALE_AFTER)
            ),
        )
        .values(status=Status.RUNNING, heartbeat_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _batches(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _write(importer: Importer, state: Any, parsed: list[ParsedRow]) -> BatchResult:
    """Write the batch at once; if the database refuses it, row by row so only the bad row goes."""
    if not parsed:
        return BatchResult()
    try:
        with db.session.begin_nested():
            return importer.write(state, parsed)
    except Exception as exc:  # every row must end somewhere: taken, or rejected with a reason
        if not isinstance(exc, DomainError | RowError):
            current_app.logger.warning("import batch refused: %s", exc)
        if len(parsed) == 1:
            reason = getattr(exc, "message", None) or _(
                "The database refused this row: %(error)s", error=str(exc).splitlines()[0][:300]
            )
            return BatchResult(rejects=[(parsed[0].row_number, reason)])
    total = BatchResult()
    for row in parsed:
        result = _write(importer, state, [row])
        total.created += result.created
        total.updated += result.updated
        total.unchanged += result.unchanged
        total.rejects.extend(result.rejects)
    return total


def run_job(job_id: int) -> ImportJob | None:
    """Process a queued job in batches, committing each batch with the job's counts."""
    if not _claim(job_id):
        return None
    job = db.session.get(ImportJob, job_id)
    assert job is not None
    if job.file_gone:  # nothing to read: say so instead of failing on a missing path
        job.status, job.error, job.finished_at = Status.FAILED, FILE_GONE, utcnow()
        db.session.commit()
        return job
    importer = importer_for(job.kind)
    try:
        job.started_at = job.started_at or utcnow()
        with open_table(job) as table:
            if job.rows_total is None:
                job.rows_total = table.estimate_rows()
        db.session.commit()
        state = importer.prepare(job)
        g.audit_actor = importer.audit_actor(state, job)
        already = job.rows_read  # a resumed job skips the rows its first worker committed
        with open_table(job) as table:
            rows = (r for i, r in enumerate(table.rows()) if i >= already)
            for batch in _batches(rows, importer.batch_size):
                _run_batch(job, importer, state, batch)
        job.status = Status.DONE
        job.finished_at = utcnow()
        db.session.commit()
        job.path().unlink(missing_ok=True)
    except Exception as exc:
        current_app.logger.exception("import job %s failed", job_id)
        db.session.rollback()
        job = db.session.get(ImportJob, job_id)
        assert job is not None
        job.status = Status.FAILED
        job.finished_at = utcnow()
        job.error = str(exc)[:2000]
        db.session.commit()
    return job


def _run_batch(
    job: ImportJob, importer: Importer, state: Any, batch: list[tuple[int, list[str] | None]]
) -> None:
    parsed: list[ParsedRow] = []
    rejects: list[tuple[int, str, list[str]]] = []
    raw_by_row: dict[int, list[str]] = {}
    for row_number, cells in batch:
        raw = cells or []
        problem = shape_problem(job, cells)
        if problem is None:
            try:
                data = importer.convert(state, row_values(job, raw), row_number)
                parsed.append(ParsedRow(row_number, raw, data))
                raw_by_row[row_number] = raw
                continue
            except RowError as exc:
                problem = exc.message
        rejects.append((row_number, problem, raw))
    result = _write(importer, state, parsed)
    rejects.extend((n, reason, raw_by_row.get(n, [])) for n, reason in result.rejects)
    if rejects:
        db.session.execute(
            ImportReject.__table__.insert(),
            [{"job_id": job.id, "row_number": n, "reason": r, "raw": raw} for n, r, raw in rejects],
        )
    job.rows_read += len(batch)
    job.rejected += len(rejects)
    job.taken += len(batch) - len(rejects)
    job.created_records += result.created
    job.updated_records += result.updated
    job.unchanged_records += result.unchanged
    job.heartbeat_at = utcnow()
    db.session.commit()


def _import_summary(result: dict) -> str:
    if "skipped" in result:
        return _("Import #%(id)s was already taken by another worker.", id=result["skipped"])
    return _(
        "Import #%(id)s: %(taken)s taken, %(rejected)s rejected.",
        id=result["id"],
        taken=result["taken"],
        rejected=result["rejected"],
    )


@jobs.task("imports.run", label=_l("Import a file"), summary=_import_summary)
def run_import(job_id: int) -> dict:
    """The queue's side of an import: run it, and fail the run when the import failed."""
    job = run_job(job_id)
    if job is None:
        return {"skipped": job_id}
    if job.status == Status.FAILED:
        raise jobs.JobFailed(job.error or "")
    return {"id": job.id, "taken": job.taken, "rejected": job.rejected}


def enqueue_job(job_id: int) -> None:
    """Hand a queued (or stalled) job to the queue; call after the commit that queued it."""
    run_import.enqueue(job_id)


def _resume_summary(result: dict) -> str:
    return _("%(count)s stalled imports handed to a worker again.", count=result["count"])


@jobs.periodic(
    "imports.resume",
    jobs.Schedule(minute="*/5"),
    label=_l("Resume stalled imports"),
    when=_l("Every 5 minutes"),
    summary=_resume_summary,
)
def resume_stalled_imports() -> int:
    """Imports whose worker stopped reporting (a process ended) go back on the queue."""
    cutoff = utcnow() - STALE_AFTER
    last = func.coalesce(ImportJob.heartbeat_at, ImportJob.created_at)
    stalled = list(
        db.session.scalars(
            select(ImportJob.id).where(
                ImportJob.status.in_((Status.QUEUED, Status.RUNNING)), last < cutoff
            )
        )
    )
    for job_id in stalled:
        enqueue_job(job_id)
    return len(stalled)
