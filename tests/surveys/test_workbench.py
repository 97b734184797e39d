"""The workbench's feedback-case panel: open cases of my accounts (a manager: the team's)."""

from __future__ import annotations

from sqlalchemy import select

from salesweb.surveys import services
from salesweb.surveys.models import FeedbackCase
from tests.conftest import HX, parse
from tests.factories import make_account, make_contact, make_team, make_user
from tests.surveys.factories import answer, make_invitation, make_survey

EN = {"Accept-Language": "en", **HX}
URL = "/surveys/workbench/cases"


def detractor_case(db, owner, survey):
    invitation, _ = make_invitation(survey, contact=make_contact(make_account(owner=owner)))
    response = services.submit_response(invitation.id, answer(survey, nps=2))
    return db.session.scalar(select(FeedbackCase).where(FeedbackCase.response_id == response.id))


def rows(response) -> list[str]:
    return [li.get("id") for li in parse(response).xpath("//ul[@id='case-rows']/li")]


def test_rep_sees_own_open_cases_and_manager_the_teams(client, login_as, db):
    team = make_team()
    rep = make_user(role="rep", team_id=team.id)
    survey = make_survey()
    mine = detractor_case(db, rep, survey)
    theirs = detractor_case(db, make_user(role="rep", team_id=team.id), survey)
    detractor_case(db, make_user(role="rep"), survey)  # another team's
    db.session.commit()
    login_as(user=rep)
    assert rows(client.get(URL, headers=EN)) == [f"home-case-{mine.id}"]
    login_as("manager", team_id=team.id)
    assert set(rows(client.get(URL, headers=EN))) == {
        f"home-case-{mine.id}",
        f"home-case-{theirs.id}",
    }


def test_empty_state(client, login_as):
    login_as("rep")
    response = client.get(URL, headers=EN)
    assert "No open feedback case" in response.get_data(as_text=True)
    assert parse(response).get_element_by_id("panel-cases-count").text_content().strip() == "0"
