"""Demo targets: last year's and this year's won-amount targets for the company, split to the
teams and their people and into quarters, published and reconciling (every split exact)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from salesweb.auth.models import Role, User
from salesweb.core import seeding
from salesweb.extensions import db
from salesweb.goals import queries
from salesweb.goals.models.target import Level, Measure
from salesweb.goals.periods import PeriodKind, current_period
from salesweb.goals.services import targets as services

YEAR_TARGETS = {0: Decimal("12000000"), -1: Decimal("9600000")}  # this year, last year


def _split(admin: User, target, by: str, mode: str) -> list:
    parts = services.suggest_split(target, by, mode)
    return services.save_split(admin, target, by, {p.key: p.value for p in parts})


def seed_targets() -> None:
    admin = db.session.scalar(select(User).where(User.role == Role.ADMIN).order_by(User.id))
    if admin is None:
        return
    this_year = current_period(PeriodKind.YEAR).fiscal_year
    quarter = current_period(PeriodKind.QUARTER)
    for offset, value in YEAR_TARGETS.items():
        key = str(this_year + offset)
        if queries.target_in_slot(Measure.WON_AMOUNT, "", key, "company") is not None:
            continue
        company = services.create_target(
            admin,
            measure=Measure.WON_AMOUNT,
            period_key=key,
            level=Level.COMPANY,
            value=value,
            why="年度业绩目标 / The year's revenue goal",
        )
        _split(admin, company, services.PERIODS, "even")
        for team_target in _split(admin, company, services.OWNERS, "even"):
            team_target.why = ""
            _split(admin, team_target, services.OWNERS, "even")
            for team_quarter in _split(admin, team_target, services.PERIODS, "even"):
                if team_quarter.period_key == quarter.key:  # this quarter: people and months
                    for person in _split(admin, team_quarter, services.OWNERS, "even"):
                        _split(admin, person, services.PERIODS, "even")
        services.publish_target(admin, company, company.version)
    db.session.flush()


seeding.register(80, "targets", seed_targets)
