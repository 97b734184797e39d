"""Read-only queries of the goals area: attainment from the records, forecast sums."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.orm import joinedload, lazyload

from salesweb.auth.models import Team, User
from salesweb.core.models import day_start
from salesweb.core.money import CENT
from salesweb.customers.models import Account, Interaction
from salesweb.extensions import db
from salesweb.goals.models.forecast import ForecastSubmission
from salesweb.goals.models.target import Measure
from salesweb.goals.periods import Period, PeriodKind
from salesweb.goals.permissions import (
    FORECASTERS,
    can_submit_forecast,
    can_submit_team_forecast,
    scope_forecast_teams,
)
from salesweb.pipeline.models import Deal, DealStatus, ForecastCategory, Product, QuoteLine

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


# --- targets and attainment (h1) -------------------------------------------------------------
#
# Each measure is one grouped query per owner over the records themselves; teams and the
# company are sums of their people. Nothing is stored, so a deal won or reopened a second ago
# already counts (or no longer does).


def _utc_bounds(period: Period) -> tuple[datetime, datetime]:
    """The period's first and last-plus-one company days as UTC instants (for timestamps)."""
    return day_start(period.start), day_start(period.end)


def _owned(stmt: Select, owner_col: Any, owner_ids: Iterable[int] | None) -> Select:
    return stmt if owner_ids is None else stmt.where(owner_col.in_(list(owner_ids)))


def _bucketed(
    stmt: Select, when: Any, periods: list[Period], instants: bool, owner_col: Any
) -> Select:
    """Group a per-owner select by owner and by which of the periods `when` falls in (a CASE
    over the periods' bounds), keeping only rows inside one of them: one statement answers a
    year and its quarters, or a quarter and its months, at once."""
    bounds = [(_utc_bounds(p) if instants else (p.start, p.end), p.key) for p in periods]
    bucket = case(*(((when >= lo) & (when < hi), key) for (lo, hi), key in bounds), else_=None)
    # One range over them all, which an index on the time column answers (an OR of ranges is
    # read row by row); rows in a gap between the periods get no bucket and are left out.
    first, last = min(lo for (lo, _hi), _key in bounds), max(hi for (_lo, hi), _key in bounds)
    inside = (when >= first) & (when < last)
    return stmt.add_columns(bucket.label("bucket")).where(inside).group_by(owner_col, bucket)


def _won_stmt(value: Any) -> Select:
    return select(Deal.owner_id, value).where(
        Deal.status == DealStatus.WON, Deal.deleted_at.is_(None)
    )


def series_share(series: str) -> Any:
    """The part of a won deal's base amount that belongs to a product series, as SQL.

    A deal with an accepted quote counts the series' share of that quote's lines (line totals of
    the series' products over all line totals) of its own base amount, so a mixed quote is split
    and a discount or a kept amount applies pro rata. A deal without a quote (typed or imported)
    names its product in `product_name`: it counts wholly when that is the name or SKU of a
    product of the series, else not at all.
    """
    in_series = (
        select(func.coalesce(func.sum(QuoteLine.line_total), 0))
        .join(Product, Product.id == QuoteLine.product_id)
        .where(QuoteLine.quote_id == Deal.quote_id, Product.series == series)
        .scalar_subquery()
    )
    all_lines = (
        select(func.sum(QuoteLine.line_total))
        .where(QuoteLine.quote_id == Deal.quote_id)
        .scalar_subquery()
    )
    named = (
        select(Product.id)
        .where(
            Product.series == series,
            or_(Product.name == Deal.product_name, Product.sku == Deal.product_name),
        )
        .exists()
    )
    return case(
        (
            Deal.quote_id.is_not(None),
            func.round(Deal.base_amount * in_series / func.nullif(all_lines, 0), 2),
        ),
        (named, Deal.base_amount),
        else_=0,
    )


