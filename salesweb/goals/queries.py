"""Read-only queries of the goals area: attainment from the records, forecast sums."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, cast, false, func, or_, select
from sqlalchemy.orm import joinedload, lazyload

from salesweb.auth.models import Team, User
from salesweb.core.money import CENT
from salesweb.extensions import db
from salesweb.goals.models.forecast import ForecastSubmission
from salesweb.goals.periods import Period
from salesweb.goals.permissions import (
    FORECASTERS,
    can_submit_forecast,
    can_submit_team_forecast,
    scope_forecast_teams,
)
from salesweb.pipeline.models import Deal, DealStatus, ForecastCategory

ZERO = Decimal("0.00")


def won_by_owner(period: Period, owner_ids: Iterable[int] | None) -> dict[int, tuple[int, Decimal]]:
    """Won deals per owner in the period, by close date: (count, base amount).

    A reopened deal is open again and counts nowhere; won again, it counts once, in the period
    of its final close date. Amounts are in the base currency at each deal's own booking rate
    (`Deal.base_amount`); a won deal without an amount counts in the number, not the amount.
    `owner_ids=None` means everyone.
    """
    stmt = (
        select(Deal.owner_id, func.count(), func.coalesce(func.sum(Deal.base_amount), 0))
        .where(
            Deal.status == DealStatus.WON,
            Deal.deleted_at.is_(None),
            Deal.closed_on >= period.start,
            Deal.closed_on < period.end,
        )
        .group_by(Deal.owner_id)
    )
    if owner_ids is not None:
        stmt = stmt.where(Deal.owner_id.in_(list(owner_ids)))
    return {
        owner: (count, Decimal(amount).quantize(Decimal("0.01")))
        for owner, count, amount in db.session.execute(stmt)
    }


# --- forecasts (h2) ------------------------------------------------------------------------
#
# Which period an open deal counts in: the one holding its expected close date; an open deal
# whose expected close date has passed counts in the period holding today (it is still to be
# won, so it is forecast now), and a past period holds no open deal. An open deal without an
# expected close date is in no period. Won deals count by their close date (won_by_owner).

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class ForecastFigures:
    """The system's forecast figures of a person or a team for a period, in the base currency:
    won to date, and the open deals' sums by category, and their weighted sum (base amount ×
    probability, summed, then rounded once to the cent)."""

    won: Decimal = ZERO
    commit: Decimal = ZERO
    best_case: Decimal = ZERO
    pipeline: Decimal = ZERO
    weighted: Decimal = ZERO
    won_count: int = 0
    open_count: int = 0

    @property
    def commit_total(self) -> Decimal:
        """What is won plus what is committed: the system's commit number."""
        return self.won + self.commit

    @property
    def best_case_total(self) -> Decimal:
        """Won, committed and best case: the most the period may bring but for a surprise."""
        return self.won + self.commit + self.best_case

    def __add__(self, other: ForecastFigures) -> ForecastFigures:
        return ForecastFigures(
            *(getattr(self, f.name) + getattr(other, f.name) for f in fields(ForecastFigures))
        )


def counted_open(period: Period, day: date) -> ColumnElement[bool]:
    """The open deals that count in the period, seen on `day` (see the rule above)."""
    is_open = Deal.status == DealStatus.OPEN
    if period.end <= day:
        return false()
    if period.contains(day):
        return and_(is_open, Deal.expected_close < period.end)
    return and_(is_open, Deal.expected_close >= period.start, Deal.expected_close < period.end)


def _cents() -> ColumnElement:
    # Whole cents as an integer, so the sums are exact on SQLite too (it keeps numbers as floats).
    return cast(func.round(Deal.base_amount * 100), BigInteger)


