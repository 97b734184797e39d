"""Who sees what: reps their accounts, managers their team, admins all; compliance nothing;
survey definitions edited by managers and admins only."""

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from salesweb.customers.models import Account, Contact
from salesweb.surveys import services
from salesweb.surveys.models import CaseStatus, FeedbackCase, Invitation, SurveyResponse
from salesweb.surveys.permissions import (
    can_edit_survey,
    can_invite,
    can_manage_surveys,
    can_view_case,
    can_view_invitation,
    can_view_response,
    can_view_surveys,
    can_work_case,
    scope_cases,
    scope_invitable_contacts,
    scope_invitations,
    scope_responses,
)
from tests.factories import make_account, make_contact, make_team, make_user
from tests.surveys.factories import DEFAULT_QUESTIONS, answer, make_invitation, make_survey


def _answered(owner, nps=2):
    survey = make_survey()
    invitation, _ = make_invitation(survey, contact=make_contact(make_account(owner=owner)))
    response = services.submit_response(invitation.id, answer(survey, nps=nps))
    from sqlalchemy import select

    from salesweb.extensions import db

    case = db.session.scalar(select(FeedbackCase).where(FeedbackCase.response_id == response.id))
    return survey, invitation, response, case


def test_permission_functions(db):
    team = make_team()
    rep, colleague = make_user(team=team), make_user(team=team)
    manager = make_user(role="manager", team=team)
    outsider = make_user(role="manager")
    admin, compliance = make_user(role="admin"), make_user(role="compliance")
    _s, _i, response, case = _answered(colleague)
    assert can_view_response(colleague, response) and can_view_case(colleague, case)
    assert not can_view_response(rep, response) and not can_view_case(rep, case)
    assert can_view_response(manager, response) and can_view_case(manager, case)
    assert not can_view_response(outsider, response)
    assert can_view_response(admin, response) and can_view_case(admin, case)
    assert not can_view_response(compliance, response) and not can_view_case(compliance, case)
    assert [can_manage_surveys(u) for u in (rep, manager, admin, compliance)] == [
        False,
        True,
        True,
        False,
    ]


def test_other_peoples_answers_cases_and_invitations_are_404(client, login_as, db):
    _s, invitation, response, case = _answered(make_user())
    db.session.commit()
    login_as("rep")
    for url in (
        f"/surveys/responses/{response.id}",
        f"/surveys/cases/{case.id}",
        f"/surveys/accounts/{response.account_id}/scores",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"/surveys/cases/{case.id}/advance",
        f"/surveys/invitations/{invitation.id}/link",
        f"/surveys/invitations/{invitation.id}/remind",
    ):
        assert client.post(url, data={"status": "contacted"}).status_code == 404, url
    from tests.conftest import by_id

    assert by_id(client.get("/surveys/results/comments"), "comment-list") is None


def test_reps_and_compliance_cannot_edit_surveys(client, login_as, db):
    survey = make_survey()
    db.session.commit()
    login_as("rep")
    assert client.get(f"/surveys/{survey.id}").status_code == 200
    assert client.post(f"/surveys/{survey.id}/questions", data={"kind": "nps"}).status_code == 403
    assert client.get(f"/surveys/{survey.id}/edit").status_code == 403
    assert client.post(f"/surveys/questions/{survey.questions[0].id}/delete").status_code == 403
    login_as("compliance")
    assert client.get("/surveys/results").status_code == 403
    assert client.get("/surveys/cases").status_code == 403


def test_manager_sees_the_teams_results_only(client, login_as, db):
    team = make_team()
    _answered(make_user(team=team), nps=10)
    _answered(make_user(), nps=0)
    manager = make_user(role="manager", team=team)
    db.session.commit()
    login_as(user=manager)
    from tests.conftest import by_id

    page = client.get("/surveys/results")
    assert by_id(page, "kpi-nps").text_content().strip().startswith("100")