def _measure_stmt(measure: str, detail: str) -> tuple[Select, Any, Any, bool]:
    """A measure as (per-owner select, owner column, time column, whether time is an instant)."""
    if measure == Measure.WON_COUNT:
        return _won_stmt(func.count()), Deal.owner_id, Deal.closed_on, False
    if measure == Measure.WON_AMOUNT:
        value = func.coalesce(func.sum(Deal.base_amount), 0)
        return _won_stmt(value), Deal.owner_id, Deal.closed_on, False
    if measure == Measure.SERIES_AMOUNT:
        value = func.coalesce(func.sum(series_share(detail)), 0)
        stmt = _won_stmt(value).where(Deal.base_amount.is_not(None))
        return stmt, Deal.owner_id, Deal.closed_on, False
    if measure == Measure.NEW_ACCOUNTS:
        # Live accounts created in the period, per their (current) owner; pool accounts: nobody.
        stmt = select(Account.owner_id, func.count()).where(
            Account.deleted_at.is_(None), Account.owner_id.is_not(None)
        )
        return stmt, Account.owner_id, Account.created_at, True
    # Interactions of the chosen kinds (every kind when none is chosen), per who logged them.
    stmt = select(Interaction.author_id, func.count()).where(
        Interaction.deleted_at.is_(None), Interaction.author_id.is_not(None)
    )
    if detail:
        stmt = stmt.where(Interaction.kind.in_(detail.split(",")))
    return stmt, Interaction.author_id, Interaction.occurred_at, True


