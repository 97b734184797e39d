"""Attainment is computed from the records: wins, reopenings, foreign currency, product series,
accounts and interactions; the run rate and where the period stands by time."""

from datetime import UTC, date, datetime
from decimal import Decimal

from salesweb.goals import queries
from salesweb.goals.periods import Period
from salesweb.goals.queries import Attainment
from salesweb.pipeline.models import DealStatus
from tests.factories import make_account, make_interaction, make_user
from tests.pipeline.factories import make_deal, make_product, make_quote

D = Decimal
Q3 = Period.parse("2026-Q3")


def _won(deal, closed_on):
    deal.status, deal.closed_on = DealStatus.WON, closed_on
    return deal


def test_a_win_counts_at_once_and_a_reopened_deal_no_longer(db):
    rep = make_user()
    deal = make_deal(owner=rep, amount=D("500.00"))
    assert queries.actuals("won_amount", "", Q3, [rep.id]) == {}
    _won(deal, date(2026, 8, 3))
    db.session.flush()
    assert queries.actuals("won_amount", "", Q3, [rep.id]) == {rep.id: D("500.00")}
    assert queries.actuals("won_count", "", Q3, [rep.id]) == {rep.id: D(1)}
    deal.status, deal.closed_on = DealStatus.OPEN, None  # reopened
    db.session.flush()
    assert queries.actuals("won_amount", "", Q3, [rep.id]) == {}


def test_a_foreign_currency_win_counts_its_base_amount_at_its_own_rate(db):
    rep = make_user()
    deal = make_deal(owner=rep, amount=D("100.00"), currency="USD")
    deal.rate = D("7.12345678")
    deal.book()
    _won(deal, date(2026, 9, 30))
    db.session.flush()
    assert queries.actuals("won_amount", "", Q3, None)[rep.id] == D("712.35")


def test_series_counts_the_quote_share_or_the_named_product(db):
    rep = make_user()
    pump = make_product(series="Pumps", name="Pump P1", list_price=D("100.00"))
    valve = make_product(series="Valves", list_price=D("300.00"))
    quoted = make_deal(owner=rep, amount=D("400.00"))
    quote = make_quote(deal=quoted, product=pump)
    from salesweb.pipeline.models import QuoteLine

    db.session.add(
        QuoteLine(quote_id=quote.id, position=9, product_id=valve.id, quantity=D(2),
                  unit_price=D("300.00"), line_total=D("600.00"))
    )  # fmt: skip
    quoted.quote_id = quote.id  # pump lines 200.00 of 800.00: a quarter of the deal
    _won(quoted, date(2026, 7, 10))
    imported = _won(
        make_deal(owner=rep, amount=D("50.00"), product_name="Pump P1"), date(2026, 7, 11)
    )
    _won(make_deal(owner=rep, amount=D("70.00"), product_name="Something else"), date(2026, 7, 12))
    db.session.flush()
    assert imported.quote_id is None
    assert queries.actuals("series_amount", "Pumps", Q3, [rep.id]) == {rep.id: D("150.00")}


def test_new_accounts_and_interactions_of_chosen_kinds(db):
    rep = make_user()
    inside = datetime(2026, 8, 1, 3, tzinfo=UTC)
    account = make_account(owner=rep, created_at=inside)
    make_account(owner=rep, created_at=datetime(2026, 6, 30, 17, tzinfo=UTC))  # Jul 1 in Shanghai
    make_account(owner=rep, created_at=datetime(2026, 10, 1, 1, tzinfo=UTC))
    make_interaction(account, author=rep, kind="visit", occurred_at=inside)
    make_interaction(account, author=rep, kind="call", occurred_at=inside)
    make_interaction(
        account, author=rep, kind="visit", occurred_at=datetime(2025, 8, 1, tzinfo=UTC)
    )
    assert queries.actuals("new_accounts", "", Q3, [rep.id]) == {rep.id: D(2)}
    assert queries.actuals("interactions", "visit", Q3, [rep.id]) == {rep.id: D(1)}
    assert queries.actuals("interactions", "", Q3, [rep.id]) == {rep.id: D(2)}


def test_run_rate_and_time_share():
    mid = Attainment(D("920.00"), D("460.00"), Q3, date(2026, 8, 15))
    assert mid.percent == D("50.0")
    assert mid.gap == D("460.00")
    assert mid.days_left == 47  # Aug 15 to Sep 30, today included
    assert mid.per_day == D("9.79")  # rounded up: 47 × 9.79 ≥ 460
    assert mid.time_percent == D("50.0")
    assert not mid.behind
    done = Attainment(D("10"), D("12"), Q3, date(2026, 10, 2))
    assert (done.gap, done.days_left, done.per_day, done.percent) == (D(0), 0, None, D("120.0"))
    assert Attainment(None, D(5), Q3, date(2026, 8, 1)).percent is None


def test_parts_in_shorter_periods_count_their_own_period(db):
    from salesweb.goals import attainment
    from salesweb.goals.services import targets as svc
    from tests.goals.factories import make_target

    admin = make_user(role="admin")
    rep = make_user()
    _won(make_deal(owner=rep, amount=D("100")), date(2026, 2, 1))
    _won(make_deal(owner=rep, amount=D("40")), date(2026, 8, 1))
    year = make_target(admin, level="person", user_id=rep.id, period_key="2026", value=D("400"))
    parts = svc.suggest_split(year, svc.PERIODS, "even")
    quarters = svc.save_split(admin, year, svc.PERIODS, {p.key: p.value for p in parts})
    rows = attainment.target_rows(admin, [year, *quarters])
    assert [r.attainment.actual for r in rows] == [D("140.00"), D("100.00"), D(0), D("40.00"), D(0)]
    assert rows[0].reconciliations[0].adds_up
