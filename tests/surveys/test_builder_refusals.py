"""A refused question move or removal (buttons, no form) is said once and changes nothing."""

from __future__ import annotations

from salesweb.surveys import services
from salesweb.surveys.models import SurveyQuestion
from tests.conftest import HX, parse
from tests.surveys.factories import answer, make_invitation, make_survey


def test_refused_move_and_removal_flash_the_reason_and_keep_the_questions(client, login_as, db):
    login_as("admin")
    survey = make_survey()
    first = survey.questions[0]
    order = [q.id for q in survey.questions]
    db.session.commit()

    moved = client.post(f"/surveys/questions/{first.id}/move", data={"direction": "up"}, headers=HX)
    assert moved.status_code == 200 and "questionMoved" in moved.headers["HX-Trigger"]
    shown = parse(moved).xpath("//ol[@id='question-list']/li/@id")
    assert shown == [f"question-{qid}" for qid in order]
    assert "This question cannot move further." in moved.get_data(as_text=True)  # the toast

    invitation, _ = make_invitation(survey)
    services.submit_response(invitation.id, answer(survey, nps=9))
    db.session.commit()
    removed = client.post(f"/surveys/questions/{first.id}/delete", headers=HX)
    assert removed.status_code == 200 and "questionRemoved" in removed.headers["HX-Trigger"]
    assert "its questions can be changed, not removed" in removed.get_data(as_text=True)
    assert db.session.get(SurveyQuestion, first.id) is not None
