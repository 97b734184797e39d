"""Plain factory functions: make_<noun>(**overrides) adds a valid object and flushes."""

from __future__ import annotations

import itertools

from salesweb.auth.models import Role, Team, User
from salesweb.extensions import db

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery"


def make_team(**overrides) -> Team:
    n = next(_seq)
    team = Team(
        name=overrides.pop("name", f"Team {n}"), region=overrides.pop("region", "East"), **overrides
    )
    db.session.add(team)
    db.session.flush()
    return team


def make_user(role: str = Role.REP, password: str | None = PASSWORD, **overrides) -> User:
    n = next(_seq)
    user = User(
        email=overrides.pop("email", f"user{n}@example.com"),
        display_name=overrides.pop("display_name", f"User {n}"),
        role=role,
        locale=overrides.pop("locale", "en"),
        timezone=overrides.pop("timezone", "Asia/Shanghai"),
        **overrides,
    )
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user
