"""Periods: fiscal years, quarters and months, their keys, children and elapsed share."""

from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale

from salesweb.goals.periods import Period, PeriodKind


def test_calendar_year_splits_into_quarters_and_months():
    year = Period.parse("2026")
    assert (year.start, year.end) == (date(2026, 1, 1), date(2027, 1, 1))
    quarters = year.children()
    assert [q.key for q in quarters] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert [m.key for m in quarters[2].children()] == ["2026-07", "2026-08", "2026-09"]
    assert quarters[3].children()[-1].end == year.end


def test_fiscal_year_starting_in_april():
    year = Period.parse("2026", fiscal_start=4)
    assert (year.start, year.end) == (date(2026, 4, 1), date(2027, 4, 1))
    q4 = Period.parse("2026-Q4", fiscal_start=4)
    assert (q4.start, q4.end) == (date(2027, 1, 1), date(2027, 4, 1))
    march = Period.parse("2027-03", fiscal_start=4)
    assert march.fiscal_year == 2026
    assert march.parent() == q4
    assert q4.parent() == year
    assert Period.containing(date(2027, 2, 14), PeriodKind.QUARTER, 4) == q4
    assert Period.containing(date(2026, 3, 31), PeriodKind.YEAR, 4).key == "2025"


@pytest.mark.parametrize("key", ["2026-Q5", "2026-Q0", "2026-13", "2026-00", "26", "", "x", "0999"])
def test_periods_that_do_not_exist_are_refused(key):
    with pytest.raises(ValueError):
        Period.parse(key)


def test_elapsed_share_and_last_year():
    q3 = Period.parse("2026-Q3")
    assert q3.elapsed(date(2026, 6, 30)) == 0
    assert q3.elapsed(date(2026, 7, 1)) == Decimal(1) / Decimal(92)
    assert q3.elapsed(date(2026, 9, 30)) == 1
    assert q3.same_last_year().key == "2025-Q3"
    assert Period.parse("2026-02").same_last_year().key == "2025-02"
    assert q3.contains(date(2026, 8, 1)) and not q3.contains(date(2026, 10, 1))


def test_labels_in_both_languages(app):
    q3 = Period.parse("2026-Q3")
    with app.test_request_context(), force_locale("en"):
        assert q3.label() == "Q3 2026"
        assert Period.parse("2026-07").label() == "Jul 2026"
        assert Period.parse("2026").label() == "Year 2026"
    with app.test_request_context(), force_locale("zh_CN"):
        assert Period.parse("2026-07").label() == "2026年7月"
        assert q3.label() == "2026年第3季度"
        assert Period.parse("2026").label() == "2026年度"