# --- allow/deny tables: every can_* and scope_* of surveys/permissions.py, role × situation ---
#
# The world: team A holds a rep, a colleague of the rep and their manager; team B an outsider.
# Each situation names whose account a record belongs to: the rep's ("own"), the colleague's
# ("teammate"), the outsider's ("other team"), nobody's ("pool"), a deleted account of the rep.

OWNED = ("own", "teammate", "other team", "pool")


@pytest.fixture
def people(db):
    """Team A: a rep, the rep's colleague and their manager; team B: an outsider; an admin and a
    compliance officer; and someone not signed in. No passwords: hashing is the slow part."""
    team_a, team_b = make_team(), make_team()
    users = {
        "rep": make_user(team=team_a, password=None),
        "colleague": make_user(team=team_a, password=None),
        "outsider": make_user(team=team_b, password=None),
        "manager": make_user(role="manager", team=team_a, password=None),
        "admin": make_user(role="admin", password=None),
        "compliance": make_user(role="compliance", password=None),
        "anonymous": AnonymousUserMixin(),
    }
    return {"users": users, "teams": (team_a, team_b)}


@pytest.fixture
def world(db, people):
    """An answered invitation (with its case) for each situation, and two deleted contacts."""
    users = people["users"]
    owners = {
        "own": users["rep"],
        "teammate": users["colleague"],
        "other team": users["outsider"],
        "pool": None,
        "deleted": users["rep"],
    }
    survey = make_survey(questions=DEFAULT_QUESTIONS[:1])  # NPS: a score of 2 opens a case
    records = {}
    for situation, owner in owners.items():
        account = make_account(owner=owner)
        contact = make_contact(account)
        invitation, _token = make_invitation(survey, contact=contact)
        response = services.submit_response(invitation.id, answer(survey, nps=2))
        case = db.session.scalar(
            select(FeedbackCase).where(FeedbackCase.response_id == response.id)
        )
        records[situation] = {
            "account": account,
            "contact": contact,
            "invitation": invitation,
            "response": response,
            "case": case,
        }
    records["deleted"]["account"].soft_delete()
    gone = make_contact(records["own"]["account"])
    gone.soft_delete()
    records["deleted contact"] = {"contact": gone}
    db.session.flush()
    return {**people, "records": records}


def _table(expected: dict[str, tuple[bool, ...]], situations: tuple[str, ...]):
    """(role, situation, allowed) rows from one line of booleans per role."""
    return [
        (role, situation, allowed)
        for role, row in expected.items()
        for situation, allowed in zip(situations, row, strict=True)
    ]


@pytest.mark.parametrize(
    "role, allowed",
    [
        ("rep", False),
        ("manager", True),
        ("admin", True),
        ("compliance", False),
        ("anonymous", False),
    ],
)
def test_can_manage_surveys(people, role, allowed):
    assert can_manage_surveys(people["users"][role]) is allowed


@pytest.mark.parametrize(
    "role, allowed",
    [
        ("rep", True),
        ("manager", True),
        ("admin", True),
        ("compliance", False),
        ("anonymous", False),
    ],
)
def test_can_view_surveys(people, role, allowed):
    assert can_view_surveys(people["users"][role]) is allowed


SURVEY_OWNERS = ("own team", "other team", "company-wide")


@pytest.mark.parametrize(
    "role, situation, allowed",
    _table(
        {
            "rep": (False, False, False),
            "manager": (True, False, False),
            "admin": (True, True, True),
            "compliance": (False, False, False),
            "anonymous": (False, False, False),
        },
        SURVEY_OWNERS,
    ),
)
def test_can_edit_survey(people, role, situation, allowed):
    team_a, team_b = people["teams"]
    owner = {"own team": team_a.id, "other team": team_b.id, "company-wide": None}[situation]
    survey = make_survey(questions=[])
    survey.team_id = owner
    assert can_edit_survey(people["users"][role], survey) is allowed


INVITABLE = (*OWNED, "deleted")
INVITE_TABLE = _table(
    {
        "rep": (True, False, False, False, False),
        "manager": (True, True, False, False, False),
        "admin": (True, True, True, True, False),
        "compliance": (False, False, False, False, False),
        "anonymous": (False, False, False, False, False),
    },
    INVITABLE,
)


