"""Target periods: a fiscal year, one of its quarters, or a calendar month.

A fiscal year is named by the calendar year it starts in and starts on the first day of the
company's fiscal start month (1 = January, the default). Keys are what URLs, forms and imports
use: ``"2026"`` (the fiscal year), ``"2026-Q3"`` (its third quarter), ``"2026-07"`` (July 2026,
a calendar month). A month belongs to the quarter and fiscal year that contain it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from babel.dates import format_skeleton
from flask_babel import get_locale
from flask_babel import gettext as _


class PeriodKind(StrEnum):
    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"


_KEY = re.compile(r"^(\d{4})(?:-Q([1-4])|-(\d{2}))?$")


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True, order=True)
class Period:
    """A half-open span of days [start, end) of one kind, within one fiscal year."""

    start: date
    end: date
    kind: PeriodKind
    fiscal_year: int
    number: int  # the quarter (1-4) of its fiscal year, the calendar month (1-12), or 0 for a year
    fiscal_start: int = 1

    @classmethod
    def year(cls, fiscal_year: int, fiscal_start: int = 1) -> Period:
        start = date(fiscal_year, fiscal_start, 1)
        return cls(start, _add_months(start, 12), PeriodKind.YEAR, fiscal_year, 0, fiscal_start)

    @classmethod
    def quarter(cls, fiscal_year: int, number: int, fiscal_start: int = 1) -> Period:
        start = _add_months(date(fiscal_year, fiscal_start, 1), 3 * (number - 1))
        end = _add_months(start, 3)
        return cls(start, end, PeriodKind.QUARTER, fiscal_year, number, fiscal_start)

    @classmethod
    def month(cls, year: int, month: int, fiscal_start: int = 1) -> Period:
        start = date(year, month, 1)
        fiscal_year = year if month >= fiscal_start else year - 1
        end = _add_months(start, 1)
        return cls(start, end, PeriodKind.MONTH, fiscal_year, month, fiscal_start)

    @classmethod
    def parse(cls, key: str, fiscal_start: int = 1) -> Period:
        """The period a key names; ValueError for one that does not exist ("2026-Q5")."""
        match = _KEY.match((key or "").strip())
        if not match:
            raise ValueError(key)
        year, quarter, month = (int(g) if g else 0 for g in match.groups())
        if not 1900 <= year <= 2999:
            raise ValueError(key)
        if quarter:
            return cls.quarter(year, quarter, fiscal_start)
        if match.group(3) is not None:
            if not 1 <= month <= 12:
                raise ValueError(key)
            return cls.month(year, month, fiscal_start)
        return cls.year(year, fiscal_start)

    @classmethod
    def containing(cls, day: date, kind: PeriodKind, fiscal_start: int = 1) -> Period:
        """The period of this kind that contains the day."""
        month = cls.month(day.year, day.month, fiscal_start)
        if kind == PeriodKind.MONTH:
            return month
        if kind == PeriodKind.YEAR:
            return cls.year(month.fiscal_year, fiscal_start)
        months_in = (day.month - fiscal_start) % 12
        return cls.quarter(month.fiscal_year, months_in // 3 + 1, fiscal_start)

    @property
    def key(self) -> str:
        if self.kind == PeriodKind.YEAR:
            return str(self.fiscal_year)
        if self.kind == PeriodKind.QUARTER:
            return f"{self.fiscal_year}-Q{self.number}"
        return f"{self.start.year}-{self.start.month:02d}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def children(self) -> list[Period]:
        """Quarters of a year, months of a quarter, nothing for a month."""
        if self.kind == PeriodKind.YEAR:
            return [Period.quarter(self.fiscal_year, n, self.fiscal_start) for n in range(1, 5)]
        if self.kind == PeriodKind.QUARTER:
            firsts = (_add_months(self.start, i) for i in range(3))
            return [Period.month(d.year, d.month, self.fiscal_start) for d in firsts]
        return []

    def parent(self) -> Period | None:
        """The quarter of a month, the year of a quarter, nothing for a year."""
        if self.kind == PeriodKind.MONTH:
            return Period.containing(self.start, PeriodKind.QUARTER, self.fiscal_start)
        if self.kind == PeriodKind.QUARTER:
            return Period.year(self.fiscal_year, self.fiscal_start)
        return None

    def same_last_year(self) -> Period:
        """The same span one year earlier (for last year's result)."""
        day = date(self.start.year - 1, self.start.month, 1)
        return Period.containing(day, self.kind, self.fiscal_start)

    def elapsed(self, day: date) -> Decimal:
        """The share of the period gone by the end of `day`, between 0 and 1."""
        if day < self.start:
            return Decimal(0)
        if day >= self.end:
            return Decimal(1)
        return Decimal((day - self.start).days + 1) / Decimal(self.days)

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    def label(self) -> str:
        """How a person reads this period in their language ("2026年第3季度", "Q3 2026")."""
        if self.kind == PeriodKind.YEAR:
            if self.fiscal_start == 1:
                return _("Year %(year)s", year=self.fiscal_year)
            return _("Fiscal year %(year)s", year=self.fiscal_year)
        if self.kind == PeriodKind.QUARTER:
            return _("Q%(quarter)s %(year)s", quarter=self.number, year=self.fiscal_year)
        return format_skeleton("yMMM", self.start, locale=get_locale())


def fiscal_start() -> int:  # h2-temporary: h1's reads the company setting; keep h1's at merge
    return 1
