"""Attainment boards: targets beside what the records say, for the goals pages and panels.

Read-only assembly over `goals.queries`: per page a fixed handful of statements (the targets,
the people and teams, one grouped actual per measure shown), however many people there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from salesweb.auth.models import Role, Team, User
from salesweb.core.models import today
from salesweb.core.pagination import Page, page_number
from salesweb.extensions import db
from salesweb.goals import queries
from salesweb.goals.models.target import (
    COUNT_STEP,
    DEAL_MEASURES,
    MONEY_MEASURES,
    Level,
    Measure,
    Target,
    TargetStatus,
)
from salesweb.goals.periods import Period, PeriodKind, fiscal_start
from salesweb.goals.permissions import (
    can_set_targets,
    led_team_ids,
    people_in_scope,
    scope_targets,
    sees_all_goals,
)
from salesweb.goals.queries import CENT, Attainment


@dataclass
class Row:
    """One owner's line: who, their target (if set), where they stand, and the drill-down."""

    level: str
    name: str
    attainment: Attainment
    target: Target | None = None
    team_id: int | None = None
    user_id: int | None = None
    reconciliations: list[Any] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.level}-{self.team_id or self.user_id or 'all'}"


def step_of(measure: str) -> Decimal:
    return CENT if measure in MONEY_MEASURES else COUNT_STEP


def drill_args(measure: str, period: Period, level: str, owner_id: int | None) -> dict | None:
    """The deal list's query string that shows exactly the deals an actual counts (won, by final
    close date in the period, of the owner or the team); None where no list can show them."""
    if measure not in DEAL_MEASURES:
        return None
    args: dict[str, Any] = {
        "status": "won",
        "closed_after": period.start.isoformat(),
        "closed_before": (period.end - timedelta(days=1)).isoformat(),
    }
    if level == Level.PERSON:
        args["owner"] = owner_id
    elif level == Level.TEAM:
        args["team"] = owner_id
    return args


def _sum(values: dict[int, Decimal], ids: list[int]) -> Decimal:
    return sum((values.get(i, Decimal(0)) for i in ids), Decimal(0))


def measure_details(user: User, period: Period, measure: str) -> list[str]:
    """The series or interaction kinds the visible targets of this period use for a measure."""
    if measure not in (Measure.SERIES_AMOUNT, Measure.INTERACTIONS):
        return [""]
    stmt = scope_targets(
        select(Target.detail)
        .where(Target.period_key == period.key, Target.measure == measure)
        .group_by(Target.detail)
        .order_by(Target.detail),
        user,
    )
    return list(db.session.scalars(stmt)) or [""]


@dataclass
class Board:
    period: Period
    measure: str
    detail: str
    day: date
    company: Row | None
    teams: list[Row]
    people: list[Row]

    @property
    def clock(self) -> Attainment:
        """Where the period stands by time alone (share gone, days left)."""
        return Attainment(None, Decimal(0), self.period, self.day)


def attainment_board(
    user: User, period: Period, measure: str, detail: str, team_id: int | None = None
) -> Board:
    """Company (administrators), teams and people the user answers for, each with target and
    actual for one measure in one period; `team_id` narrows to one team."""
    day = today()
    step = step_of(measure)
    scope = people_in_scope(user)
    if sees_all_goals(user):
        team_ids = None if team_id is None else [team_id]
    elif can_set_targets(user):  # a manager: the teams they lead
        team_ids = [t for t in led_team_ids(user) if team_id in (None, t)]
    else:
        team_ids = []
    members = queries.members_by_team(team_ids) if team_ids != [] else {}
    teams = _teams(members.keys()) if members else []
    shown_ids = sorted({p.id for group in members.values() for p in group} | {user.id})
    if scope is not None:
        shown_ids = [i for i in shown_ids if i in scope]
    whole = sees_all_goals(user) and team_id is None
    actual = queries.actuals(measure, detail, period, None if whole else shown_ids)
    slots = _targets(user, period, measure, detail)

    def row(level, name, value, target_key, **ids):
        target = slots.get(target_key)
        got = Attainment(target.value if target else None, value, period, day, step)
        return Row(level, name, got, target, **ids)

    company = None
    if whole:
        company = row(Level.COMPANY, "", sum(actual.values(), Decimal(0)), "company")
    team_rows = [
        row(
            Level.TEAM,
            t.name,
            _sum(actual, [m.id for m in members[t.id]]),
            f"team:{t.id}",
            team_id=t.id,
        )
        for t in teams
    ]
    people = {p.id: p for group in members.values() for p in group}
    if user.id in shown_ids and user.id not in people:
        people[user.id] = user
    if whole:  # the whole company reads by team; a team's link shows its people
        people = {}
    person_rows = [
        row(
            Level.PERSON, p.display_name, actual.get(p.id, Decimal(0)), f"user:{p.id}", user_id=p.id
        )
        for p in sorted(people.values(), key=lambda p: p.display_name)
        if p.id in shown_ids
    ]
    return Board(period, measure, detail, day, company, team_rows, person_rows)


