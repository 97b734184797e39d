"""Many customers at once, against a live waitress server on its own database.

200 different invitations answered at the same moment are all stored, none lost, none doubled;
one invitation submitted 20 times at once is stored once. SQLite: its own file (WAL, 5 s busy
timeout). PostgreSQL: a schema of its own inside the test database.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from salesweb import config as configs
from salesweb.extensions import db
from salesweb.surveys.models import FeedbackCase, SurveyResponse
from tests.factories import make_account, make_contact, make_user
from tests.live import serve
from tests.surveys.factories import form_for, make_invitation, make_survey

SCHEMA = "surveys_concurrency"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    config = configs.TestConfig()
    config.SALESWEB_SURVEY_LIMIT = "100000 per minute"
    with serve(config, tmp_path_factory.mktemp("concurrency"), SCHEMA) as running:
        yield running


def _post(base: str, token: str, data: dict, barrier: threading.Barrier) -> int:
    body = urllib.parse.urlencode(data, doseq=True).encode()
    request = urllib.request.Request(f"{base}/s/{token}", data=body, method="POST")
    barrier.wait(timeout=60)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        error.read()
        error.close()
        return error.code


def _fire(base: str, jobs: list[tuple[str, dict]]) -> list[int]:
    barrier = threading.Barrier(len(jobs))
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(_post, base, token, data, barrier) for token, data in jobs]
        return [f.result() for f in futures]


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
