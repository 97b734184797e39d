"""The N+1 guard for the sales pipeline: the board, the deal list and the deal page send at most 12
SQL statements, however many deals, quotes and stage changes there are.

Each page is requested with 5 deals, the data grows six-fold (30 deals, more quotes, history and
linked interactions on the busy deal), and the page is requested again: the number of statements
must stay the same. Speed itself is measured by bench/, never asserted here.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from salesweb.core.models import utcnow
from salesweb.extensions import db as _db
from salesweb.pipeline import services
from salesweb.pipeline.models import StageHistory
from tests.conftest import HX
from tests.factories import make_account, make_interaction
from tests.pipeline.factories import make_deal, make_process, make_product, make_quote
from tests.pipeline.helpers import stage
from tests.querycount import assert_few_and_flat, signed_in_team, statements

OPEN_STAGES = ("lead", "needs", "proposal", "quote", "negotiation", "signing")

PAGES = {
    "board": ("/pipeline/board", {}),
    "board fragment": ("/pipeline/board", HX),
    "deal list": ("/pipeline/deals", {}),
    "deal list, filtered": ("/pipeline/deals?min=1000&sort=-amount", {}),
    "deal list fragment": ("/pipeline/deals?status=all&sort=title", HX),
    "deal page": ("/pipeline/deals/{busy}", {}),
}


class World:
    """A user's deals across every open stage, some won or lost, and one busy deal with quotes,
    stage history and linked interactions; it can be grown."""

    def __init__(self, user, owners):
        self.user = user
        self.owners = owners  # who owns the deals: the rep, or the members of a team
        self.deals = 0
        self.busy = None
        self.product = make_product(list_price=Decimal("1000.00"))

    def grow_to(self, deals: int, busy_events: int) -> None:
        process = make_process()
        reasons = services.lost_reasons()
        while self.deals < deals:
            n = self.deals
            owner = self.owners[n % len(self.owners)]
            account = make_account(owner=owner)
            deal = make_deal(
                owner,
                account,
                OPEN_STAGES[n % len(OPEN_STAGES)],
                title=f"Deal {n} 项目",
                amount=Decimal(500 + 700 * n),
                currency="USD" if n % 4 == 3 else "CNY",
                expected_close=utcnow().date() + timedelta(days=n),
            )
            if n % 7 == 5:
                services.lose_deal(owner, deal, reasons[0])
            self.deals += 1
            if self.busy is None:
                self.busy = deal
        self._make_busy(process, busy_events)

    def _make_busy(self, process, events: int) -> None:
        """The deal shown on the deal page: quotes in every state, stage history, interactions."""
        from sqlalchemy import func, select

        deal = self.busy
        have = _db.session.scalar(
            select(func.count()).select_from(StageHistory).where(StageHistory.deal_id == deal.id)
        )
        statuses = (None, "approved", "sent", "pending_approval", "rejected", "declined")
        for k in range(have, events):
            entered = utcnow() - timedelta(days=events - k)
            _db.session.add(
                StageHistory(
                    deal_id=deal.id,
                    stage_id=stage(process, OPEN_STAGES[k % len(OPEN_STAGES)]).id,
                    entered_at=entered,
                    left_at=entered + timedelta(hours=12),
                    actor_id=self.owners[k % len(self.owners)].id,
                    via=("form", "board", "import")[k % 3],
                    reason="客户预算推迟" if k % 2 else "",
                )
            )
            interaction = make_interaction(
                deal.account, author=deal.owner, occurred_at=entered, summary=f"Call {k}"
            )
            services.link_interaction(deal, interaction)
            if k % 3 == 0:
                status = statuses[(k // 3) % len(statuses)]
                discount = "20" if status in ("pending_approval", "rejected") else "0"
                make_quote(deal, deal.owner, discount=discount, product=self.product, status=status)
        _db.session.flush()


def _world(role: str, login_as) -> World:
    user, people = signed_in_team(role, login_as)
    return World(user, people)


@pytest.mark.parametrize("role", ["rep", "manager"])
@pytest.mark.parametrize("page", list(PAGES))
def test_statements_are_few_and_do_not_grow_with_the_data(db, client, login_as, role, page):
    world = _world(role, login_as)
    url, headers = PAGES[page]

    world.grow_to(deals=5, busy_events=6)
    db.session.commit()
    small = statements(client, url.format(busy=world.busy.id), headers)

    world.grow_to(deals=30, busy_events=36)
    db.session.commit()
    large = statements(client, url.format(busy=world.busy.id), headers)

    assert_few_and_flat(page, small, large, "5 vs 30 deals")
