"""Demo users and teams: two teams, seven sign-ins with the shared demo password.

The auth area has no starter: a company's first person is made by `flask create-admin`.
"""

from __future__ import annotations

from sqlalchemy import select

from salesweb.auth import services
from salesweb.auth.models import Role, Team, User
from salesweb.core import seeding, settings
from salesweb.extensions import db

TEAMS = (
    ("华东销售部", "华东 East China"),
    ("North America Sales", "North America"),
)

USERS = (
    # email, name, role, team index, locale, time zone
    ("admin@example.com", "系统管理员 Admin", Role.ADMIN, None, "zh_CN", "Asia/Shanghai"),
    ("manager@example.com", "王经理 Wang Li", Role.MANAGER, 0, "zh_CN", "Asia/Shanghai"),
    ("rep@example.com", "张伟 Zhang Wei", Role.REP, 0, "zh_CN", "Asia/Shanghai"),
    ("rep2@example.com", "李娜 Li Na", Role.REP, 0, "zh_CN", "Asia/Shanghai"),
    ("compliance@example.com", "陈合规 Chen Jing", Role.COMPLIANCE, None, "zh_CN", "Asia/Shanghai"),
    ("na.manager@example.com", "Emily Carter", Role.MANAGER, 1, "en", "America/New_York"),
    ("na.rep@example.com", "James Miller", Role.REP, 1, "en", "America/New_York"),
)


def _team(name: str, region: str) -> Team:
    team = db.session.scalar(select(Team).where(Team.name == name))
    return team or services.create_team(None, name=name, region=region)


def seed_users() -> None:
    teams = [_team(name, region) for name, region in TEAMS]
    for email, name, role, team_index, locale, tz in USERS:
        if services.find_user_by_email(email):
            continue
        team = teams[team_index] if team_index is not None else None
        services.create_user(
            None,
            email=email,
            display_name=name,
            role=role,
            password=seeding.DEMO_PASSWORD,
            team=team,
            locale=locale,
            timezone=tz,
        )
    for team, manager_email in zip(
        teams, ("manager@example.com", "na.manager@example.com"), strict=True
    ):
        if team.manager_id is None:
            team.manager = db.session.scalar(select(User).where(User.email == manager_email))
    db.session.flush()


def seed_company_settings() -> None:
    """The demo company counts as set up (its values stay the configuration's), so that its
    administrator is not sent to the setup page."""
    if not settings.is_set_up():
        settings.save_settings(None, settings.load(), None)


seeding.register(5, "company settings", seed_company_settings)
seeding.register(10, "users and teams", seed_users)
seeding.register_demo_sign_ins([(email, str(role)) for email, _, role, *_ in USERS])
