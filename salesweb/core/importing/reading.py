"""Reading an uploaded file: its format judged by content, its encoding, its rows as text."""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

from flask_babel import gettext as _

from salesweb.core.errors import DomainError
from salesweb.core.importing.models import ImportJob
from salesweb.core.spreadsheets import unmark

ENCODINGS = ("utf-8-sig", "utf-8", "gb18030")
SNIFF_BYTES = 64 * 1024


class UploadRefused(DomainError):
    """The file as a whole cannot be imported (too large, not a spreadsheet, unreadable)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


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


def row_values(job: ImportJob, cells: list[str]) -> dict[str, str]:
    """The mapped texts of one row: a column's cell, else the value chosen for every row."""
    values = {key: v for key, v in job.mapping.get("fixed", {}).items()}
    for key, index in job.mapping.get("columns", {}).items():
        cell = unmark(cells[index].strip()) if index < len(cells) else ""
        if cell or key not in values:
            values[key] = cell
    return values


def shape_problem(job: ImportJob, cells: list[str] | None) -> str | None:
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
