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


# --- the allow/deny tables: every function of compliance/permissions.py, role × situation ----
#
# The people: `owner` (a rep, owns the contract), `mate` (a rep of the same team), `manager` (of
# that team), `stranger` (another team's manager), `officer` (compliance), `admin`. Each row names
# who is allowed; everyone else is refused.

ACTORS = ("owner", "mate", "manager", "stranger", "officer", "admin")
SALES_SIDE = {"owner", "manager", "admin"}  # writers who see the owner's contract
REVIEW_SIDE = {"officer", "admin"}


@pytest.fixture
def people(app, db):
    with app.test_request_context():
        setup(gates=False)
        team, other_team = make_team(), make_team()
        yield {
            "owner": make_user(team_id=team.id),
            "mate": make_user(team_id=team.id),
            "manager": make_user(role="manager", team_id=team.id),
            "stranger": make_user(role="manager", team_id=other_team.id),
            "officer": make_user(role="compliance"),
            "admin": make_user(role="admin"),
        }


def allowed(check, people, *args) -> set[str]:
    return {name for name, user in people.items() if check(user, *args)}


def _contract_in(status: str, owner):
    from salesweb.core.models import utcnow

    contract = make_contract(owner=owner)
    if status == "deleted":
        contract.deleted_at = utcnow()
    else:
        contract.status = status
    return contract


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("draft", SALES_SIDE | REVIEW_SIDE),
        ("submitted", SALES_SIDE | REVIEW_SIDE),
        ("signed", SALES_SIDE | REVIEW_SIDE),
        ("deleted", set()),
    ],
)
def test_can_view_contract_table(people, status, expected):
    assert allowed(p.can_view_contract, people, _contract_in(status, people["owner"])) == expected


def test_can_create_contract_table(people):
    assert allowed(p.can_create_contract, people) == set(ACTORS) - {"officer"}


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("draft", SALES_SIDE),
        ("submitted", SALES_SIDE),
        ("in_review", SALES_SIDE),
        ("changes_requested", SALES_SIDE),
        ("approved", SALES_SIDE),  # an edit makes a new version and re-opens the review
        ("rejected", set()),
        ("signed", set()),
        ("deleted", set()),
    ],
)
def test_can_edit_contract_table(people, status, expected):
    assert allowed(p.can_edit_contract, people, _contract_in(status, people["owner"])) == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("draft", SALES_SIDE),
        ("changes_requested", SALES_SIDE),
        ("submitted", set()),
        ("in_review", set()),
        ("approved", set()),
        ("deleted", set()),
    ],
)
def test_can_submit_contract_table(people, status, expected):
    contract = _contract_in(status, people["owner"])
    assert allowed(p.can_submit_contract, people, contract) == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("approved", SALES_SIDE),
        ("draft", set()),
        ("in_review", set()),
        ("signed", set()),
        ("deleted", set()),
    ],
)
def test_can_sign_contract_table(people, status, expected):
    assert allowed(p.can_sign_contract, people, _contract_in(status, people["owner"])) == expected


def test_scope_contracts_table(people, db):
    from sqlalchemy import select

    from salesweb.compliance.models import Contract

    contracts = {
        "mine": _contract_in("draft", people["owner"]),
        "theirs": _contract_in("draft", people["stranger"]),
        "deleted": _contract_in("deleted", people["owner"]),
    }
    names = {c.id: name for name, c in contracts.items()}
    expected = {
        "owner": {"mine"},
        "mate": set(),
        "manager": {"mine"},
        "stranger": {"theirs"},
        "officer": {"mine", "theirs"},
        "admin": {"mine", "theirs"},
    }
    for actor, user in people.items():
        ids = db.session.scalars(p.scope_contracts(select(Contract.id), user))
        seen = {names[i] for i in ids if i in names}
        assert seen == expected[actor], actor


@pytest.mark.parametrize(
    "check", [p.is_reviewer, p.can_manage_rules, p.can_view_dashboard], ids=lambda f: f.__name__
)
def test_reviewer_checks_table(people, check):
    from flask_login import AnonymousUserMixin

    assert allowed(check, people) == REVIEW_SIDE
    assert not check(AnonymousUserMixin())


def _review(people, situation: str):
    """A review of the owner's contract: queued, claimed, superseded; or submitted by `admin`
    for the admin's own contract."""
    from salesweb.compliance.models import ReviewStatus

    owner = people["admin"] if situation == "admin's own" else people["owner"]
    review = services.submit_contract(owner, make_contract(owner=owner))
    if situation == "claimed by officer":
        services.claim_review(people["officer"], review)
    elif situation == "superseded":
        review.status = ReviewStatus.SUPERSEDED
    return review


@pytest.mark.parametrize(
    ("situation", "expected"),
    [
        ("queued", SALES_SIDE | REVIEW_SIDE),
        ("claimed by officer", SALES_SIDE | REVIEW_SIDE),
        ("admin's own", REVIEW_SIDE),
    ],
)
def test_can_view_review_table(people, situation, expected):
    assert allowed(p.can_view_review, people, _review(people, situation)) == expected


@pytest.mark.parametrize(
    ("situation", "expected"), [("queued", {"owner"}), ("admin's own", {"admin"})]
)
def test_is_party_table(people, situation, expected):
    assert allowed(p.is_party, people, _review(people, situation)) == expected


