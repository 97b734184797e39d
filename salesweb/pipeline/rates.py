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


def import_rates(actor: User | None, rows: Iterable[list[str]]) -> RateReport:
    """Rows of currency, valid_on, rate[, source]; a header row is recognised and skipped."""
    report = RateReport()
    for number, row in enumerate(rows, start=1):
        if number == 1 and row and row[0].strip().lower() == "currency":
            continue
        if not any(cell.strip() for cell in row):
            continue
        try:
            if len(row) < 3:
                raise DomainError(_("Expected currency, date and rate."))
            try:
                day = date.fromisoformat(row[1].strip())
            except ValueError as exc:
                raise DomainError(
                    _("“%(value)s” is not a date (YYYY-MM-DD).", value=row[1][:30])
                ) from exc
            try:
                rate = Decimal(row[2].strip())
            except InvalidOperation as exc:
                raise DomainError(_("“%(value)s” is not a number.", value=row[2][:30])) from exc
            with db.session.begin_nested():
                set_rate(
                    actor, row[0], day, rate, (row[3] if len(row) > 3 else "csv").strip() or "csv"
                )
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
