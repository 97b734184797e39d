"""Exports: the current filtered account or contact list as CSV (UTF-8 with BOM) or XLSX.

The list queries are the same as the list pages' (customers.queries), so an export holds
exactly what the person sees with those filters, within their data scope. Rows are read from the
database a chunk at a time and written as they come (core.spreadsheets.stream_query).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, request, send_file
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import current_user
from sqlalchemy import Select

from salesweb.core.i18n import select_timezone
from salesweb.core.models import utcnow
from salesweb.core.security import SIGNED_IN, access
from salesweb.core.spreadsheets import csv_stream, stream_query, xlsx_file
from salesweb.customers import bp
from salesweb.customers.models import ACCOUNT_TYPE_LABELS, CHANNEL_LABELS
from salesweb.customers.queries import account_list_stmt, contact_list_stmt

CHUNK = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Reader:
    """What the rows need from the request (language, time zone), read before streaming."""

    zone: ZoneInfo
    types: dict[str, str]
    channels: dict[str, str]
    yes: str
    no: str

    @classmethod
    def current(cls) -> Reader:
        return cls(
            zone=ZoneInfo(select_timezone()),
            types={str(k): str(v) for k, v in ACCOUNT_TYPE_LABELS.items()},
            channels={str(k): str(v) for k, v in CHANNEL_LABELS.items()},
            yes=_("yes"),
            no=_("no"),
        )

    def local(self, value: datetime | None) -> datetime | None:
        """Spreadsheets know no time zones: the reader's local wall time."""
        if value is None:
            return None
        return value.astimezone(self.zone).replace(tzinfo=None, microsecond=0)


Column = tuple[Callable[[], str], Callable[[Any, Reader], Any]]

# Headers are the import fields' labels, so an exported file imports again as it is.
ACCOUNT_COLUMNS: list[Column] = [
    (lambda: "ID", lambda a, r: a.id),
    (lambda: _("External ID"), lambda a, r: a.external_id or ""),
    (lambda: pgettext("account", "Name"), lambda a, r: a.name),
    (lambda: _("Type"), lambda a, r: r.types.get(a.type, a.type)),
    (lambda: _("Industry"), lambda a, r: a.industry),
    (lambda: _("Segment"), lambda a, r: a.segment),
    (lambda: _("Region"), lambda a, r: a.region),
    (lambda: _("Country"), lambda a, r: a.country),
    (lambda: _("Employees"), lambda a, r: a.employees),
    (lambda: _("Annual revenue"), lambda a, r: a.annual_revenue),
    (lambda: _("Revenue currency"), lambda a, r: a.revenue_currency),
    (lambda: _("Source"), lambda a, r: a.source),
    (lambda: _("Tags"), lambda a, r: ", ".join(a.tag_list)),
    (lambda: _("Phone"), lambda a, r: a.phone),
    (lambda: pgettext("address", "E-mail"), lambda a, r: a.email),
    (lambda: _("Website"), lambda a, r: a.website),
    (lambda: _("Address"), lambda a, r: a.address),
    (lambda: _("Credit limit"), lambda a, r: a.credit_limit),
    (lambda: _("Credit currency"), lambda a, r: a.credit_currency),
    (lambda: _("Owner e-mail"), lambda a, r: a.owner.email if a.owner else ""),
    (lambda: _("Owner"), lambda a, r: a.owner.display_name if a.owner else ""),
    (lambda: _("Last interaction"), lambda a, r: r.local(a.last_interaction_at)),
    (lambda: _("Created"), lambda a, r: r.local(a.created_at)),
]

CONTACT_COLUMNS: list[Column] = [
    (lambda: "ID", lambda c, r: c.id),
    (lambda: _("Account external ID"), lambda c, r: c.account.external_id or ""),
    (lambda: _("Account name"), lambda c, r: c.account.name),
    (lambda: _("External ID"), lambda c, r: c.external_id or ""),
    (lambda: pgettext("person", "Name"), lambda c, r: c.name),
    (lambda: pgettext("job", "Title"), lambda c, r: c.title),
    (lambda: _("Phone"), lambda c, r: c.phone),
    (lambda: pgettext("address", "E-mail"), lambda c, r: c.email),
    (lambda: _("WeChat"), lambda c, r: c.wechat),
    (
        lambda: _("Preferred channel"),
        lambda c, r: r.channels.get(c.preferred_channel, c.preferred_channel),
    ),
    (lambda: _("Primary contact"), lambda c, r: r.yes if c.is_primary else r.no),
    (lambda: _("Notes"), lambda c, r: c.notes),
]


def _export(name: str, stmt: Select, columns: list[Column]) -> Response:
    fmt = request.args.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        abort(400)
    header = [label() for label, _ in columns]
    reader = Reader.current()
    rows = stream_query(
        current_app._get_current_object(),
        stmt,
        lambda record: [get(record, reader) for _, get in columns],
        chunk=CHUNK,
    )
    filename = f"{name}-{utcnow():%Y%m%d-%H%M}.{fmt}"
    if fmt == "xlsx":
        # openpyxl's write-only mode writes rows as they come into a temporary file.
        out = xlsx_file(header, rows, title=name)
        return send_file(out, mimetype=XLSX, as_attachment=True, download_name=filename)
    response = Response(csv_stream(header, rows, chunk=CHUNK), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/accounts/export")
@access(SIGNED_IN)
def account_export():
    return _export("accounts", account_list_stmt(current_user, request.args), ACCOUNT_COLUMNS)


@bp.get("/contacts/export")
@access(SIGNED_IN)
def contact_export():
    return _export("contacts", contact_list_stmt(current_user, request.args), CONTACT_COLUMNS)