def forecast_by_owner(
    period: Period, owner_ids: Iterable[int] | None, day: date
) -> dict[int, ForecastFigures]:
    """Per owner, the forecast figures of the period seen on `day`: two grouped queries (the
    open deals by owner and category, and the won ones). `owner_ids=None` means everyone."""
    ids = None if owner_ids is None else list(owner_ids)
    # Grouped by the label: PostgreSQL would not see two renderings of the CASE, each with its
    # own bound parameters, as the same expression.
    category = Deal.forecast_category.label("category")
    stmt = (
        select(
            Deal.owner_id,
            category,
            func.count(),
            func.coalesce(func.sum(_cents()), 0),
            func.coalesce(func.sum(_cents() * Deal.probability), 0),
        )
        .where(Deal.deleted_at.is_(None), counted_open(period, day))
        .group_by(Deal.owner_id, category)
    )
    if ids is not None:
        stmt = stmt.where(Deal.owner_id.in_(ids))
    parts: dict[int, dict[str, Any]] = {}
    for owner, category, count, cents, weighted in db.session.execute(stmt):
        part = parts.setdefault(owner, {"open_count": 0, "weighted": 0})
        part[category] = (Decimal(int(cents)) / HUNDRED).quantize(CENT)
        part["open_count"] += count
        part["weighted"] += int(weighted)
    for owner, (count, amount) in won_by_owner(period, ids).items():
        parts.setdefault(owner, {"open_count": 0, "weighted": 0}).update(
            won=amount, won_count=count
        )
    return {owner: _figures(part) for owner, part in parts.items()}


def _figures(part: dict[str, Any]) -> ForecastFigures:
    weighted = (Decimal(part["weighted"]) / HUNDRED / HUNDRED).quantize(CENT, ROUND_HALF_UP)
    return ForecastFigures(
        won=part.get("won", ZERO),
        commit=part.get(ForecastCategory.COMMIT, ZERO),
        best_case=part.get(ForecastCategory.BEST_CASE, ZERO),
        pipeline=part.get(ForecastCategory.PIPELINE, ZERO),
        weighted=weighted,
        won_count=part.get("won_count", 0),
        open_count=part["open_count"],
    )


def total(figures: Iterable[ForecastFigures]) -> ForecastFigures:
    """The sum of several people's figures (a team's, the company's)."""
    return sum(figures, ForecastFigures())


def forecast_members(team_ids: Iterable[int]) -> list[User]:
    """The active salespeople of these teams, by team then name (who forecasts in a team)."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.team_id.in_(list(team_ids)),
                User.active.is_(True),
                User.role.in_(FORECASTERS),
            )
            .order_by(User.team_id, User.display_name, User.id)
            .options(lazyload(User.team))
        )
    )


def forecast_teams(user: User) -> list[Team]:
    """The teams whose forecast the user sees, by name."""
    stmt = scope_forecast_teams(select(Team), user).order_by(Team.name, Team.id)
    return list(db.session.scalars(stmt.options(lazyload(Team.manager))))


def person_submissions(period_key: str, owner_ids: Iterable[int]) -> dict[int, list[Any]]:
    """Every snapshot of these people's forecasts for the period, oldest first, by person."""
    rows = db.session.scalars(
        select(ForecastSubmission)
        .where(
            ForecastSubmission.period_key == period_key,
            ForecastSubmission.owner_id.in_(list(owner_ids)),
        )
        .order_by(ForecastSubmission.id)
        .options(joinedload(ForecastSubmission.submitted_by).lazyload(User.team))
    )
    out: dict[int, list[Any]] = {}
    for row in rows:
        out.setdefault(row.owner_id, []).append(row)
    return out


def team_submissions(period_key: str, team_ids: Iterable[int]) -> dict[int, list[Any]]:
    """Every snapshot of these teams' forecasts for the period, oldest first, by team."""
    rows = db.session.scalars(
        select(ForecastSubmission)
        .where(
            ForecastSubmission.period_key == period_key,
            ForecastSubmission.team_id.in_(list(team_ids)),
        )
        .order_by(ForecastSubmission.id)
        .options(joinedload(ForecastSubmission.submitted_by).lazyload(User.team))
    )
    out: dict[int, list[Any]] = {}
    for row in rows:
        out.setdefault(row.team_id, []).append(row)
    return out


def latest_person_submission(period_key: str, owner_id: int) -> Any:
    """The number that counts for a person and period now (their own or an adjustment)."""
    return db.session.scalar(
        select(ForecastSubmission)
        .where(ForecastSubmission.period_key == period_key, ForecastSubmission.owner_id == owner_id)
        .order_by(ForecastSubmission.id.desc())
        .limit(1)
    )