@pytest.mark.parametrize(
    ("situation", "expected"),
    [
        ("queued", REVIEW_SIDE),
        ("admin's own", {"officer"}),  # nobody reviews their own contract
        ("claimed by officer", set()),
        ("superseded", set()),
    ],
)
def test_can_claim_review_table(people, situation, expected):
    assert allowed(p.can_claim_review, people, _review(people, situation)) == expected


@pytest.mark.parametrize(
    ("situation", "expected"),
    [("claimed by officer", {"officer"}), ("queued", set()), ("superseded", set())],
)
def test_can_decide_review_table(people, situation, expected):
    assert allowed(p.can_decide_review, people, _review(people, situation)) == expected


@pytest.mark.parametrize(
    ("situation", "expected"),
    [
        ("queued", SALES_SIDE),
        ("claimed by officer", SALES_SIDE),
        ("superseded", set()),
        ("admin's own", {"admin"}),
    ],
)
def test_can_answer_review_table(people, situation, expected):
    assert allowed(p.can_answer_review, people, _review(people, situation)) == expected


# --- risks -----------------------------------------------------------------------------------


@pytest.fixture
def risks(people):
    """`mine` owned by the rep; `linked` owned by the officer but on the rep's account;
    `other` the officer's alone; `deleted` the rep's, deleted."""
    from salesweb.core.models import utcnow

    officer, owner = people["officer"], people["owner"]
    data = {"title": "R", "category": "credit", "likelihood": 2, "impact": 2, "status": "open"}
    contract = make_contract(owner=owner)
    made = {
        "mine": services.create_risk(officer, data, owner, {}),
        "linked": services.create_risk(officer, data, officer, {"contract": contract}),
        "other": services.create_risk(officer, data, officer, {}),
        "deleted": services.create_risk(officer, data, owner, {}),
    }
    made["deleted"].deleted_at = utcnow()
    return made


def test_scope_risks_table(people, risks, db):
    from sqlalchemy import select

    from salesweb.compliance.models import Risk

    names = {r.id: name for name, r in risks.items()}
    expected = {
        "owner": {"mine", "linked"},
        "mate": set(),
        "manager": {"mine", "linked"},
        "stranger": set(),
        "officer": {"mine", "linked", "other"},
        "admin": {"mine", "linked", "other"},
    }
    for actor, user in people.items():
        ids = db.session.scalars(p.scope_risks(select(Risk.id), user))
        assert {names[i] for i in ids if i in names} == expected[actor], actor


@pytest.mark.parametrize(
    ("risk", "expected"),
    [
        ("mine", SALES_SIDE | REVIEW_SIDE),
        ("linked", SALES_SIDE | REVIEW_SIDE),
        ("other", REVIEW_SIDE),
        ("deleted", set()),
    ],
)
def test_can_view_risk_table(people, risks, risk, expected):
    assert allowed(p.can_view_risk, people, risks[risk]) == expected


@pytest.mark.parametrize(
    ("risk", "expected"),
    [
        ("mine", SALES_SIDE | REVIEW_SIDE),
        ("linked", REVIEW_SIDE),  # seen through the account, owned by someone else
        ("other", REVIEW_SIDE),
        ("deleted", set()),
    ],
)
def test_can_edit_risk_table(people, risks, risk, expected):
    assert allowed(p.can_edit_risk, people, risks[risk]) == expected


def test_can_create_risk_table(people):
    from flask_login import AnonymousUserMixin

    assert allowed(p.can_create_risk, people) == set(ACTORS)
    assert not p.can_create_risk(AnonymousUserMixin())


def test_scope_risk_owners_table(people, db):
    from sqlalchemy import select

    from salesweb.auth.models import User

    gone = make_user(team_id=people["owner"].team_id, active=False)
    names = {u.id: name for name, u in people.items()}
    expected = {
        "owner": {"owner"},
        "mate": {"mate"},
        "manager": {"owner", "mate", "manager"},
        "stranger": {"stranger"},
        "officer": set(ACTORS),
        "admin": set(ACTORS),
    }
    for actor, user in people.items():
        ids = set(db.session.scalars(p.scope_risk_owners(select(User.id), user)))
        assert {names[i] for i in ids if i in names} == expected[actor], actor
        assert gone.id not in ids, actor


# --- credit ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("deal_owner", "expected"),
    [
        ("owner", {"manager", "stranger", "admin"}),
        ("manager", {"stranger", "admin"}),  # never one's own deal
        ("admin", {"manager", "stranger"}),
    ],
)
def test_is_credit_approver_table(people, deal_owner, expected):
    from flask_login import AnonymousUserMixin

    deal = make_contract(owner=people[deal_owner]).deal
    assert allowed(p.is_credit_approver, people, deal) == expected
    assert not p.is_credit_approver(AnonymousUserMixin(), deal)


@pytest.mark.parametrize(
    ("deal_owner", "expected"),
    [
        ("owner", {"manager", "admin"}),  # the owner's team manager, not another team's
        ("mate", {"manager", "admin"}),
        ("manager", {"admin"}),
        ("admin", set()),  # an administrator does not approve their own deal either
    ],
)
def test_can_approve_credit_table(people, deal_owner, expected):
    deal = make_contract(owner=people[deal_owner]).deal
    assert allowed(p.can_approve_credit, people, deal) == expected
