"""The account page's survey panel: the newest NPS and CSAT answers and the open cases."""

from __future__ import annotations

from datetime import timedelta

from salesweb.extensions import db as _db
from salesweb.surveys import services
from salesweb.surveys.models import SurveyResponse
from tests.factories import make_account, make_contact, make_user
from tests.surveys.factories import answer, make_invitation, make_survey


def test_latest_scores_are_the_newest_answer_of_each_kind(db):
    account = make_account(owner=make_user())
    survey = make_survey()
    assert services.account_scores(account.id) == {"nps": None, "csat": None, "open_cases": 0}
    submitted = []
    for nps, csat in ((9, 4), (3, None), (None, 5)):
        invitation, _ = make_invitation(survey, contact=make_contact(account))
        services.submit_response(invitation.id, answer(survey, nps=nps, csat=csat))
        submitted.append(
            _db.session.query(SurveyResponse).filter_by(invitation_id=invitation.id).one()
        )
    for days, response in enumerate(reversed(submitted)):
        response.submitted_at = response.submitted_at - timedelta(days=days + 1)
    _db.session.flush()

    scores = services.account_scores(account.id)
    assert scores["nps"].nps == 3 and scores["csat"].csat == 5
    assert scores["nps"].submitted_at == submitted[1].submitted_at
    assert scores["open_cases"] == 1  # the detractor's answer opened a case
    other = make_account(owner=make_user())
    assert services.account_scores(other.id)["nps"] is None
