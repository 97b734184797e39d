"""Many customers at once, against a live waitress server on its own database.

200 different invitations answered at the same moment are all stored, none lost, none doubled;
one invitation submitted 20 times at once is stored once. SQLite: its own file (WAL, 5 s busy
timeout). PostgreSQL: a schema of its own inside the test database.
"""

from __future__ import annotations

import urllib.parse
import urllib.request

import pytest
from sqlalchemy import func, select

from salesweb.extensions import db
from salesweb.surveys.models import FeedbackCase, SurveyResponse
from tests.factories import make_account, make_contact, make_user
from tests.live import fire_all, live_server
from tests.surveys.factories import form_for, make_invitation, make_survey

SCHEMA = "surveys_concurrency"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    with live_server(tmp_path_factory, SCHEMA, SALESWEB_SURVEY_LIMIT="100000 per minute") as served:
        yield served


def _fire(base: str, jobs: list[tuple[str, dict]]) -> list[int]:
    requests = [
        urllib.request.Request(
            f"{base}/s/{token}",
            data=urllib.parse.urlencode(data, doseq=True).encode(),
            method="POST",
        )
        for token, data in jobs
    ]
    return [status for status, _location in fire_all(requests)]


def _count(app, *where) -> int:
    with app.app_context():
        value = db.session.scalar(select(func.count()).select_from(SurveyResponse).where(*where))
        db.session.remove()
        return value


def test_200_different_invitations_at_once_are_all_stored_once(live):
    app, base = live
    with app.app_context():
        survey = make_survey()
        owner = make_user()
        account = make_account(owner=owner)
        issued = [make_invitation(survey, contact=make_contact(account)) for _ in range(200)]
        jobs = [
            (token, form_for(survey, nps=n % 11, csat=1 + n % 5, text=f"answer {n}"))
            for n, (_inv, token) in enumerate(issued)
        ]
        ids = [inv.id for inv, _ in issued]
        db.session.commit()
        db.session.remove()
    codes = _fire(base, jobs)
    assert codes == [200] * 200
    assert _count(app, SurveyResponse.invitation_id.in_(ids)) == 200
    with app.app_context():
        distinct = db.session.scalar(
            select(func.count(func.distinct(SurveyResponse.invitation_id))).where(
                SurveyResponse.invitation_id.in_(ids)
            )
        )
        detractor_cases = db.session.scalar(select(func.count()).select_from(FeedbackCase))
        db.session.remove()
    assert distinct == 200
    # nps 0-6 (or csat 1-2) opened a case, exactly once per answer
    expected = sum(1 for n in range(200) if n % 11 <= 6 or 1 + n % 5 <= 2)
    assert detractor_cases == expected


def test_the_same_invitation_20_times_at_once_is_stored_once(live):
    app, base = live
    with app.app_context():
        survey = make_survey()
        invitation, token = make_invitation(survey)
        invitation_id = invitation.id
        data = form_for(survey, nps=9, csat=5)
        db.session.commit()
        db.session.remove()
    codes = _fire(base, [(token, data)] * 20)
    assert sorted(codes) == [200] + [409] * 19
    assert _count(app, SurveyResponse.invitation_id == invitation_id) == 1
