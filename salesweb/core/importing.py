"""Importing spreadsheets: reading CSV and XLSX, the importer registry, jobs and their runner.

The mechanism knows no business area: an area registers an `Importer` per kind (`accounts`,
`contacts`, ...) that declares its fields, converts one row and writes a batch. A job reads
its file in batches and commits after each one, so its progress (kept in the database) can
be reported by any process, and a job whose worker died can go on where it stopped.
"""

from __future__ import annotations

import codecs
import csv
import io
import secrets
import threading
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

import click
from flask import Flask, current_app, g
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, func, select, update
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.datastructures import FileStorage

from salesweb.core.errors import DomainError
from salesweb.core.models import UTCDateTime, utcnow
from salesweb.extensions import db

ENCODINGS = ("utf-8-sig", "utf-8", "gb18030")
SNIFF_BYTES = 64 * 1024
PREVIEW_ROWS = 50
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


class UploadRefused(DomainError):
    """The file as a whole cannot be imported (too large, not a spreadsheet, unreadable)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


class RowError(Exception):
    """One row cannot be taken; the message (translated) says why and ends up in the rejects."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- models ----------------------------------------------------------------------------------


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


# --- importers and their registry ------------------------------------------------------------


@dataclass(frozen=True)
class ImportField:
    """A target field of an importer; `aliases` are header spellings that guess it."""

    key: str
    label: Any  # a lazy_gettext string
    aliases: tuple[str, ...] = ()
    required: bool = False
    fixed: bool = False  # may take one value for every row when no column gives it
    help: Any = None


@dataclass(frozen=True)
class ImportOption:
    """An importer's own setting beyond columns and fixed values, given as lines of text.

    On the command line `--KEY-WITH-DASHES VALUE` (repeatable), on the mapping page a text area
    with one value per line; kept in the job's mapping under "options" for the importer to read.
    """

    key: str
    label: Any  # a lazy_gettext string
    metavar: str = "VALUE"
    help: Any = None
    cli_help: str = ""


@dataclass
class ParsedRow:
    row_number: int
    raw: list[str]
    data: dict[str, Any]


@dataclass
class BatchResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejects: list[tuple[int, str]] = field(default_factory=list)


def header_key(text: str) -> str:
    """Headers compare width-folded, lower case, without spaces, punctuation or units."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in folded if ch.isalnum())


class Importer:
    """Base class: subclasses set kind, label, fields and implement prepare, convert, write."""

    kind: str = ""
    label: Any = ""
    fields: tuple[ImportField, ...] = ()
    options: tuple[ImportOption, ...] = ()
    batch_size: int = 1000

    def field(self, key: str) -> ImportField:
        return next(f for f in self.fields if f.key == key)

    def field_labels(self) -> dict[str, str]:
        return {f.key: str(f.label) for f in self.fields}

    def allowed(self, user: Any) -> bool:
        """May this user run this kind of import? (None: the command line, trusted.)"""
        return user is None

    def guess(self, headers: Sequence[str]) -> dict[str, int]:
        """Field -> column index, guessed from header names (key, aliases, labels zh and en)."""
        spellings: dict[str, str] = {}
        for f in self.fields:
            names = [f.key, *f.aliases]
            for locale in ("en", "zh_CN"):
                with force_locale(locale):
                    names.append(str(f.label))
            for name in names:
                spellings.setdefault(header_key(name), f.key)
        mapping: dict[str, int] = {}
        for index, header in enumerate(headers):
            key = spellings.get(header_key(header))
            if key and key not in mapping:
                mapping[key] = index
        return mapping

    def check_mapping(self, mapping: dict[str, Any]) -> list[str]:
        """Problems of a chosen mapping (required fields missing), translated."""
        columns = mapping.get("columns", {})
        fixed = mapping.get("fixed", {})
        return [
            _("Choose the column for “%(field)s”.", field=f.label)
            for f in self.fields
            if f.required and f.key not in columns and not fixed.get(f.key)
        ]

    def prepare(self, job: ImportJob) -> Any:
        """Load what every row needs (lookups, the acting user) once per job."""
        raise NotImplementedError

    def convert(self, state: Any, values: dict[str, str], row_number: int) -> dict[str, Any]:
        """Turn the row's mapped cell texts into clean values; raise RowError to reject it."""
        raise NotImplementedError

    def write(self, state: Any, rows: list[ParsedRow]) -> BatchResult:
        """Create or update the records of a batch (flush, never commit)."""
        raise NotImplementedError

    def audit_actor(self, state: Any, job: ImportJob) -> tuple[int | None, str, str | None]:
        return (job.created_by_id, f"import #{job.id}", None)


_IMPORTERS: dict[str, Importer] = {}


def register(kind: str, importer: Importer) -> None:
    """Make an importer available to the upload page and to `flask import KIND`."""
    importer.kind = kind
    _IMPORTERS[kind] = importer


