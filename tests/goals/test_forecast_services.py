"""Forecast submissions: snapshots kept, an adjustment beside the rep's own number, the team's
number, and the refusals (negative, a period that does not exist or is over, someone outside
the team, two managers at once)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from salesweb.core.errors import ConflictError, DomainError
from salesweb.core.models import today
from salesweb.goals import queries
from salesweb.goals.models.forecast import ForecastSubmission, SubmissionKind
from salesweb.goals.periods import Period, PeriodKind
from salesweb.goals.services import forecast as services
from tests.factories import make_team, make_user
from tests.goals.factories import make_forecast_deal


def team_of(reps: int = 2):
    """A team with its manager and reps."""
    team = make_team()
    manager = make_user(role="manager", team_id=team.id)
    team.manager_id = manager.id
    people = [make_user(team_id=team.id) for _ in range(reps)]
    return team, manager, people


def month():
    return Period.containing(today(), PeriodKind.MONTH)


def _rows(db):
    return db.session.scalar(select(func.count()).select_from(ForecastSubmission))


def test_resubmitting_keeps_every_snapshot_with_the_system_figures(db):
    _, _, (rep, _) = team_of()
    make_forecast_deal(rep, 80, "1000", today())
    first = services.submit_forecast(rep, month(), Decimal("900"), " start ", 0)
    assert (first.commit_amount, first.weighted, first.note) == (
        Decimal("1000.00"),
        Decimal("800.00"),
        "start",
    )
    second = services.submit_forecast(rep, month(), Decimal("950"), "", first.id)
    rows = queries.person_submissions(month().key, [rep.id])[rep.id]
    assert [r.amount for r in rows] == [Decimal("900.00"), Decimal("950.00")]
    assert queries.latest_person_submission(month().key, rep.id) == second


def test_adjustment_keeps_the_reps_own_number(db):
    team, manager, (rep, _) = team_of()
    own = services.submit_forecast(rep, month(), Decimal("500"), "", 0)
    adjusted = services.adjust_forecast(
        manager, rep, month(), Decimal("300"), "too hopeful", own.id
    )
    (line,) = queries.people_forecasts(month(), [rep], today())
    assert line.own == own and line.latest == adjusted and line.adjusted
    assert adjusted.kind == SubmissionKind.ADJUSTED and adjusted.submitted_by_id == manager.id
    assert line.first.amount == Decimal("500.00")


def test_team_number_snapshots_the_members_figures(db):
    team, manager, (a, b) = team_of()
    make_forecast_deal(a, 50, "100", today())
    make_forecast_deal(b, 90, "200", today())
    row = services.submit_team_forecast(manager, team, month(), Decimal("250"), "", 0)
    assert (row.team_id, row.owner_id) == (team.id, None)
    assert (row.best_case, row.commit_amount) == (Decimal("300.00"), Decimal("200.00"))


def test_negative_missing_and_huge_amounts_are_refused(db):
    _, _, (rep, _) = team_of()
    for amount in (Decimal("-1"), None, Decimal(10) ** 16):
        with pytest.raises(DomainError) as refused:
            services.submit_forecast(rep, month(), amount, "", 0)
        assert refused.value.field == "amount"
    assert _rows(db) == 0


def test_a_year_and_a_past_period_are_refused(db):
    _, _, (rep, _) = team_of()
    last_month = Period.containing(month().start - timedelta(days=1), PeriodKind.MONTH)
    year = Period.containing(today(), PeriodKind.YEAR)
    for period in (last_month, year):
        with pytest.raises(DomainError) as refused:
            services.submit_forecast(rep, period, Decimal("1"), "", 0)
        assert refused.value.field == "period"
    assert _rows(db) == 0


def test_adjusting_someone_outside_the_team_is_refused(db):
    _, manager, _ = team_of()
    _, _, (stranger, _) = team_of()
    with pytest.raises(DomainError) as refused:
        services.adjust_forecast(manager, stranger, month(), Decimal("1"), "why", 0)
    assert refused.value.field == "person_id"
    with pytest.raises(DomainError) as refused:
        services.adjust_forecast(manager, manager, month(), Decimal("1"), "my own", 0)
    assert refused.value.field == "person_id"
    assert _rows(db) == 0


def test_a_team_the_manager_does_not_lead_is_refused(db):
    _, manager, _ = team_of()
    other, _, _ = team_of()
    with pytest.raises(DomainError) as refused:
        services.submit_team_forecast(manager, other, month(), Decimal("1"), "", 0)
    assert refused.value.field == "team_id"


def test_adjustment_needs_a_note(db):
    _, manager, (rep, _) = team_of()
    with pytest.raises(DomainError) as refused:
        services.adjust_forecast(manager, rep, month(), Decimal("1"), "  ", 0)
    assert refused.value.field == "note"


def test_two_managers_adjusting_at_once_the_second_gets_a_conflict(db):
    team, manager, (rep, _) = team_of()
    admin = make_user(role="admin")
    own = services.submit_forecast(rep, month(), Decimal("500"), "", 0)
    services.adjust_forecast(manager, rep, month(), Decimal("400"), "first", own.id)
    with pytest.raises(ConflictError):
        services.adjust_forecast(admin, rep, month(), Decimal("450"), "second", own.id)
    assert _rows(db) == 2


def test_compliance_cannot_submit(db):
    officer = make_user(role="compliance")
    with pytest.raises(DomainError):
        services.submit_forecast(officer, month(), Decimal("1"), "", 0)