@pytest.mark.parametrize("role, situation, allowed", INVITE_TABLE)
def test_can_invite(world, role, situation, allowed):
    account = world["records"][situation]["account"]
    assert can_invite(world["users"][role], account) is allowed


@pytest.mark.parametrize("role, situation, allowed", INVITE_TABLE)
def test_can_view_invitation(world, role, situation, allowed):
    invitation = world["records"][situation]["invitation"]
    assert can_view_invitation(world["users"][role], invitation) is allowed


SEE_OWNED = {
    "rep": (True, False, False, False),
    "manager": (True, True, False, False),
    "admin": (True, True, True, True),
    "compliance": (False, False, False, False),
    "anonymous": (False, False, False, False),
}


@pytest.mark.parametrize("role, situation, allowed", _table(SEE_OWNED, OWNED))
def test_can_view_response(world, role, situation, allowed):
    response = world["records"][situation]["response"]
    assert can_view_response(world["users"][role], response) is allowed


@pytest.mark.parametrize("role, situation, allowed", _table(SEE_OWNED, OWNED))
def test_can_view_case(world, role, situation, allowed):
    case = world["records"][situation]["case"]
    assert can_view_case(world["users"][role], case) is allowed


CASE_STATES = ("own open", "own closed", "other team open")


@pytest.mark.parametrize(
    "role, situation, allowed",
    _table(
        {
            "rep": (True, False, False),
            "manager": (True, False, False),
            "admin": (True, False, True),
            "compliance": (False, False, False),
            "anonymous": (False, False, False),
        },
        CASE_STATES,
    ),
)
def test_can_work_case(world, role, situation, allowed):
    whose, state = situation.rsplit(" ", 1)
    case = world["records"][whose]["case"]
    case.status = CaseStatus.CLOSED if state == "closed" else CaseStatus.OPEN
    assert can_work_case(world["users"][role], case) is allowed


SEEN_OWNED = {
    "rep": {"own"},
    "manager": {"own", "teammate"},
    "admin": {"own", "teammate", "other team", "pool"},
    "compliance": set(),
    "anonymous": set(),
}


def _seen(db, stmt, records: dict, kind: str) -> set[str]:
    """The situations whose `kind` record the statement returns."""
    ids = set(db.session.scalars(stmt))
    return {s for s in OWNED if records[s][kind].id in ids}


@pytest.mark.parametrize("role, seen", SEEN_OWNED.items())
def test_scope_responses(db, world, role, seen):
    stmt = select(SurveyResponse.id).join(Account, Account.id == SurveyResponse.account_id)
    stmt = scope_responses(stmt, world["users"][role])
    assert _seen(db, stmt, world["records"], "response") == seen


@pytest.mark.parametrize("role, seen", SEEN_OWNED.items())
def test_scope_invitations(db, world, role, seen):
    stmt = select(Invitation.id).join(Account, Account.id == Invitation.account_id)
    stmt = scope_invitations(stmt, world["users"][role])
    assert _seen(db, stmt, world["records"], "invitation") == seen


@pytest.mark.parametrize("role, seen", SEEN_OWNED.items())
def test_scope_cases(db, world, role, seen):
    stmt = scope_cases(select(FeedbackCase.id), world["users"][role])
    assert _seen(db, stmt, world["records"], "case") == seen


@pytest.mark.parametrize("role, seen", SEEN_OWNED.items())
def test_scope_invitable_contacts(db, world, role, seen):
    """The query twin of can_invite: never a deleted account's or a deleted contact's."""
    stmt = select(Contact.id).join(Account, Account.id == Contact.account_id)
    ids = set(db.session.scalars(scope_invitable_contacts(stmt, world["users"][role])))
    records = world["records"]
    found = {s for s in (*OWNED, "deleted", "deleted contact") if records[s]["contact"].id in ids}
    assert found == seen