def get_importer(kind: str) -> Importer | None:
    return _IMPORTERS.get(kind)


def importers() -> dict[str, Importer]:
    return dict(_IMPORTERS)


# --- reading files ---------------------------------------------------------------------------


def _is_xlsx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False
    return "xl/workbook.xml" in names or "xl/workbook.bin" in names


def _decodes(path: Path, encoding: str) -> bool:
    """The whole file decodes strictly in this encoding (read in chunks, not all at once)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1024 * 1024):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path) -> str | None:
    """utf-8 (with or without BOM), UTF-16 with a BOM, else GB18030, as Excel in China saves."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16" if _decodes(path, "utf-16") else None
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig" if _decodes(path, "utf-8-sig") else None
    for encoding in ENCODINGS[1:]:
        if _decodes(path, encoding):
            return encoding
    return None


def _looks_binary(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13, 12))
    return controls > max(2, len(head) // 100)


def sniff_format(path: Path) -> tuple[str, str | None]:
    """('xlsx', None) or ('csv', encoding) judged by content; UploadRefused for anything else."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if not head.strip():
        raise UploadRefused(_("The file is empty."))
    if head.startswith(b"PK\x03\x04"):
        if _is_xlsx(path):
            return "xlsx", None
        raise UploadRefused(
            _("This is a ZIP archive, not an Excel workbook. Upload a CSV or XLSX file.")
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UploadRefused(
            _(
                "Old Excel files (.xls) cannot be read. Save the sheet as .xlsx or CSV and upload it again."
            )
        )
    if _looks_binary(head):
        raise UploadRefused(
            _(
                "This file is not a CSV or XLSX spreadsheet (its content says otherwise). Upload a CSV or XLSX file."
            )
        )
    encoding = detect_encoding(path)
    if encoding is None:
        raise UploadRefused(
            _(
                "The file's text encoding is not recognised. Save it as CSV UTF-8 and upload it again."
            )
        )
    return "csv", encoding


def _cell_text(value: Any) -> str:
    """An XLSX cell as the text a person sees, so CSV and XLSX convert the same way."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time.min else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


class Table:
    """A sheet's header and rows; rows numbered as a spreadsheet shows them (header = row 1)."""

    def __init__(self, path: Path, file_format: str, encoding: str | None) -> None:
        self.path = path
        self.file_format = file_format
        self.encoding = encoding
        self._handles: list[Any] = []

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        for handle in self._handles:
            handle.close()
        self._handles.clear()

    def _records(self) -> Iterator[tuple[int, list[str] | None]]:
        """(row number, cells), cells None when the row itself is unreadable."""
        if self.file_format == "xlsx":
            yield from self._xlsx_records()
        else:
            yield from self._csv_records()

    def _xlsx_records(self) -> Iterator[tuple[int, list[str] | None]]:
        from openpyxl import load_workbook

        # openpyxl judges by the file name's extension: give it the open file instead.
        handle = self.path.open("rb")
        self._handles.append(handle)
        workbook = load_workbook(handle, read_only=True, data_only=True)
        self._handles.insert(0, workbook)
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            return
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell_text(v) for v in values]

    def _csv_records(self) -> Iterator[tuple[int, list[str] | None]]:
        handle: IO[str] = self.path.open(encoding=self.encoding or "utf-8", newline="")
        self._handles.append(handle)
        first = handle.readline()
        delimiter = max((",", ";", "\t", "|"), key=first.count) if first else ","
        handle.seek(0)
        reader = csv.reader(handle, delimiter=delimiter)
        number = 0
        while True:
            number += 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error:
                yield number, None
                continue
            yield number, cells

    def rows(self) -> Iterator[tuple[int, list[str] | None]]:
        """Data rows after the header; completely empty rows are skipped (not rows at all)."""
        records = self._records()
        for _number, cells in records:
            if cells is None or any(c.strip() for c in cells):
                break  # the first non-empty row is the header
        for number, cells in records:
            if cells is not None and not any(c.strip() for c in cells):
                continue
            yield number, cells

    def headers(self) -> list[str]:
        for _number, cells in self._records():
            if cells is None:
                raise UploadRefused(_("The first row of the file cannot be read."))
            if any(c.strip() for c in cells):
                while cells and not cells[-1].strip():
                    cells = cells[:-1]
                return [c.strip() for c in cells]
        return []

    def count_rows(self) -> int:
        return sum(1 for _ in self.rows())

    def estimate_rows(self) -> int:
        """The number of data rows for a progress bar: counted for CSV, from the sheet's size for XLSX."""
        if self.file_format != "xlsx":
            return self.count_rows()
        from openpyxl import load_workbook

        with self.path.open("rb") as handle:
            workbook = load_workbook(handle, read_only=True)
            try:
                sheet = workbook.worksheets[0] if workbook.worksheets else None
                size = sheet.max_row if sheet is not None else None
            finally:
                workbook.close()
        return max(0, size - 1) if size else self.count_rows()