def _cents(amount: Any) -> Decimal:
    return Decimal(str(amount or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def actuals_by_period(
    measure: str, detail: str, periods: list[Period], owner_ids: Iterable[int] | None
) -> dict[tuple[int, str], Decimal]:
    """One measure's actual per (person, period key) over several periods, in one statement.

    Won deals count by their final close date at their booked base amount (a reopened deal
    counts nowhere; see `won_by_owner`); accounts by the company day they were created;
    interactions by the company day they happened. `owner_ids=None` means everyone.
    """
    # Periods nest (a year and its quarters): count by month, the unit every period is made of,
    # then add the months up into each period asked for.
    start = periods[0].fiscal_start if periods else 1
    months = sorted({m for p in periods for m in _months(p, start)})
    stmt, owner_col, when, instants = _measure_stmt(measure, detail)
    stmt = _owned(stmt, owner_col, owner_ids)
    if instants:  # a timestamp: its company day decides the month (a CASE over UTC bounds)
        stmt = _bucketed(stmt, when, months, instants, owner_col)
    else:  # a date: its month is its text's first seven characters ("2026-07"), a month's key
        month = func.substr(cast(when, String), 1, 7)
        stmt = (
            stmt.add_columns(month.label("bucket"))
            .where(when >= months[0].start, when < months[-1].end)
            .group_by(owner_col, month)
        )
    money = measure in (Measure.WON_AMOUNT, Measure.SERIES_AMOUNT)
    by_month: dict[tuple[int, str], Decimal] = {
        (owner, bucket): _cents(value) if money else Decimal(value)
        for owner, value, bucket in db.session.execute(stmt)
        if bucket is not None
    }
    wanted = {m.key for m in months}
    by_month = {k: v for k, v in by_month.items() if k[1] in wanted}
    found: dict[tuple[int, str], Decimal] = {}
    for period in periods:
        keys = {m.key for m in _months(period, start)}
        for (owner, month), value in by_month.items():
            if month in keys:
                found[(owner, period.key)] = found.get((owner, period.key), Decimal(0)) + value
    return found


def _months(period: Period, fiscal_start: int) -> list[Period]:
    """The calendar months a period is made of."""
    if period.kind == PeriodKind.MONTH:
        return [period]
    return [m for child in period.children() for m in _months(child, fiscal_start)]


def actuals(
    measure: str, detail: str, period: Period, owner_ids: Iterable[int] | None
) -> dict[int, Decimal]:
    """One measure's actual per person in one period, in one grouped query."""
    found = actuals_by_period(measure, detail, [period], owner_ids)
    return {owner: value for (owner, _key), value in found.items()}


def open_pipeline_by_owner(
    owner_ids: Iterable[int] | None, period: Period | None = None
) -> dict[int, Decimal]:
    """Open deals' base amounts per owner (expected to close in `period`, when given)."""
    stmt = (
        select(Deal.owner_id, func.coalesce(func.sum(Deal.base_amount), 0))
        .where(Deal.status == DealStatus.OPEN, Deal.deleted_at.is_(None))
        .group_by(Deal.owner_id)
    )
    if period is not None:
        stmt = stmt.where(Deal.expected_close >= period.start, Deal.expected_close < period.end)
    stmt = _owned(stmt, Deal.owner_id, owner_ids)
    return {owner: _cents(amount) for owner, amount in db.session.execute(stmt)}


@dataclass
class Attainment:
    """Where one owner stands: the target, the actual, and what the rest of the period asks."""

    target: Decimal | None
    actual: Decimal
    period: Period
    day: date
    step: Decimal = CENT

    @property
    def percent(self) -> Decimal | None:
        if not self.target:
            return None
        return (self.actual * 100 / self.target).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def gap(self) -> Decimal | None:
        if self.target is None:
            return None
        return max(self.target - self.actual, Decimal(0))

    @property
    def time_percent(self) -> Decimal:
        return (self.period.elapsed(self.day) * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def days_left(self) -> int:
        """Days still to sell in, today included (all of them before the period starts)."""
        if self.day >= self.period.end:
            return 0
        return (self.period.end - max(self.day, self.period.start)).days

    @property
    def per_day(self) -> Decimal | None:
        """What each remaining day must bring to close the gap (rounded up to the step)."""
        if not self.gap or not self.days_left:
            return None
        return (self.gap / self.days_left).quantize(self.step, ROUND_CEILING)

    @property
    def per_week(self) -> Decimal | None:
        if not self.gap or not self.days_left:
            return None
        weeks = Decimal(self.days_left) / 7
        return (self.gap / max(weeks, Decimal(1))).quantize(self.step, ROUND_CEILING)

    @property
    def behind(self) -> bool:
        """Behind the calendar: less achieved than the share of the period gone."""
        return self.percent is not None and self.percent < self.time_percent


def members_by_team(team_ids: Iterable[int] | None) -> dict[int, list[User]]:
    """Active people per team (every team when `team_ids` is None), by name, in one query."""
    stmt = (
        select(User)
        .where(User.active.is_(True), User.team_id.is_not(None))
        .order_by(User.display_name)
        .options(lazyload(User.team))
    )
    if team_ids is not None:
        stmt = stmt.where(User.team_id.in_(list(team_ids)))
    grouped: dict[int, list[User]] = {}
    for person in db.session.scalars(stmt):
        grouped.setdefault(person.team_id, []).append(person)
    return grouped


def children_of(target_ids: Iterable[int]) -> dict[int, list[Any]]:
    """The children of each of these targets (their owners loaded with them), in one query."""
    from salesweb.goals.models.target import Target

    ids = list(target_ids)
    grouped: dict[int, list[Any]] = {i: [] for i in ids}
    if not ids:
        return grouped
    stmt = (
        select(Target)
        .where(Target.parent_id.in_(ids))
        .order_by(Target.period_start, Target.owner_key, Target.id)
    )
    for child in db.session.scalars(stmt):
        grouped[child.parent_id].append(child)
    return grouped


def target_in_slot(measure: str, detail: str, period_key: str, owner_key: str) -> Any:
    """The target already set for this measure, period and owner, if any."""
    from salesweb.goals.models.target import Target

    return db.session.scalar(
        select(Target).where(
            Target.measure == measure,
            Target.detail == detail,
            Target.period_key == period_key,
            Target.owner_key == owner_key,
        )
    )


def target_revisions(target_id: int) -> list[Any]:
    """A target's revisions, the newest first."""
    from salesweb.goals.models.target import TargetRevision

    return list(
        db.session.scalars(
            select(TargetRevision)
            .where(TargetRevision.target_id == target_id)
            .order_by(TargetRevision.changed_at.desc(), TargetRevision.id.desc())
        )
    )


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


def _base_cents() -> ColumnElement:
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
            func.coalesce(func.sum(_base_cents()), 0),
            func.coalesce(func.sum(_base_cents() * Deal.probability), 0),
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
