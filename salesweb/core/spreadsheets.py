"""Spreadsheets written for people: CSV and XLSX, row by row, formulas neutralised.

Every export (customers, survey results, training, an import's rejects) writes through these,
so a cell that a spreadsheet would run as a formula is defused in one place, and `unmark`
undoes it when such a file comes back as an import.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from flask import Flask

from salesweb.extensions import db

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


MARKED_STARTS = ("=", "+", "-", "@")


def unmark(text: str) -> str:
    """Undo `neutralise` on a cell read back: its quote before = + - @ goes, any other stays."""
    if text.startswith("'") and text[1:2] in MARKED_STARTS:
        return text[1:]
    return text


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