def open_table(job: ImportJob) -> Table:
    return Table(job.path(), job.file_format, job.encoding)


# --- storing an upload -----------------------------------------------------------------------


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
    importer = _IMPORTERS[kind]
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
    importer = _IMPORTERS[job.kind]
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


MARKED_STARTS = ("=", "+", "-", "@")


def unmark(text: str) -> str:
    """Undo `neutralise` on a cell read back: its quote before = + - @ goes, any other stays."""
    if text.startswith("'") and text[1:2] in MARKED_STARTS:
        return text[1:]
    return text


def row_values(job: ImportJob, cells: list[str]) -> dict[str, str]:
    """The mapped texts of one row: a column's cell, else the value chosen for every row."""
    values = {key: v for key, v in job.mapping.get("fixed", {}).items()}
    for key, index in job.mapping.get("columns", {}).items():
        cell = unmark(cells[index].strip()) if index < len(cells) else ""
        if cell or key not in values:
            values[key] = cell
    return values


def _shape_problem(job: ImportJob, cells: list[str] | None) -> str | None:
    if cells is None:
        return _("This row is malformed (for example an unclosed quote) and cannot be read.")
    extra = [c for c in cells[len(job.headers) :] if c.strip()]
    if extra:
        return _(
            "This row has %(n)d cells but the header has %(m)d columns; a value probably contains an unquoted separator.",
            n=len(job.headers) + len(extra),
            m=len(job.headers),
        )
    return None


@dataclass
class PreviewRow:
    row_number: int
    values: dict[str, str]
    problem: str | None


def preview(job: ImportJob, limit: int = PREVIEW_ROWS) -> tuple[list[PreviewRow], bool]:
    """The first rows converted as the import will convert them, each with its problem."""
    importer = _IMPORTERS[job.kind]
    state = importer.prepare(job)
    out: list[PreviewRow] = []
    more = False
    with open_table(job) as table:
        for row_number, cells in table.rows():
            if len(out) >= limit:
                more = True
                break
            problem = _shape_problem(job, cells)
            values = row_values(job, cells or [])
            if problem is None:
                try:
                    importer.convert(state, values, row_number)
                except RowError as exc:
                    problem = exc.message
            out.append(PreviewRow(row_number, values, problem))
    return out, more


# --- running a job ---------------------------------------------------------------------------


def queue_job(job: ImportJob) -> ImportJob:
    """The person confirmed the preview: the job waits for a worker."""
    if job.status != Status.PENDING:
        raise DomainError(_("This import has already been started."))
    problems = _IMPORTERS[job.kind].check_mapping(job.mapping)
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
    importer = _IMPORTERS[job.kind]
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
        problem = _shape_problem(job, cells)
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
    job.heartbeat_at = utcnow()
    db.session.commit()


def start_in_background(app: Flask, job_id: int) -> threading.Thread:
    """Run the job in a thread of this process, with its own app context and session."""

    def work() -> None:
        with app.app_context():
            try:
                run_job(job_id)
            finally:
                db.session.remove()

    thread = threading.Thread(target=work, name=f"import-{job_id}", daemon=True)
    thread.start()
    return thread


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


def stream_query(app: Flask, stmt: Any, to_row: Any, chunk: int = 500) -> Iterator[list[Any]]:
    """The rows of a select, read a chunk at a time, each chunk in an app context of its own.

    A streamed response is sent after the request's context has ended, so the generator
    cannot lean on it; a stable ORDER BY (ending in the primary key) keeps chunks exact.
    """
    offset = 0
    while True:
        with app.app_context():
            records = db.session.scalars(stmt.limit(chunk).offset(offset)).all()
            rows = [to_row(record) for record in records]
        yield from rows
        if len(records) < chunk:
            return
        offset += chunk


