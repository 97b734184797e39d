"""Demo forecasts: every salesperson's number for the past three months, submitted early in
each month (some re-submitted, one adjusted by the manager), the teams' numbers, and this
month's first submissions, so the accuracy page and the manager's review have something to
show. Safe to run twice: nothing is added once a forecast exists."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from salesweb.auth.models import Team, User
from salesweb.core import seeding
from salesweb.core.models import today
from salesweb.core.money import base_currency
from salesweb.extensions import db
from salesweb.goals import queries
from salesweb.goals.models.forecast import ForecastSubmission, SubmissionKind
from salesweb.goals.periods import Period, PeriodKind, fiscal_start

HUNDRED = Decimal(100)


def _at(day, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _row(period: Period, when: datetime, by: User, amount: Decimal, **values) -> None:
    won = values.pop("won", Decimal(0))
    values.setdefault("kind", SubmissionKind.SUBMITTED)
    db.session.add(
        ForecastSubmission(
            period_key=period.key,
            currency=base_currency(),
            amount=amount,
            submitted_at=when,
            submitted_by_id=by.id,
            won=Decimal(0),
            commit_amount=(won * Decimal("0.8")).quantize(Decimal("0.01")),
            best_case=(won * Decimal("1.2")).quantize(Decimal("0.01")),
            pipeline=(won * Decimal("0.5")).quantize(Decimal("0.01")),
            weighted=(won * Decimal("0.7")).quantize(Decimal("0.01")),
            **values,
        )
    )


def _number(rng: random.Random, actual: Decimal) -> Decimal:
    """A forecast near what was then won: off by up to a third, in hundreds."""
    if actual <= 0:  # nothing won: some saw it coming, some hoped for a deal or two
        return Decimal(0) if rng.random() < 0.5 else Decimal(rng.randint(5, 20) * 1000)
    base = actual
    factor = Decimal(rng.randint(70, 130)) / HUNDRED
    return (base * factor / HUNDRED).quantize(Decimal(1)) * HUNDRED


def seed_forecasts() -> None:
    if db.session.scalar(select(func.count()).select_from(ForecastSubmission)):
        return
    rng = random.Random(15)
    teams = list(db.session.scalars(select(Team).order_by(Team.id)))
    people = queries.forecast_members([t.id for t in teams])
    if not people:
        return
    month = Period.containing(today(), PeriodKind.MONTH, fiscal_start())
    past = []
    for _ in range(3):
        month_before = Period.containing(month.start - timedelta(days=1), PeriodKind.MONTH)
        past.insert(0, month_before)
        month = month_before
    quarter = Period.containing(today(), PeriodKind.QUARTER, fiscal_start())
    last_quarter = Period.containing(quarter.start - timedelta(days=1), PeriodKind.QUARTER)
    past.append(last_quarter)
    for period in past:
        won = queries.won_by_owner(period, [p.id for p in people])
        for n, person in enumerate(people):
            actual = won.get(person.id, (0, Decimal(0)))[1]
            first = _number(rng, actual)
            _row(
                period,
                _at(period.start, 2 + n % 5),
                person,
                first,
                owner_id=person.id,
                kind=SubmissionKind.SUBMITTED,
                note="",
                won=actual,
            )
            if n % 3 == 1:  # a second look in the middle of the month
                again = _number(rng, actual)
                _row(
                    period,
                    _at(period.start + timedelta(days=14), 3),
                    person,
                    again,
                    owner_id=person.id,
                    kind=SubmissionKind.SUBMITTED,
                    note="",
                    won=actual,
                )
        for team in teams:
            members = [p for p in people if p.team_id == team.id]
            manager = db.session.get(User, team.manager_id) if team.manager_id else None
            if manager is None or not members:
                continue
            adjusted = next((p for p in members if p.id != manager.id), None)
            if adjusted is not None and period is past[2]:
                _row(
                    period,
                    _at(period.start + timedelta(days=2), 1),
                    manager,
                    _number(rng, Decimal(20000)),
                    owner_id=adjusted.id,
                    kind=SubmissionKind.ADJUSTED,
                    note="客户预算推迟到下月 / budget slips",
                )
            sum_won = sum((won.get(p.id, (0, Decimal(0)))[1] for p in members), Decimal(0))
            _row(
                period,
                _at(period.start + timedelta(days=3), 2),
                manager,
                _number(rng, sum_won),
                team_id=team.id,
                kind=SubmissionKind.SUBMITTED,
                note="",
                won=sum_won,
            )
    # This quarter: everyone gave a number when it began.
    for person in people:
        amount = Decimal(rng.randint(10, 60) * 1000)
        _row(quarter, _at(quarter.start, 5), person, amount, owner_id=person.id, note="")
    # This month: the second rep of each team has submitted, the manager's review waits on it;
    # the first rep has not (their workbench reminds them).
    this_month = Period.containing(today(), PeriodKind.MONTH, fiscal_start())
    for team in teams:
        reps = [p for p in people if p.team_id == team.id and p.id != team.manager_id]
        for person in reps[1:2]:
            _row(
                this_month,
                _at(this_month.start, 4),
                person,
                Decimal(rng.randint(10, 40) * 1000),
                owner_id=person.id,
                kind=SubmissionKind.SUBMITTED,
                note="",
            )
    db.session.flush()


seeding.register(80, "forecast submissions", seed_forecasts)
