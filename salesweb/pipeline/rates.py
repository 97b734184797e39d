"""The exchange-rate table: set one rate, or take a CSV of them with a report of every row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO

from flask_babel import gettext as _
from sqlalchemy import select

from salesweb.auth.models import User
from salesweb.core.errors import DomainError
from salesweb.core.models import ExchangeRate
from salesweb.core.money import base_currency, is_currency
from salesweb.extensions import db

MAX_UPLOAD = 1024 * 1024
RATE_PLACES = Decimal("0.00000001")  # as the rate table keeps it


def set_rate(
    actor: User | None, currency: str, valid_on: date, rate: Decimal, source: str = "manual"
) -> ExchangeRate:
    """Create or correct the rate of one currency for one day."""
    currency = (currency or "").strip().upper()
    if not is_currency(currency):
        raise DomainError(_("Unknown currency."), field="currency")
    if currency == base_currency():
        raise DomainError(_("The base currency has no rate: it is always 1."), field="currency")
    if not rate.is_finite() or rate <= 0:
        raise DomainError(_("The rate must be greater than zero."), field="rate")
    existing = db.session.scalar(
        select(ExchangeRate).where(
            ExchangeRate.currency == currency, ExchangeRate.valid_on == valid_on
        )
    )
    if existing is None:
        existing = ExchangeRate(currency=currency, valid_on=valid_on, rate=rate, source=source[:80])
        db.session.add(existing)
    else:
        existing.rate, existing.source = rate, source[:80]
    db.session.flush()
    return existing


@dataclass
class RateReport:
    """What an import took and, row by row, what it did not and why."""

    taken: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    @property
    def read(self) -> int:
        return self.taken + len(self.rejected)


# Header names of the rate file's columns; without a header the order is currency, date, rate.
RATE_COLUMNS = {
    "currency": ("currency", "币种", "货币"),
    "valid_on": ("date", "valid_on", "valid on", "day", "日期"),
    "rate": ("rate", "汇率"),
    "source": ("source", "来源"),
}
LEGACY_ORDER = {"currency": 0, "valid_on": 1, "rate": 2, "source": 3}


def rate_columns(header: list[str]) -> dict[str, int] | None:
    """The column of each part, when the row is a header naming at least date, currency, rate."""
    names = [cell.strip().lower() for cell in header]
    found = {
        key: names.index(alias)
        for key, aliases in RATE_COLUMNS.items()
        for alias in aliases
        if alias in names
    }
    return found if {"currency", "valid_on", "rate"} <= set(found) else None


def parse_rate(currency: str, day: str, rate: str) -> tuple[str, date, Decimal]:
    """One row's currency, date and rate checked, or a DomainError that says what is wrong."""
    code = (currency or "").strip().upper()
    if not is_currency(code):
        raise DomainError(
            _("“%(value)s” is not a currency code such as USD.", value=(currency or "")[:30])
        )
    if code == base_currency():
        raise DomainError(_("The base currency has no rate: it is always 1."))
    try:
        valid_on = date.fromisoformat((day or "").strip())
    except ValueError as exc:
        raise DomainError(
            _("“%(value)s” is not a date (YYYY-MM-DD).", value=(day or "")[:30])
        ) from exc
    try:
        value = Decimal((rate or "").strip().replace(",", ""))
    except InvalidOperation as exc:
        raise DomainError(_("“%(value)s” is not a number.", value=(rate or "")[:30])) from exc
    if not value.is_finite() or value <= 0:
        raise DomainError(_("The rate must be greater than zero."))
    return code, valid_on, value.quantize(RATE_PLACES)


def import_rates(actor: User | None, rows: Iterable[list[str]]) -> RateReport:
    """Rows of date, currency, rate[, source] in the order the header names them (currency,
    date, rate without a header); a currency's date given twice is refused the second time."""
    report = RateReport()
    columns = LEGACY_ORDER
    seen: dict[tuple[str, date], int] = {}
    for number, row in enumerate(rows, start=1):
        if number == 1:
            header = rate_columns(row)
            if header is not None:
                columns = header
                continue
        if not any(cell.strip() for cell in row):
            continue
        try:
            cells = {key: row[i] if i < len(row) else "" for key, i in columns.items()}
            if not all(cells[key].strip() for key in ("currency", "valid_on", "rate")):
                raise DomainError(_("Expected currency, date and rate."))
            code, day, rate = parse_rate(cells["currency"], cells["valid_on"], cells["rate"])
            earlier = seen.setdefault((code, day), number)
            if earlier != number:
                raise DomainError(
                    _(
                        "Row %(row)d already gives the %(currency)s rate of %(day)s.",
                        row=earlier,
                        currency=code,
                        day=day.isoformat(),
                    )
                )
            with db.session.begin_nested():
                set_rate(actor, code, day, rate, cells.get("source", "").strip() or "csv")
            report.taken += 1
        except DomainError as exc:
            report.rejected.append((number, exc.message))
    return report


def import_rates_file(actor: User | None, stream: IO[bytes]) -> RateReport:
    """An uploaded CSV (UTF-8, at most 1 MB) of rates: its rows as `import_rates` takes them."""
    raw = stream.read(MAX_UPLOAD + 1)
    if len(raw) > MAX_UPLOAD:
        raise DomainError(_("The file is larger than 1 MB."), field="file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DomainError(
            _("Save the file as CSV UTF-8 and upload it again."), field="file"
        ) from exc
    return import_rates(actor, csv.reader(io.StringIO(text)))
