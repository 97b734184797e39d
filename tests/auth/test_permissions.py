"""Data scopes: rep sees own, manager own team, compliance and admin everyone."""

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from salesweb.auth.models import Role, User
from salesweb.auth.permissions import (
    can_edit_team_owned,
    can_edit_user,
    can_manage_teams,
    can_manage_users,
    can_see_owner,
    can_view_audit,
    can_view_team,
    scope_owned,
)
from tests.factories import make_team, make_user


def visible_ids(db, viewer):
    stmt = scope_owned(select(User.id), viewer, User.id)
    return set(db.session.scalars(stmt))


def test_scopes(db):
    east, west = make_team(), make_team()
    manager = make_user(role=Role.MANAGER, team=east)
    rep = make_user(team=east)
    peer = make_user(team=east)
    outsider = make_user(team=west)
    admin = make_user(role=Role.ADMIN)
    compliance = make_user(role=Role.COMPLIANCE)

    assert visible_ids(db, rep) == {rep.id}
    assert visible_ids(db, manager) == {manager.id, rep.id, peer.id}
    everyone = set(db.session.scalars(select(User.id)))
    assert visible_ids(db, admin) == everyone == visible_ids(db, compliance)

    assert can_see_owner(rep, rep) and not can_see_owner(rep, peer)
    assert can_see_owner(manager, peer) and not can_see_owner(manager, outsider)
    assert can_see_owner(compliance, outsider) and can_see_owner(admin, outsider)
    assert not can_see_owner(rep, None)


def test_manager_without_team_sees_only_own(db):
    manager = make_user(role=Role.MANAGER)
    make_user()
    assert visible_ids(db, manager) == {manager.id}


# --- allow/deny tables: role x situation -> allowed ------------------------------------------

ROLES = ("rep", "manager", "admin", "compliance")


@pytest.fixture
def people(db):
    """One person of each role in the east team, a rep mate there and a rep in the west."""
    east, west = make_team(), make_team()
    return {
        **{role: make_user(role=role, team=east, password=None) for role in ROLES},
        "mate": make_user(team=east, password=None),
        "other": make_user(team=west, password=None),
        "east": east,
        "west": west,
    }


# Whose records the role sees: itself, a team mate, someone of another team, nobody (None).
SEES_OWNER = {
    "rep": {"self"},
    "manager": {"self", "mate"},
    "admin": {"self", "mate", "other", "nobody"},
    "compliance": {"self", "mate", "other", "nobody"},
}


@pytest.mark.parametrize(
    ("role", "owner", "expected"),
    [
        (role, owner, owner in allowed)
        for role, allowed in SEES_OWNER.items()
        for owner in ("self", "mate", "other", "nobody")
    ],
)
def test_can_see_owner(people, role, owner, expected):
    actor = people[role]
    target = {"self": actor, "mate": people["mate"], "other": people["other"], "nobody": None}
    assert can_see_owner(actor, target[owner]) is expected


@pytest.mark.parametrize(
    ("role", "owned_by", "expected"),
    [
        ("rep", "own team", False),
        ("rep", "other team", False),
        ("rep", "company", False),
        ("manager", "own team", True),
        ("manager", "other team", False),
        ("manager", "company", False),
        ("admin", "own team", True),
        ("admin", "other team", True),
        ("admin", "company", True),
        ("compliance", "own team", False),
        ("compliance", "other team", False),
        ("compliance", "company", False),
        ("anonymous", "own team", False),
    ],
)
def test_can_edit_team_owned(people, role, owned_by, expected):
    actor = AnonymousUserMixin() if role == "anonymous" else people[role]
    team_id = {"own team": people["east"].id, "other team": people["west"].id, "company": None}
    assert can_edit_team_owned(actor, team_id[owned_by]) is expected


# Rules that depend on the role alone: the roles they allow (never a visitor).
ROLE_RULES = {
    can_manage_users: {"admin"},
    can_manage_teams: {"admin"},
    can_view_audit: {"admin"},
}


@pytest.mark.parametrize(
    ("rule", "role", "expected"),
    [
        pytest.param(rule, role, role in allowed, id=f"{rule.__name__}-{role}")
        for rule, allowed in ROLE_RULES.items()
        for role in (*ROLES, "anonymous")
    ],
)
def test_role_rules(people, rule, role, expected):
    actor = AnonymousUserMixin() if role == "anonymous" else people[role]
    assert rule(actor) is expected


@pytest.mark.parametrize(
    ("role", "target", "expected"),
    [
        (role, target, role == "admin")
        for role in (*ROLES, "anonymous")
        for target in ("mate", "other", "admin")
    ],
)
def test_can_edit_user(people, role, target, expected):
    actor = AnonymousUserMixin() if role == "anonymous" else people[role]
    assert can_edit_user(actor, people[target]) is expected


@pytest.mark.parametrize(
    ("role", "team", "expected"),
    [
        (role, team, role != "anonymous")
        for role in (*ROLES, "anonymous")
        for team in ("east", "west")
    ],
)
def test_can_view_team(people, role, team, expected):
    actor = AnonymousUserMixin() if role == "anonymous" else people[role]
    assert can_view_team(actor, people[team]) is expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("rep", {"rep"}),
        ("manager", {"rep", "manager", "admin", "compliance", "mate"}),
        ("admin", {"rep", "manager", "admin", "compliance", "mate", "other"}),
        ("compliance", {"rep", "manager", "admin", "compliance", "mate", "other"}),
    ],
)
def test_scope_owned_table(db, people, role, expected):
    """Records owned by each person: which the role sees (a user owns itself here)."""
    names = {people[n].id: n for n in (*ROLES, "mate", "other")}
    stmt = scope_owned(select(User.id), people[role], User.id).where(User.id.in_(names))
    assert {names[i] for i in db.session.scalars(stmt)} == expected


# --- scopes follow the manager (issue 13) -----------------------------------------------------


def test_two_managers_of_one_office_with_a_team_each_do_not_see_each_other(db):
    central_a, central_b = make_team(region="Central"), make_team(region="Central")
    dustin = make_user(role=Role.MANAGER, team=central_a)
    melvin = make_user(role=Role.MANAGER, team=central_b)
    central_a.manager, central_b.manager = dustin, melvin
    agent_a, agent_b = make_user(team=central_a), make_user(team=central_b)
    db.session.flush()
    assert visible_ids(db, dustin) == {dustin.id, agent_a.id}
    assert visible_ids(db, melvin) == {melvin.id, agent_b.id}
    assert not can_see_owner(dustin, melvin) and not can_see_owner(melvin, dustin)
    assert can_see_owner(melvin, agent_b) and not can_see_owner(melvin, agent_a)
    assert not can_see_owner(dustin, agent_b)


def test_a_manager_sees_a_team_they_lead_without_sitting_in_it(db):
    home, led = make_team(), make_team()
    manager = make_user(role=Role.MANAGER, team=home)
    led.manager = manager
    member = make_user(team=led)
    housemate = make_user(team=home)
    db.session.flush()
    assert visible_ids(db, manager) == {manager.id, member.id, housemate.id}
    assert can_see_owner(manager, member) and can_see_owner(manager, housemate)


def test_a_manager_without_a_team_sees_the_teams_they_lead(db):
    led = make_team()
    manager = make_user(role=Role.MANAGER)
    led.manager = manager
    member = make_user(team=led)
    make_user(team=make_team())
    db.session.flush()
    assert visible_ids(db, manager) == {manager.id, member.id}