# --- spreadsheet output shared by exports and the rejects file --------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula gets a leading single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_stream(
    header: Sequence[str], rows: Iterable[Sequence[Any]], chunk: int = 500
) -> Iterator[str]:
    """CSV text in chunks, UTF-8 BOM first so Excel shows Chinese; formulas neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([neutralise(h) for h in header])
    for count, row in enumerate(rows, start=1):
        writer.writerow(["" if v is None else neutralise(v) for v in row])
        if count % chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_file(header: Sequence[str], rows: Iterable[Sequence[Any]], title: str) -> IO[bytes]:
    """An XLSX workbook written row by row (openpyxl write-only) into a temporary file."""
    import tempfile

    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Sheet1")
    sheet.append([neutralise(h) for h in header])
    for row in rows:
        sheet.append([neutralise(v) for v in row])
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    try:
        workbook.save(out)
    except BaseException:
        out.close()
        raise
    finally:
        workbook.close()
    out.seek(0)
    return out


# --- the command line ------------------------------------------------------------------------


def _parse_pairs(pairs: Sequence[str], option: str) -> dict[str, str]:
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint=option)
        name, value = pair.split("=", 1)
        out[name.strip()] = value.strip()
    return out


def cli_mapping(
    importer: Importer, headers: list[str], maps: Sequence[str], sets: Sequence[str]
) -> tuple[dict, dict]:
    """The guessed mapping changed by --map COLUMN=FIELD (empty FIELD: ignore the column)."""
    columns = importer.guess(headers)
    known = {f.key for f in importer.fields}
    lookup = {h: i for i, h in reversed(list(enumerate(headers)))}
    for column, target in _parse_pairs(maps, "--map").items():
        if column not in lookup:
            raise click.BadParameter(
                f"no column {column!r} in the file (columns: {', '.join(headers)})",
                param_hint="--map",
            )
        index = lookup[column]
        columns = {k: v for k, v in columns.items() if v != index}
        if target:
            if target not in known:
                raise click.BadParameter(
                    f"unknown field {target!r} (fields: {', '.join(sorted(known))})",
                    param_hint="--map",
                )
            columns[target] = index
    fixed = _parse_pairs(sets, "--set")
    return columns, fixed


class _ImportGroup(click.Group):
    """`flask import KIND FILE`: one sub-command per registered importer, found at run time."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*_IMPORTERS, "resume"])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name == "resume":
            return _resume_command()
        if name in _IMPORTERS:
            return _kind_command(name)
        return None


def _kind_command(kind: str) -> click.Command:
    importer = _IMPORTERS[kind]

    @click.command(name=kind, help=f"Import {kind} from a CSV or XLSX file.")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option(
        "--map",
        "maps",
        multiple=True,
        metavar="COLUMN=FIELD",
        help="Map a column to a field (FIELD empty: ignore it).",
    )
    @click.option(
        "--set",
        "sets",
        multiple=True,
        metavar="FIELD=VALUE",
        help="One value for every row of a field.",
    )
    def command(
        file: Path, maps: tuple[str, ...], sets: tuple[str, ...], **options: tuple[str, ...]
    ) -> None:
        with file.open("rb") as handle:
            limit = current_app.config["SALESWEB_UPLOAD_LIMIT"]
            current_app.config["SALESWEB_UPLOAD_LIMIT"] = (
                1 << 62
            )  # the command line has no upload limit
            try:
                job = store_upload(handle, file.name, kind, None)
            except UploadRefused as exc:
                raise click.ClickException(exc.message) from exc
            finally:
                current_app.config["SALESWEB_UPLOAD_LIMIT"] = limit
        columns, fixed = cli_mapping(importer, job.headers, maps, sets)
        try:
            set_mapping(job, {k: str(v) for k, v in columns.items()}, fixed, options)
        except DomainError as exc:
            job.path().unlink(missing_ok=True)
            db.session.rollback()
            raise click.ClickException(exc.message) from exc
        mapped = ", ".join(
            f"{job.headers[i]}->{k}"
            for k, i in sorted(job.mapping["columns"].items(), key=lambda kv: kv[1])
        )
        click.echo(f"mapping: {mapped}")
        queue_job(job)
        db.session.commit()
        job = run_job(job.id)
        assert job is not None
        _report(job)

    for option in importer.options:  # the importer's own settings, e.g. deals' --map-stage
        command.params.append(
            click.Option(
                [f"--{option.key.replace('_', '-')}", option.key],
                multiple=True,
                metavar=option.metavar,
                help=option.cli_help or None,
            )
        )
    return command


def _report(job: ImportJob) -> None:
    for reject in rejects_of(job, limit=20):
        click.echo(f"row {reject.row_number}: {reject.reason}")
    if job.rejected > 20:
        click.echo(f"... and {job.rejected - 20} more rejected rows")
    if job.status == Status.FAILED:
        click.echo(f"failed: {job.error}", err=True)
    click.echo(f"taken: {job.taken} rejected: {job.rejected} read: {job.rows_read}")
    if job.status == Status.FAILED:
        raise SystemExit(1)


def _resume_command() -> click.Command:
    @click.command(name="resume", help="Finish a queued or stalled import job (by its number).")
    @click.argument("job_id", type=int)
    def command(job_id: int) -> None:
        job = run_job(job_id)
        if job is None:
            raise click.ClickException(
                f"import #{job_id} is not waiting, or its worker is still running"
            )
        _report(job)

    return command


def register_cli(app: Flask) -> None:
    """Add `flask import` to the app's command line (once)."""
    if "import" not in app.cli.commands:
        app.cli.add_command(
            _ImportGroup(name="import", help="Import records from CSV or XLSX files.")
        )
