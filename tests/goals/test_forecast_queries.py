"""Forecast sums per person and period: by category, weighted to the cent, an overdue open
deal in the current period, a won one by its close date, a lost or deleted one nowhere."""

from datetime import date, timedelta
from decimal import Decimal

from salesweb.core.models import today
from salesweb.goals import queries
from salesweb.goals.periods import Period, PeriodKind
from salesweb.pipeline.models import DealStatus
from tests.factories import make_user
from tests.goals.factories import make_forecast_deal


def _quarters():
    now = Period.containing(today(), PeriodKind.QUARTER)
    coming = Period.containing(now.end, PeriodKind.QUARTER)
    past = Period.containing(now.start - timedelta(days=1), PeriodKind.QUARTER)
    return past, now, coming


def test_category_and_weighted_sums_to_the_cent(db):
    rep, other = make_user(), make_user()
    past, now, coming = _quarters()
    day = today()
    make_forecast_deal(rep, 75, "1000.01", day)  # commit: 750.0075
    make_forecast_deal(rep, 70, "333.33", day, forecast_override=None)  # commit: 233.331
    make_forecast_deal(rep, 45, "0.05", day)  # best case: 0.0225
    make_forecast_deal(rep, 10, "99.99", day)  # pipeline: 9.999
    make_forecast_deal(other, 90, "5000", day)
    figures = queries.forecast_by_owner(now, [rep.id], day)
    mine = figures[rep.id]
    assert other.id not in figures
    assert mine.commit == Decimal("1333.34")
    assert mine.best_case == Decimal("0.05")
    assert mine.pipeline == Decimal("99.99")
    # 750.0075 + 233.331 + 0.0225 + 9.999 = 993.36, rounded once at the end
    assert mine.weighted == Decimal("993.36")
    assert mine.open_count == 4
    assert mine.commit_total == Decimal("1333.34")


def test_override_moves_a_deal_between_categories(db):
    rep = make_user()
    _, now, _ = _quarters()
    deal = make_forecast_deal(rep, 20, "400", today())
    deal.forecast_override = "commit"
    db.session.flush()
    mine = queries.forecast_by_owner(now, [rep.id], today())[rep.id]
    assert (mine.commit, mine.pipeline, mine.weighted) == (Decimal("400.00"), 0, Decimal("80.00"))


def test_overdue_open_deals_count_in_the_current_period_only(db):
    rep = make_user()
    past, now, coming = _quarters()
    make_forecast_deal(rep, 80, "100", past.start)  # overdue: counts now
    make_forecast_deal(rep, 80, "10", coming.start)  # next quarter
    make_forecast_deal(rep, 80, "1", None)  # no date: in no period
    day = today()
    assert queries.forecast_by_owner(now, [rep.id], day)[rep.id].commit == Decimal("100.00")
    assert queries.forecast_by_owner(coming, [rep.id], day)[rep.id].commit == Decimal("10.00")
    assert rep.id not in queries.forecast_by_owner(past, [rep.id], day)


def test_won_counts_by_close_date_lost_and_deleted_nowhere(db):
    rep = make_user()
    _, now, _ = _quarters()
    day = today()
    won = make_forecast_deal(rep, 80, "250.50", day)
    won.status, won.closed_on, won.base_amount = DealStatus.WON, now.start, Decimal("250.50")
    lost = make_forecast_deal(rep, 80, "7", day)
    lost.status, lost.closed_on = DealStatus.LOST, day
    gone = make_forecast_deal(rep, 80, "9", day)
    gone.soft_delete()
    db.session.flush()
    mine = queries.forecast_by_owner(now, None, day)[rep.id]
    assert (mine.won, mine.won_count, mine.commit) == (Decimal("250.50"), 1, 0)
    assert mine.commit_total == Decimal("250.50")


def test_totals_add_people_up(db):
    a, b = make_user(), make_user()
    _, now, _ = _quarters()
    make_forecast_deal(a, 50, "10.10", today())
    make_forecast_deal(b, 50, "0.20", today())
    people = queries.forecast_by_owner(now, [a.id, b.id], today())
    team = queries.total(people.values())
    assert team.best_case == Decimal("10.30")
    assert team.weighted == Decimal("5.15")
    assert queries.total([]).weighted == 0


def test_past_period_has_no_open_deal(db):
    rep = make_user()
    make_forecast_deal(rep, 80, "100", date(2020, 1, 5))
    assert queries.forecast_by_owner(Period.parse("2020-01"), [rep.id], today()) == {}
