"""Who approves quotes and who keeps products, processes and rates: allow/deny tables.

The quote decision is one rule asked two ways, per quote (`can_decide_quote`) and in SQL for the
approval queue (`scope_quotes_to_decide`): both are checked against the same table.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from salesweb.pipeline import permissions as p
from salesweb.pipeline.models import Quote
from tests.factories import make_team, make_user
from tests.pipeline.factories import make_deal, make_quote


@pytest.mark.parametrize(
    "role, expected",
    [("admin", True), ("manager", True), ("rep", False), ("compliance", False)],
)
def test_can_approve_quotes(db, role, expected):
    assert p.can_approve_quotes(make_user(role=role)) is expected


@pytest.mark.parametrize(
    "check", [p.can_manage_processes, p.can_manage_products, p.can_manage_rates]
)
@pytest.mark.parametrize(
    "role, expected",
    [("admin", True), ("manager", False), ("rep", False), ("compliance", False)],
)
def test_only_an_admin_keeps_processes_products_and_rates(db, check, role, expected):
    assert check(make_user(role=role)) is expected


@pytest.fixture
def world(db):
    """People of two teams and a quote in each situation the decision rule tells apart."""
    team, other_team = make_team(), make_team()
    people = {
        "admin": make_user(role="admin"),
        "manager": make_user(role="manager", team=team),
        "other_manager": make_user(role="manager", team=other_team),
        "rep": make_user(role="rep", team=team),
        "compliance": make_user(role="compliance"),
    }
    other_rep = make_user(role="rep", team=other_team)
    rep_deal = make_deal(owner=people["rep"])
    deleted_deal = make_deal(owner=people["rep"])
    quotes = {
        "team_rep": make_quote(deal=rep_deal),
        "written_by_manager": make_quote(deal=rep_deal, actor=people["manager"]),
        "managers_own_deal": make_quote(deal=make_deal(owner=people["manager"])),
        "other_team": make_quote(deal=make_deal(owner=other_rep)),
        "admins_own_deal": make_quote(deal=make_deal(owner=people["admin"])),
        "deleted_deal": make_quote(deal=deleted_deal),
    }
    deleted_deal.soft_delete()
    db.session.flush()
    return people, quotes


# Who may decide on which quote: an admin on any live deal's quote, a manager on the team's
# quotes that are not their own (neither their deal nor written by them); nobody else.
DECIDES = {
    "admin": {
        "team_rep",
        "written_by_manager",
        "managers_own_deal",
        "other_team",
        "admins_own_deal",
    },
    "manager": {"team_rep"},
    "other_manager": {"other_team"},
    "rep": set(),
    "compliance": set(),
}


@pytest.mark.parametrize("who, expected", DECIDES.items())
def test_can_decide_quote_and_the_approval_queue_agree(db, world, who, expected):
    people, quotes = world
    user = people[who]
    allowed = {name for name, quote in quotes.items() if p.can_decide_quote(user, quote)}
    assert allowed == expected
    ids = {quote.id: name for name, quote in quotes.items()}
    scoped = p.scope_quotes_to_decide(select(Quote.id).where(Quote.id.in_(ids)), user)
    assert {ids[quote_id] for quote_id in db.session.scalars(scoped)} == expected