def _teams(ids) -> list[Team]:
    return list(db.session.scalars(select(Team).where(Team.id.in_(list(ids))).order_by(Team.name)))


def _targets(user: User, period: Period, measure: str, detail: str) -> dict[str, Target]:
    """The visible targets of one measure and period, by owner key."""
    stmt = scope_targets(
        select(Target).where(
            Target.period_key == period.key, Target.measure == measure, Target.detail == detail
        ),
        user,
    )
    return {t.owner_key: t for t in db.session.scalars(stmt)}


# --- the targets list --------------------------------------------------------------------------

TARGET_SORTS = {
    "owner": (Target.level, Target.owner_key),
    "-value": (Target.value.desc(),),
    "measure": (Target.measure, Target.detail),
}


def target_list(user: User, period: Period, f: dict[str, str]) -> tuple[Page, list[Row]]:
    """One page of the visible targets of a period (filtered, sorted), each with its actual and
    whether its parts add up."""
    stmt = scope_targets(select(Target).where(Target.period_key == period.key), user)
    if f["level"]:
        stmt = stmt.where(Target.level == f["level"])
    if f["measure"]:
        stmt = stmt.where(Target.measure == f["measure"])
    if f["q"]:
        named = select(User.id).where(
            func.lower(User.display_name).contains(f["q"], autoescape=True)
        )
        teams = select(Team.id).where(func.lower(Team.name).contains(f["q"], autoescape=True))
        stmt = stmt.where(Target.user_id.in_(named) | Target.team_id.in_(teams))
    stmt = stmt.order_by(*TARGET_SORTS[f["sort"]], Target.id)
    size = 25
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = list(db.session.scalars(stmt.limit(size).offset((page_number() - 1) * size)))
    return Page(items, page_number(), size, total or 0), target_rows(user, items)


def target_rows(user: User, targets: list[Target]) -> list[Row]:
    """Each target with its actual in its own period (one grouped query per measure shown,
    whatever the periods) and whether its parts add up (one query)."""
    from salesweb.goals.services.targets import reconcile

    day, start = today(), fiscal_start()
    teams = {t.team_id for t in targets if t.level == Level.TEAM}
    members = queries.members_by_team(teams) if teams else {}
    scope = people_in_scope(user)
    periods: dict[tuple[str, str], dict[str, Period]] = {}
    for t in targets:
        periods.setdefault((t.measure, t.detail), {})[t.period_key] = t.period(start)
    per = {
        (measure, detail): queries.actuals_by_period(measure, detail, list(ps.values()), scope)
        for (measure, detail), ps in periods.items()
    }
    kids = queries.children_of([t.id for t in targets])
    rows = []
    for t in targets:
        values = {
            owner: value
            for (owner, key), value in per[(t.measure, t.detail)].items()
            if key == t.period_key
        }
        if t.level == Level.PERSON:
            value = values.get(t.user_id, Decimal(0))
        elif t.level == Level.TEAM:
            value = _sum(values, [m.id for m in members.get(t.team_id, [])])
        else:
            value = sum(values.values(), Decimal(0))
        got = Attainment(t.value, value, periods[(t.measure, t.detail)][t.period_key], day, t.step)
        rows.append(
            Row(t.level, t.owner_name, got, t, t.team_id, t.user_id, reconcile(t, kids[t.id]))
        )
    return rows


def my_targets(user: User) -> list[Row]:
    """The user's own published targets of this month and this quarter, with attainment."""
    start = fiscal_start()
    day = today()
    periods = [
        Period.containing(day, kind, start) for kind in (PeriodKind.MONTH, PeriodKind.QUARTER)
    ]
    stmt = (
        select(Target)
        .where(
            Target.user_id == user.id,
            Target.status == TargetStatus.PUBLISHED,
            Target.period_key.in_([p.key for p in periods]),
        )
        .order_by(Target.period_start.desc(), Target.measure)
    )
    return target_rows(user, list(db.session.scalars(stmt)))


# --- what the pages offer to choose from ------------------------------------------------------


