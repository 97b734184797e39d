"""The exchange-rate importer: a CSV of date, currency and rate (and its source) into the dated
rate table that deals are converted with, each at the rate of its own date."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from salesweb.auth.importers import ActingImporter, job_user
from salesweb.auth.models import User
from salesweb.auth.permissions import ADMINS
from salesweb.core.errors import DomainError
from salesweb.core.importing import BatchResult, ImportField, ImportJob, ParsedRow, RowError
from salesweb.core.models import ExchangeRate
from salesweb.extensions import db
from salesweb.pipeline.rates import parse_rate


@dataclass
class RateState:
    acting: User | None
    existing: dict[tuple[str, date], int]
    seen: dict[tuple[str, date], int] = field(default_factory=dict)


class RateImporter(ActingImporter):
    label = _l("Exchange rates")
    batch_size = 1000
    fields = (
        ImportField("valid_on", _l("Date"), ("date", "day", "valid on", "日期"), required=True),
        ImportField("currency", _l("Currency"), ("币种", "货币"), required=True, fixed=True),
        ImportField("rate", _l("Exchange rate"), ("rate", "汇率"), required=True),
        ImportField("source", _l("Rate source"), ("来源",), fixed=True),
    )

    def allowed(self, user: Any) -> bool:
        return user is None or user.role in ADMINS

    def prepare(self, job: ImportJob) -> RateState:
        existing = {
            (r.currency, r.valid_on): r.id
            for r in db.session.execute(
                select(ExchangeRate.id, ExchangeRate.currency, ExchangeRate.valid_on)
            )
        }
        return RateState(job_user(job), existing)

    def convert(self, state: RateState, values: dict[str, str], row_number: int) -> dict[str, Any]:
        try:
            code, day, rate = parse_rate(
                values.get("currency", ""), values.get("valid_on", ""), values.get("rate", "")
            )
        except DomainError as exc:
            raise RowError(exc.message) from None
        earlier = state.seen.setdefault((code, day), row_number)
        if earlier != row_number:
            raise RowError(
                _(
                    "Row %(row)d already gives the %(currency)s rate of %(day)s.",
                    row=earlier,
                    currency=code,
                    day=day.isoformat(),
                )
            )
        source = (values.get("source", "").strip() or "csv")[:80]
        return {"currency": code, "valid_on": day, "rate": rate, "source": source}

    def write(self, state: RateState, rows: list[ParsedRow]) -> BatchResult:
        result = BatchResult()
        ids = [
            state.existing[key]
            for key in ((r.data["currency"], r.data["valid_on"]) for r in rows)
            if key in state.existing
        ]
        known = {
            (r.currency, r.valid_on): r
            for r in db.session.scalars(select(ExchangeRate).where(ExchangeRate.id.in_(ids)))
        }
        created: list[ExchangeRate] = []
        for row in rows:
            data = row.data
            rate = known.get((data["currency"], data["valid_on"]))
            if rate is None:
                created.append(ExchangeRate(**data))
            elif (rate.rate, rate.source) == (Decimal(data["rate"]), data["source"]):
                result.unchanged += 1
            else:
                rate.rate, rate.source = data["rate"], data["source"]
                result.updated += 1
        # A few rates a day at most: the ORM writes them, and their audit rows, as the form does.
        db.session.add_all(created)
        db.session.flush()
        for rate in created:
            state.existing[(rate.currency, rate.valid_on)] = rate.id
        result.created += len(created)
        return result
