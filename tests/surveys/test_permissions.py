"""Who sees what: reps their accounts, managers their team, admins all; compliance nothing;
survey definitions edited by managers and admins only."""

from salesweb.surveys import services
from salesweb.surveys.models import FeedbackCase
from salesweb.surveys.permissions import (
    can_manage_surveys,
    can_view_case,
    can_view_response,
)
from tests.factories import make_account, make_contact, make_team, make_user
from tests.surveys.factories import answer, make_invitation, make_survey


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