def neighbours(period: Period) -> tuple[Period, Period]:
    """The period of the same kind before and after this one."""
    start = period.fiscal_start
    before = Period.containing(period.start - timedelta(days=1), period.kind, start)
    return before, Period.containing(period.end, period.kind, start)


def period_choices(period: Period) -> list[Period]:
    """The year of this period, its quarters and its months: what a period picker offers."""
    year = Period.year(period.fiscal_year, period.fiscal_start)
    found = [year]
    for quarter in year.children():
        found += [quarter, *quarter.children()]
    return found


def target_filters(args: Any) -> dict[str, str]:
    """The targets list's filters from the query string, each checked."""
    from salesweb.goals.models.target import LEVEL_LABELS, MEASURE_LABELS

    level, measure, sort = args.get("level", ""), args.get("measure", ""), args.get("sort", "owner")
    return {
        "level": level if level in LEVEL_LABELS else "",
        "measure": measure if measure in MEASURE_LABELS else "",
        "q": (args.get("q") or "").strip().lower()[:100],
        "sort": sort if sort in TARGET_SORTS else "owner",
    }


def settable_owners(user: User) -> tuple[list[Team], list[User]]:
    """The teams and people this user may set targets for (two queries)."""
    teams = select(Team).order_by(Team.name)
    people = (
        select(User)
        .where(User.active.is_(True), User.role.in_((Role.REP, Role.MANAGER)))
        .order_by(User.display_name)
    )
    if not sees_all_goals(user):
        teams = teams.where(Team.id.in_(led_team_ids(user)))
        people = people.where(User.id.in_(people_in_scope(user) or []))
    return list(db.session.scalars(teams)), list(db.session.scalars(people))


def product_series() -> list[str]:
    """The product series that exist, by name."""
    from salesweb.pipeline.models import Product

    stmt = select(Product.series).where(Product.series != "").group_by(Product.series)
    return list(db.session.scalars(stmt.order_by(Product.series)))


# --- charts (core.charts: pygal SVG with the numbers in a table beside) ------------------------


CHART_BARS = 25


def attainment_chart(board: Board) -> Any:
    """Each person's (or, with no people shown, each team's) share of their target as a bar,
    a tick at 100 % where there is a target, and a line where the period stands by time."""
    from flask import url_for
    from flask_babel import gettext as _

    from salesweb.core.charts import Marker, Series, bar_chart

    # Bars stay readable (and quick to draw) up to a team's people; a whole company is drawn
    # by team, its people being in the table below.
    few_people = board.people if len(board.people) <= CHART_BARS else []
    rows = few_people or board.teams or board.people or ([board.company] if board.company else [])
    rows = rows[:CHART_BARS]
    ratios = [
        r.attainment.actual / r.attainment.target if r.attainment.target else None for r in rows
    ]
    links = []
    for r in rows:
        args = drill_args(board.measure, board.period, r.level, r.team_id or r.user_id)
        links.append(url_for("pipeline.deal_list", **args) if args else None)
    return bar_chart(
        _("Attainment against target, %(period)s", period=board.period.label()),
        [r.name or _("Whole company") for r in rows],
        [Series(_("Attained"), ratios)],
        target=[Decimal(1) if r.attainment.target else None for r in rows],
        marker=Marker(board.period.elapsed(board.day), _("Time gone")),
        links=links,
        percent=True,
        horizontal=True,
    )


def trend_chart(board: Board) -> Any:
    """The measure month by month through the fiscal year, this year beside last year, for
    everyone the page shows (one statement for both years)."""
    from babel.dates import format_skeleton
    from flask_babel import get_locale
    from flask_babel import gettext as _

    from salesweb.core.charts import Series, line_chart

    year = Period.year(board.period.fiscal_year, board.period.fiscal_start)
    months = [m for q in year.children() for m in q.children()]
    before = [m.same_last_year() for m in months]
    ids = [r.user_id for r in board.people]
    owners = None if board.company is not None else ids
    found = queries.actuals_by_period(board.measure, board.detail, months + before, owners)
    totals: dict[str, Decimal] = {}
    for (_owner, key), value in found.items():
        totals[key] = totals.get(key, Decimal(0)) + value
    shown = [m for m in months if m.start <= board.day]  # months still to come are not zero
    this_year = [totals.get(m.key, Decimal(0)) if m in shown else None for m in months]
    return line_chart(
        _("By month, %(year)s", year=year.label()),
        [format_skeleton("MMM", m.start, locale=get_locale()) for m in months],
        [
            Series(year.label(), this_year),
            Series(year.same_last_year().label(), [totals.get(m.key, Decimal(0)) for m in before]),
        ],
        money=board.measure in MONEY_MEASURES,
    )
