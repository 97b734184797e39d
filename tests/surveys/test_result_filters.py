"""The results' filters narrow the responses and the invitations they are a share of alike."""

from __future__ import annotations

from datetime import timedelta

from salesweb.core.models import today as company_today
from salesweb.surveys import results, services
from salesweb.surveys.models import Touch
from tests.factories import make_user
from tests.surveys.factories import answer, make_invitation, make_survey


def test_survey_touchpoint_and_period_filter_responses_and_invitations(db):
    admin = make_user(role="admin")
    first, second = make_survey(), make_survey()
    invitation, _ = make_invitation(first, touch=Touch.DEAL_WON)
    services.submit_response(invitation.id, answer(first, nps=10, csat=5))
    make_invitation(first)  # manual, not answered
    invitation, _ = make_invitation(second)
    services.submit_response(invitation.id, answer(second, nps=2, csat=1))

    everything = results.overview(admin, results.Filters())
    assert (everything["invited"], everything["answered"]) == (3, 2)
    assert everything["nps_distribution"][10] == (10, 1)
    assert everything["nps_distribution"][2] == (2, 1)

    one = results.overview(admin, results.Filters(survey_id=first.id))
    assert (one["invited"], one["answered"], one["rate"]) == (2, 1, 50)
    assert one["scores"].responses == 1 and one["scores"].nps == 100
    assert one["csat_distribution"] == [(1, 0), (2, 0), (3, 0), (4, 0), (5, 1)]

    won = results.overview(admin, results.Filters(touch=Touch.DEAL_WON))
    assert (won["invited"], won["answered"]) == (1, 1)
    assert won["scores"].responses == 1

    today = company_today()  # the company's day, as the services date things
    now = results.overview(admin, results.Filters(start=today, end=today))
    assert (now["invited"], now["scores"].responses) == (3, 2)
    later = results.Filters(start=today + timedelta(days=1))
    before = results.Filters(end=today - timedelta(days=1))
    for period in (later, before):
        empty = results.overview(admin, period)
        assert (empty["invited"], empty["scores"].responses, empty["rate"]) == (0, 0, None)
        assert all(count == 0 for _, count in empty["nps_distribution"])
