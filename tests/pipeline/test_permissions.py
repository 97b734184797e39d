"""Who sees and works deals: every can_*/scope_* of pipeline/permissions.py as an allow/deny table
of role × situation. Quote, product, process and rate rules: test_permissions_quotes.py."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from salesweb.core.models import utcnow
from salesweb.pipeline import permissions as p
from salesweb.pipeline import services
from salesweb.pipeline.models import Deal, StageCriterion
from tests.factories import make_team, make_user
from tests.pipeline.factories import make_deal

ROLES = ("admin", "manager", "rep", "compliance")


@pytest.fixture
def people(db):
    """An actor of each role in one team, a rep of that team and a rep of another team."""
    team, other_team = make_team(), make_team()
    return {
        "team": team,
        "mate": make_user(team_id=team.id),
        "stranger": make_user(team_id=other_team.id),
        "actors": {role: make_user(role=role, team_id=team.id) for role in ROLES},
    }


@pytest.fixture
def world(app, people):
    """The people, with a deal owned by the team's rep and one by the other team's rep."""
    with app.test_request_context():
        people["deals"] = {
            "team": make_deal(owner=people["mate"]),
            "other": make_deal(owner=people["stranger"]),
        }
        yield people


def _deal(world, role: str, whose: str):
    """The deal of the situation: a new one of the actor's own, the team's, another team's."""
    if whose == "own":
        return make_deal(owner=world["actors"][role])
    return world["deals"][whose]


# --- seeing and working a deal ---------------------------------------------------------------

VIEW = {
    # role:       own,  team,  other
    "admin": (True, True, True),
    "manager": (True, True, False),
    "rep": (True, False, False),
    "compliance": (True, True, True),
}
EDIT = {
    "admin": (True, True, True),
    "manager": (True, True, False),
    "rep": (True, False, False),
    "compliance": (False, False, False),  # reads every deal, works none
}
WHOSE = ("own", "team", "other")


@pytest.mark.parametrize("role", ROLES)
def test_can_view_edit_and_move_deal(world, app, role):
    user = world["actors"][role]
    with app.test_request_context():
        for whose, can_view, can_edit in zip(WHOSE, VIEW[role], EDIT[role], strict=True):
            deal = _deal(world, role, whose)
            assert p.can_view_deal(user, deal) is can_view, whose
            assert p.can_edit_deal(user, deal) is can_edit, whose
            assert p.can_move_deal(user, deal) is can_edit, whose  # open deals move
            assert p.can_tick_steps(user, deal) is can_edit, whose
        lost = _deal(world, role, "own")
        services.lose_deal(lost.owner, lost, services.lost_reasons()[0])
        assert p.can_view_deal(user, lost) and p.can_edit_deal(user, lost) is EDIT[role][0]
        assert p.can_move_deal(user, lost) is False  # closed deals do not move
        assert p.can_tick_steps(user, lost) is False
        lost.deleted_at = utcnow()
        assert p.can_view_deal(user, lost) is False
        assert p.can_edit_deal(user, lost) is False


@pytest.mark.parametrize(
    "role, create, choose_owner, filter_by_owner",
    [
        ("admin", True, True, True),
        ("manager", True, True, True),
        ("rep", True, False, False),
        ("compliance", False, False, True),
    ],
)
def test_deal_role_rules(people, role, create, choose_owner, filter_by_owner):
    user = people["actors"][role]
    assert p.can_create_deal(user) is create
    assert p.can_choose_deal_owner(user) is choose_owner
    assert p.can_filter_by_owner(user) is filter_by_owner


# --- giving a new deal to someone ------------------------------------------------------------

GIVE = {
    # role:       self,  team rep, other team's rep, inactive team rep, team's compliance
    "admin": (True, True, True, False, False),
    "manager": (True, True, False, False, False),
    "rep": (True, False, False, False, False),
    "compliance": (True, False, False, False, False),
}
OWNERS = ("self", "team rep", "other rep", "inactive rep", "compliance")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("owner", OWNERS)
def test_can_give_deal_to(people, role, owner):
    user = people["actors"][role]
    candidate = {
        "self": user,
        "team rep": people["mate"],
        "other rep": people["stranger"],
        "inactive rep": make_user(team_id=people["team"].id, active=False),
        "compliance": make_user(role="compliance", team_id=people["team"].id),
    }[owner]
    assert p.can_give_deal_to(user, candidate) is GIVE[role][OWNERS.index(owner)]


# --- approving a stage -----------------------------------------------------------------------

APPROVE = {
    # role:       wants manager, wants compliance, wants rep, wants nothing, lost deal
    "admin": (True, True, True, False, False),
    "manager": (True, False, False, False, False),
    "rep": (False, False, False, False, False),
    "compliance": (False, True, False, False, False),
}
STAGES = ("manager", "compliance", "rep", "nothing", "lost")


@pytest.mark.parametrize("role", ROLES)
def test_can_approve_stage(world, app, db, role):
    user, deal = world["actors"][role], world["deals"]["team"]
    with app.test_request_context():
        for stage, expected in zip(STAGES, APPROVE[role], strict=True):
            wanted = "manager" if stage == "lost" else stage
            deal.stage.criteria = (
                []
                if wanted == "nothing"
                else [StageCriterion(kind="role_approval", params={"role": wanted})]
            )
            db.session.flush()
            if stage == "lost":
                services.lose_deal(deal.owner, deal, services.lost_reasons()[0])
            assert p.can_approve_stage(user, deal) is expected, stage


# --- the deals a role sees -------------------------------------------------------------------

SCOPE = {
    # role: which of (own, team, other) the list shows
    "admin": {"own", "team", "other"},
    "manager": {"own", "team"},
    "rep": {"own"},
    "compliance": {"own", "team", "other"},
}


@pytest.mark.parametrize("role", ROLES)
def test_scope_deals(world, app, db, role):
    with app.test_request_context():
        user = world["actors"][role]
        named = {"own": _deal(world, role, "own").id}
        named |= {whose: deal.id for whose, deal in world["deals"].items()}
        gone = make_deal(owner=user)
        gone.deleted_at = utcnow()
        db.session.flush()
        seen = set(db.session.scalars(p.scope_deals(select(Deal.id), user)))
        assert {whose for whose, deal_id in named.items() if deal_id in seen} == SCOPE[role]
        assert gone.id not in seen
