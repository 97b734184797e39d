"""Deal export: the deal list as it is filtered and sorted, as CSV (UTF-8 with BOM) or XLSX.

The rows come from the list's own statement builder (queries.deal_export_stmt over
deal_list_stmt), so the file holds exactly the deals the person sees with those filters, within
their data scope. One statement is read a chunk of rows at a time (yield_per: a server-side
cursor on PostgreSQL) and each row is written as it comes: the CSV streams out to the browser,
the XLSX goes through openpyxl's write-only mode into a temporary file. So a 200,000-deal export
never holds its deals in memory, and its query count does not grow with them. Cells a
spreadsheet would run as formulas are neutralised by core.spreadsheets, as for the account
export.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, Response, abort, current_app, request, send_file
from flask_babel import get_locale, pgettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Row, Select

from salesweb.core.i18n import bilingual, select_timezone
from salesweb.core.models import utcnow
from salesweb.core.money import base_currency
from salesweb.core.security import SIGNED_IN, access
from salesweb.core.spreadsheets import csv_stream, xlsx_file
from salesweb.extensions import db
from salesweb.pipeline import bp, queries
from salesweb.pipeline.models import DEAL_STATUS_LABELS

CHUNK = 1000
FORMATS = ("csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Reader:
    """What the rows need from the request (language, time zone), read once before streaming."""

    language: str
    zone: ZoneInfo
    statuses: dict[str, str]

    @classmethod
    def current(cls) -> Reader:
        locale = get_locale()
        return cls(
            language=locale.language if locale is not None else "zh",
            zone=ZoneInfo(select_timezone()),
            statuses={str(k): str(v) for k, v in DEAL_STATUS_LABELS.items()},
        )

    def local(self, value: datetime | None) -> datetime | None:
        """Spreadsheets know no time zones: the reader's local wall time, to the second."""
        if value is None:
            return None
        return value.astimezone(self.zone).replace(tzinfo=None, microsecond=0)

    def text(self, zh: str | None, en: str | None) -> str:
        """An administrator's bilingual label (stage, lost reason) in the reader's language."""
        return bilingual(zh or "", en or "", self.language)


def last_activity(row: Row) -> datetime | None:
    """The latest of the deal's own last change and its latest logged interaction."""
    times = [t for t in (row.updated_at, row.last_interaction_at) if t is not None]
    return max(times) if times else None


Column = tuple[Callable[[], str], Callable[[Row, Reader], Any]]

COLUMNS: list[Column] = [
    (lambda: _("Deal number"), lambda d, r: d.id),
    (lambda: _("External ID"), lambda d, r: d.external_id or ""),
    (lambda: pgettext("deal", "Title"), lambda d, r: d.title),
    (lambda: _("Account"), lambda d, r: d.account_name or ""),
    (lambda: _("Owner"), lambda d, r: d.owner_name),
    (lambda: _("Team"), lambda d, r: d.team_name or ""),
    (lambda: _("Stage"), lambda d, r: r.text(d.stage_zh, d.stage_en)),
    (lambda: _("Status"), lambda d, r: r.statuses.get(d.status, d.status)),
    (lambda: _("Amount"), lambda d, r: d.amount),
    (lambda: _("Currency"), lambda d, r: d.currency),
    (
        lambda: _("Amount in base currency (%(currency)s)", currency=base_currency()),
        lambda d, r: d.base_amount,
    ),
    (lambda: _("Exchange rate"), lambda d, r: d.rate),
    (lambda: _("Rate date"), lambda d, r: d.rate_date),
    (lambda: _("Rate source"), lambda d, r: d.rate_source),
    (lambda: _("Probability (%)"), lambda d, r: d.probability),
    (lambda: _("Expected close date"), lambda d, r: d.expected_close),
    (lambda: _("Actual close date"), lambda d, r: d.closed_on),
    (lambda: _("Lost reason"), lambda d, r: r.text(d.reason_zh, d.reason_en)),
    (lambda: _("Note on the loss"), lambda d, r: d.lost_note),
    (lambda: _("Source"), lambda d, r: d.source),
    (lambda: _("Created"), lambda d, r: r.local(d.created_at)),
    (lambda: _("Last activity"), lambda d, r: r.local(last_activity(d))),
]


def export_rows(app: Flask, stmt: Select, reader: Reader, chunk: int) -> Iterator[list[Any]]:
    """The cells of each exported deal, as the rows come: one statement, read `chunk` rows at a
    time, so neither the rows held nor the query count grow with the size of the export.

    Nothing runs before the first row is asked for. The rows are read in an app context (and
    so a session) of the generator's own, opened and closed where the stream is read: a CSV is
    sent after its request has ended, and a stream that is never read then leaves nothing open.
    """
    with app.app_context():
        result = db.session.execute(stmt.execution_options(yield_per=chunk))
        try:
            for partition in result.partitions():
                for row in partition:
                    yield [get(row, reader) for _, get in COLUMNS]
        finally:
            result.close()


@bp.get("/deals/export")
@access(SIGNED_IN)
def deal_export():
    fmt = request.args.get("format", "csv")
    if fmt not in FORMATS:
        abort(400)
    header = [label() for label, _ in COLUMNS]
    stmt = queries.deal_export_stmt(current_user, request.args)
    rows = export_rows(current_app._get_current_object(), stmt, Reader.current(), CHUNK)
    filename = f"deals-{utcnow():%Y%m%d-%H%M}.{fmt}"
    if fmt == "xlsx":
        # openpyxl's write-only mode writes the rows as they come into a temporary file.
        out = xlsx_file(header, rows, title=_("Deals"))
        return send_file(out, mimetype=XLSX, as_attachment=True, download_name=filename)
    response = Response(csv_stream(header, rows, chunk=CHUNK), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
