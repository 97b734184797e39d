"""The won measure: by close date, base amount at the deal's own rate, reopened deals out."""

from datetime import date
from decimal import Decimal

from salesweb.goals.periods import Period
from salesweb.goals.queries import won_by_owner
from salesweb.pipeline.models import DealStatus
from tests.factories import make_user
from tests.pipeline.factories import make_deal


def _closed(owner, status, closed_on, base_amount, **fields):
    """A deal as it stands after winning or losing (the query reads the stored columns)."""
    deal = make_deal(owner=owner, **fields)
    deal.status, deal.closed_on, deal.base_amount = status, closed_on, base_amount
    return deal


def test_won_by_owner_counts_final_wins_in_base_currency(db):
    rep, other = make_user(role="rep"), make_user(role="rep")
    q3 = Period.parse("2026-Q3")
    _closed(rep, DealStatus.WON, date(2026, 7, 3), Decimal("100.10"))
    _closed(rep, DealStatus.WON, date(2026, 9, 30), Decimal("71.50"), currency="USD")
    _closed(rep, DealStatus.WON, date(2026, 10, 1), Decimal("5"))
    _closed(rep, DealStatus.OPEN, None, Decimal("999"))  # reopened: counts nowhere
    _closed(rep, DealStatus.LOST, date(2026, 8, 1), Decimal("7"))
    _closed(other, DealStatus.WON, date(2026, 8, 1), None)
    db.session.flush()
    assert won_by_owner(q3, [rep.id]) == {rep.id: (2, Decimal("171.60"))}
    assert won_by_owner(q3, None)[other.id] == (1, Decimal("0.00"))
