"""Importing spreadsheets: reading CSV and XLSX, the importer registry, jobs and their runner.

The mechanism knows no business area: an area registers an `Importer` per kind (`accounts`,
`contacts`, ...) that declares its fields, converts one row and writes a batch. A job reads
its file in batches and commits after each one, so its progress (kept in the database) can
be reported by any process, and a job whose worker died can go on where it stopped.

Rooms: `models` (the job and its rejects), `registry` (importers, fields, row results),
`cells` (a cell's text as a clean value), `reading` (format, encoding, rows), `storage`
(upload, mapping, preview, rejects), `runner` (queue, claim, batches), `cli`. Callers import
from the package; the writers of spreadsheets are `core.spreadsheets`.
"""

from salesweb.core.errors import DomainError
from salesweb.core.importing.cli import cli_mapping, register_cli
from salesweb.core.importing.models import (
    FILE_GONE,
    STALE_AFTER,
    STATUS_LABELS,
    ImportJob,
    ImportReject,
    Status,
)
from salesweb.core.importing.reading import (
    Table,
    UploadRefused,
    detect_encoding,
    open_table,
    row_values,
    sniff_format,
)
from salesweb.core.importing.registry import (
    _IMPORTERS,
    BatchResult,
    Importer,
    ImportField,
    ImportOption,
    ParsedRow,
    RowError,
    get_importer,
    header_key,
    importer_for,
    importers,
    register,
)
from salesweb.core.importing.runner import enqueue_job, queue_job, run_job
from salesweb.core.importing.storage import (
    PREVIEW_ROWS,
    PreviewRow,
    create_job,
    jobs_stmt,
    preview,
    rejects_of,
    rejects_stmt,
    set_mapping,
    size_text,
    store_upload,
    upload_dir,
)

__all__ = [
    "FILE_GONE",
    "PREVIEW_ROWS",
    "STALE_AFTER",
    "STATUS_LABELS",
    "_IMPORTERS",  # the registry itself, for tests that register a kind and take it away
    "BatchResult",
    "DomainError",
    "ImportField",
    "ImportJob",
    "ImportOption",
    "ImportReject",
    "Importer",
    "ParsedRow",
    "PreviewRow",
    "RowError",
    "Status",
    "Table",
    "UploadRefused",
    "cli_mapping",
    "create_job",
    "detect_encoding",
    "enqueue_job",
    "get_importer",
    "header_key",
    "importer_for",
    "importers",
    "jobs_stmt",
    "open_table",
    "preview",
    "queue_job",
    "register",
    "register_cli",
    "rejects_of",
    "rejects_stmt",
    "row_values",
    "run_job",
    "set_mapping",
    "size_text",
    "sniff_format",
    "store_upload",
    "upload_dir",
]
