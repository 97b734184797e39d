"""Who sees contracts, reviews and risks: own, team's, all; reviewers are never a party."""

import pytest

from salesweb.compliance import permissions as p
from salesweb.compliance import services
from tests.compliance.factories import make_contract
from tests.compliance.helpers import setup
from tests.factories import make_team, make_user


@pytest.fixture
def world(app, db):
    with app.test_request_context():
        setup(gates=False)
        team, other_team = make_team(), make_team()
        rep = make_user(team_id=team.id)
        mate = make_user(team_id=team.id)
        manager = make_user(role="manager", team_id=team.id)
        stranger_manager = make_user(role="manager", team_id=other_team.id)
        officer = make_user(role="compliance")
        contract = make_contract(owner=rep)
        review = services.submit_contract(rep, contract)
        yield locals()


def test_contract_visibility(world):
    w = world
    contract = w["contract"]
    assert p.can_view_contract(w["rep"], contract)
    assert p.can_view_contract(w["manager"], contract)
    assert p.can_view_contract(w["officer"], contract)
    assert not p.can_view_contract(w["mate"], contract)
    assert not p.can_view_contract(w["stranger_manager"], contract)


def test_editing_and_reviewing(world):
    w = world
    contract, review = w["contract"], w["review"]
    assert p.can_edit_contract(w["rep"], contract)
    assert not p.can_edit_contract(w["officer"], contract)  # compliance reads, owners write
    assert not p.can_submit_contract(w["rep"], contract)  # already submitted
    assert p.can_claim_review(w["officer"], review)
    assert not p.can_claim_review(w["rep"], review)
    assert not p.can_claim_review(w["manager"], review)
    assert p.can_answer_review(w["rep"], review)
    assert not p.can_decide_review(w["officer"], review)  # claim first
    assert p.can_manage_rules(w["officer"]) and not p.can_manage_rules(w["manager"])


def test_credit_approval_is_a_team_managers(world):
    w = world
    deal = w["contract"].deal
    assert p.can_approve_credit(w["manager"], deal)
    assert not p.can_approve_credit(w["stranger_manager"], deal)
    assert not p.can_approve_credit(w["rep"], deal)


def test_risk_scope(world, db):
    from sqlalchemy import select

    from salesweb.compliance.models import Risk

    w = world
    data = {"title": "R", "category": "credit", "likelihood": 2, "impact": 2, "status": "open"}
    mine = services.create_risk(w["officer"], data, w["rep"], {})
    linked = services.create_risk(w["officer"], data, w["officer"], {"contract": w["contract"]})
    other = services.create_risk(w["officer"], data, w["officer"], {})
    seen = set(db.session.scalars(p.scope_risks(select(Risk.id), w["rep"])))
    assert {mine.id, linked.id} <= seen and other.id not in seen
    assert p.can_edit_risk(w["rep"], mine) and not p.can_edit_risk(w["rep"], linked)
    assert p.can_edit_risk(w["officer"], other)


@pytest.mark.parametrize("role", [None, "admin", "manager", "rep", "compliance"])
def test_compliance_routes_answer_every_role_as_declared(app, client, db, login_as, role):
    """The authorisation matrix, for this area's routes only (the full one runs them all)."""
    from tests.route_access import ANON, EXPECTED
    from tests.test_authorization_matrix import build_url, routes

    if role is not None:
        login_as(role)
    checked = 0
    for rule, method in routes(app):
        if not rule.endpoint.startswith("compliance."):
            continue
        response = client.open(build_url(app, rule, method), method=method)
        code = response.status_code
        where = f"{method} {rule.rule} as {role}: {code}"
        if (role or ANON) in EXPECTED[(method, rule.endpoint)]:
            assert code not in (401, 403) and code < 500, where
        elif role is None:
            assert code == 302, where
        else:
            assert code == 403, where
        checked += 1
    assert checked >= 20
