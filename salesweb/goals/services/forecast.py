"""Forecast submissions: a salesperson's number, a manager's adjustment, a team's number.

Every call adds a snapshot row (never changes one) holding the number, the note, who and when,
and the system's figures of that moment. The number that counts is the latest row of the
person (or team) and period; the caller passes the id of the latest row it showed (`based_on`,
0 for none), and a row added since is a conflict: two managers adjusting one rep's number at
once, the second is told and nothing is saved.
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _

from salesweb.auth.models import Team, User
from salesweb.core.errors import ConflictError, DomainError
from salesweb.core.models import today
from salesweb.core.money import base_currency
from salesweb.extensions import db
from salesweb.goals import queries
from salesweb.goals.models.forecast import ForecastSubmission, SubmissionKind
from salesweb.goals.periods import Period, PeriodKind
from salesweb.goals.permissions import (
    can_adjust_forecast,
    can_submit_forecast,
    can_submit_team_forecast,
)

MAX_AMOUNT = Decimal(10) ** 15


def check_period(period: Period) -> None:
    """A forecast is for a month or a quarter that is not over yet."""
    if period.kind not in (PeriodKind.MONTH, PeriodKind.QUARTER):
        raise DomainError(_("Forecast a month or a quarter."), field="period")
    if period.end <= today():
        raise DomainError(_("This period is over; forecast a current or coming one."), "period")


def _check_number(amount: Decimal | None) -> Decimal:
    if amount is None:
        raise DomainError(_("Give the forecast amount."), field="amount")
    if amount < 0:
        raise DomainError(_("A forecast cannot be negative."), field="amount")
    if amount >= MAX_AMOUNT:
        raise DomainError(_("This amount is too large."), field="amount")
    return amount.quantize(Decimal("0.01"))


def _check_based_on(latest: ForecastSubmission | None, based_on: int | None) -> None:
    if based_on is None:
        return
    if (latest.id if latest else 0) != based_on:
        raise ConflictError(
            _(
                "Someone changed this forecast while you were looking at it. "
                "Its current number is shown now; check it and send yours again."
            )
        )


def _snapshot(period: Period, owner_ids: list[int], **values: object) -> ForecastSubmission:
    figures = queries.total(queries.forecast_by_owner(period, owner_ids, today()).values())
    row = ForecastSubmission(
        period_key=period.key,
        currency=base_currency(),
        won=figures.won,
        commit_amount=figures.commit_total,
        best_case=figures.best_case_total,
        pipeline=figures.pipeline,
        weighted=figures.weighted,
        **values,
    )
    db.session.add(row)
    db.session.flush()
    return row


def submit_forecast(
    actor: User, period: Period, amount: Decimal | None, note: str, based_on: int | None
) -> ForecastSubmission:
    """The actor's own forecast number for the period (a new snapshot; the latest counts)."""
    if not can_submit_forecast(actor, actor):
        raise DomainError(_("Only salespeople forecast their own number."))
    check_period(period)
    number = _check_number(amount)
    _check_based_on(queries.latest_person_submission(period.key, actor.id), based_on)
    return _snapshot(
        period,
        [actor.id],
        owner_id=actor.id,
        kind=SubmissionKind.SUBMITTED,
        amount=number,
        note=note.strip(),
        submitted_by_id=actor.id,
    )


def adjust_forecast(
    actor: User,
    person: User | None,
    period: Period,
    amount: Decimal | None,
    note: str,
    based_on: int | None,
) -> ForecastSubmission:
    """A manager's number for someone they answer for, with a note why; the person's own
    submission stays as it was, beside it."""
    if person is None or not can_adjust_forecast(actor, person):
        raise DomainError(_("Choose someone of your team."), field="person_id")
    check_period(period)
    number = _check_number(amount)
    if not note.strip():
        raise DomainError(_("Say why you adjust this forecast."), field="note")
    _check_based_on(queries.latest_person_submission(period.key, person.id), based_on)
    return _snapshot(
        period,
        [person.id],
        owner_id=person.id,
        kind=SubmissionKind.ADJUSTED,
        amount=number,
        note=note.strip(),
        submitted_by_id=actor.id,
    )


def submit_team_forecast(
    actor: User,
    team: Team | None,
    period: Period,
    amount: Decimal | None,
    note: str,
    based_on: int | None,
) -> ForecastSubmission:
    """The team's number for the period, by its manager (or an administrator)."""
    if team is None or not can_submit_team_forecast(actor, team):
        raise DomainError(_("Choose a team you lead."), field="team_id")
    check_period(period)
    number = _check_number(amount)
    _check_based_on(queries.latest_team_submission(period.key, team.id), based_on)
    members = [person.id for person in queries.forecast_members([team.id])]
    return _snapshot(
        period,
        members,
        team_id=team.id,
        kind=SubmissionKind.SUBMITTED,
        amount=number,
        note=note.strip(),
        submitted_by_id=actor.id,
    )