def latest_team_submission(period_key: str, team_id: int) -> Any:
    """The team's number that counts for the period now."""
    return db.session.scalar(
        select(ForecastSubmission)
        .where(ForecastSubmission.period_key == period_key, ForecastSubmission.team_id == team_id)
        .order_by(ForecastSubmission.id.desc())
        .limit(1)
    )


@dataclass
class PersonForecast:
    """A person's forecast for a period: the system's figures and every snapshot, oldest first.
    `own` is their latest own submission, `latest` the number that counts (theirs or a
    manager's adjustment made after it)."""

    person: User
    figures: ForecastFigures
    rows: list[Any]

    @property
    def own(self) -> Any:
        return next((r for r in reversed(self.rows) if not r.is_adjustment), None)

    @property
    def latest(self) -> Any:
        return self.rows[-1] if self.rows else None

    @property
    def first(self) -> Any:
        return self.rows[0] if self.rows else None

    @property
    def adjusted(self) -> bool:
        return self.latest is not None and self.latest.is_adjustment


def people_forecasts(period: Period, people: list[User], day: date) -> list[PersonForecast]:
    """Each person's forecast for the period: three queries, however many people."""
    ids = [p.id for p in people]
    figures = forecast_by_owner(period, ids, day) if ids else {}
    rows = person_submissions(period.key, ids) if ids else {}
    return [
        PersonForecast(p, figures.get(p.id, ForecastFigures()), rows.get(p.id, [])) for p in people
    ]


def forecast_people(user: User, teams: list[Team] | None = None) -> list[User]:
    """Whose forecasts the user reads: the salespeople of the teams they see (`teams`, when
    read already), and themself when they forecast too (a rep: only themself)."""
    teams = forecast_teams(user) if teams is None else teams
    people = forecast_members([t.id for t in teams]) if teams else []
    if can_submit_forecast(user, user) and all(p.id != user.id for p in people):
        people.insert(0, user)
    return people


def own_latest(owner_id: int, period_keys: list[str]) -> dict[str, Any]:
    """A person's latest forecast row (theirs or an adjustment) per period key, in one query."""
    rows = db.session.scalars(
        select(ForecastSubmission)
        .where(
            ForecastSubmission.owner_id == owner_id,
            ForecastSubmission.period_key.in_(period_keys),
        )
        .order_by(ForecastSubmission.id)
    )
    return {row.period_key: row for row in rows}


@dataclass(frozen=True)
class Waiting:
    """A person's forecast the team's number has not taken in: who, which period, how much."""

    person: User
    team: Team
    period: Period
    row: Any


def forecasts_to_review(user: User, periods: list[Period]) -> list[Waiting]:
    """The people's forecasts, in the teams whose number the user submits, newer than their
    team's latest submission of the period (three queries)."""
    teams = [t for t in forecast_teams(user) if can_submit_team_forecast(user, t)]
    if not teams:
        return []
    by_id = {t.id: t for t in teams}
    people = {p.id: p for p in forecast_members(by_id)}
    keys = [p.key for p in periods]
    rows = db.session.scalars(
        select(ForecastSubmission)
        .where(
            ForecastSubmission.period_key.in_(keys),
            or_(
                ForecastSubmission.owner_id.in_(list(people)),
                ForecastSubmission.team_id.in_(list(by_id)),
            ),
        )
        .order_by(ForecastSubmission.id)
    ).all()
    team_latest = {(r.team_id, r.period_key): r.id for r in rows if r.team_id}
    person_latest = {(r.owner_id, r.period_key): r for r in rows if r.owner_id}
    out = []
    for (owner_id, key), row in person_latest.items():
        person = people[owner_id]
        if row.id > team_latest.get((person.team_id, key), 0) and person.id != user.id:
            period = next(p for p in periods if p.key == key)
            out.append(Waiting(person, by_id[person.team_id], period, row))
    return sorted(out, key=lambda w: (w.period.kind, w.person.display_name))
