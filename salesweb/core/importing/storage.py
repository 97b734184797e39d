"""Storing an upload as a job, choosing its mapping, previewing it, and reading its rejects."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from salesweb.core.errors import DomainError
from salesweb.core.importing.models import ImportJob, ImportReject, Status
from salesweb.core.importing.reading import (
    Table,
    UploadRefused,
    open_table,
    row_values,
    shape_problem,
    sniff_format,
)
from salesweb.core.importing.registry import RowError, importer_for
from salesweb.extensions import db

PREVIEW_ROWS = 50


def size_text(size: int) -> str:
    """A byte count as people say it: 10 MB, 100 kB."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    return f"{size / 1024:.3g} kB"


def upload_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_upload(
    upload: FileStorage | IO[bytes], filename: str, kind: str, user_id: int | None
) -> ImportJob:
    """Save an upload under a random name, check its size and content, and open a job for it."""
    limit = current_app.config["SALESWEB_UPLOAD_LIMIT"]
    stream = upload.stream if isinstance(upload, FileStorage) else upload
    name = f"{secrets.token_urlsafe(16)}.upload"
    target = upload_dir() / name
    size = 0
    try:
        with target.open("wb") as out:
            while chunk := stream.read(256 * 1024):
                size += len(chunk)
                if size > limit:
                    raise UploadRefused(
                        _(
                            "The file is larger than %(size)s. Split it, or import it with the command line.",
                            size=size_text(limit),
                        )
                    )
                out.write(chunk)
        file_format, encoding = sniff_format(target)
        with Table(target, file_format, encoding) as table:
            headers = table.headers()
    except UploadRefused:
        target.unlink(missing_ok=True)
        raise
    except Exception as exc:  # a damaged workbook: say so next to the field, never a 500
        target.unlink(missing_ok=True)
        current_app.logger.warning("unreadable upload %s: %s", filename, exc)
        raise UploadRefused(_("The file could not be read. Check that it opens in Excel.")) from exc
    if not headers:
        target.unlink(missing_ok=True)
        raise UploadRefused(_("The file has no header row."))
    return create_job(kind, filename, target, file_format, encoding, size, headers, user_id)


def create_job(
    kind: str,
    filename: str,
    target: Path,
    file_format: str,
    encoding: str | None,
    size: int,
    headers: list[str],
    user_id: int | None,
) -> ImportJob:
    importer = importer_for(kind)
    job = ImportJob(
        kind=kind,
        filename=(Path(filename or "").name or "upload")[:255],
        stored_path=str(target.relative_to(Path(current_app.instance_path))),
        file_format=file_format,
        encoding=encoding,
        file_size=size,
        headers=headers,
        mapping={"columns": importer.guess(headers), "fixed": {}},
        created_by_id=user_id,
        status=Status.PENDING,
    )
    db.session.add(job)
    db.session.flush()
    return job


def set_mapping(
    job: ImportJob,
    columns: dict[str, int],
    fixed: dict[str, str],
    options: dict[str, Sequence[str]] | None = None,
) -> ImportJob:
    """Keep the chosen mapping (field -> column index, field -> value for every row, and the
    importer's own options as lists of non-empty lines)."""
    importer = importer_for(job.kind)
    if job.status != Status.PENDING:
        raise DomainError(_("This import has already started; its mapping cannot change."))
    known = {f.key for f in importer.fields}
    fixable = {f.key for f in importer.fields if f.fixed}
    mapping = {
        "columns": {
            k: int(v) for k, v in columns.items() if k in known and 0 <= int(v) < len(job.headers)
        },
        "fixed": {k: v.strip() for k, v in fixed.items() if k in fixable and v and v.strip()},
    }
    chosen = {
        o.key: [line.strip() for line in (options or {}).get(o.key, ()) if line.strip()]
        for o in importer.options
    }
    if any(chosen.values()):
        mapping["options"] = {k: lines for k, lines in chosen.items() if lines}
    problems = importer.check_mapping(mapping)
    if problems:
        raise DomainError(" ".join(problems))
    job.mapping = mapping
    db.session.flush()
    return job


@dataclass
class PreviewRow:
    row_number: int
    values: dict[str, str]
    problem: str | None


def preview(job: ImportJob, limit: int = PREVIEW_ROWS) -> tuple[list[PreviewRow], bool]:
    """The first rows converted as the import will convert them, each with its problem."""
    importer = importer_for(job.kind)
    state = importer.prepare(job)
    out: list[PreviewRow] = []
    more = False
    with open_table(job) as table:
        for row_number, cells in table.rows():
            if len(out) >= limit:
                more = True
                break
            problem = shape_problem(job, cells)
            values = row_values(job, cells or [])
            if problem is None:
                try:
                    importer.convert(state, values, row_number)
                except RowError as exc:
                    problem = exc.message
            out.append(PreviewRow(row_number, values, problem))
    return out, more


def rejects_of(job: ImportJob, limit: int | None = None) -> list[ImportReject]:
    stmt = (
        select(ImportReject).where(ImportReject.job_id == job.id).order_by(ImportReject.row_number)
    )
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def rejects_stmt(job: ImportJob) -> Any:
    return (
        select(ImportReject)
        .where(ImportReject.job_id == job.id)
        .order_by(ImportReject.row_number, ImportReject.id)
    )


def jobs_stmt() -> Any:
    """Every import job, newest first (scope it to the reader with the area's permission)."""
    return select(ImportJob).order_by(ImportJob.created_at.desc(), ImportJob.id.desc())
