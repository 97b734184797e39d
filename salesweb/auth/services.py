"""Use cases for users and teams. Services flush; the view commits once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, func, or_, select, update

from salesweb.auth.models import (
    Role,
    Team,
    User,
    check_dummy_password,
    new_session_token,
    normalise_email,
)
from salesweb.core import audit, jobs
from salesweb.core.errors import DomainError
from salesweb.core.models import check_version, utcnow
from salesweb.extensions import db

MIN_PASSWORD = 10


def find_user_by_email(email: str) -> User | None:
    """The user with this e-mail address, however it was typed."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """Check credentials with lockout; returns the user or None, never saying which part failed."""
    user = find_user_by_email(email)
    now = utcnow()
    if user is None or not user.active or user.is_locked(now):
        check_dummy_password(password)  # as slow as a real check: timing reveals nothing
        if user is not None:
            audit.log_event("sign_in_refused", user)
        return None
    if not user.check_password(password):
        _count_failure(user, now)
        return None
    # Counters are bookkeeping, not an edit: no version bump, so open edit forms stay valid.
    # A parallel failure may have locked the account since it was read: the WHERE decides.
    signed_in = db.session.execute(
        update(User)
        .where(User.id == user.id, or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_logins=0, first_failed_at=None, locked_until=None, last_sign_in_at=now)
        .returning(User.id)
        .execution_options(synchronize_session=False)
    ).first()
    db.session.expire(user)
    if signed_in:
        audit.log_event("sign_in", user, by=user)  # the password proved who signs in
    else:
        audit.log_event("sign_in_refused", user)
    return user if signed_in else None


def _count_failure(user: User, now: datetime) -> None:
    """Count a wrong password in SQL, so parallel failures all count, and lock at the limit."""
    config = current_app.config
    window_start = now - timedelta(minutes=config["SALESWEB_LOCKOUT_WINDOW_MINUTES"])
    new_window = or_(User.first_failed_at.is_(None), User.first_failed_at <= window_start)
    failures = db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(
            failed_logins=case((new_window, 1), else_=User.failed_logins + 1),
            first_failed_at=case((new_window, now), else_=User.first_failed_at),
        )
        .returning(User.failed_logins)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    if failures >= config["SALESWEB_LOCKOUT_FAILURES"]:
        # The UPDATE above holds the row (PostgreSQL) or the database (SQLite) until commit,
        # so no other failure slips in between the count and the lock.
        locked_until = now + timedelta(minutes=config["SALESWEB_LOCKOUT_MINUTES"])
        db.session.execute(
            update(User)
            .where(User.id == user.id)
            .values(failed_logins=0, first_failed_at=None, locked_until=locked_until)
            .execution_options(synchronize_session=False)
        )
        audit.log_event("locked", user, {"locked_until": [None, locked_until.isoformat()]})
    else:
        audit.log_event("sign_in_failed", user)
    db.session.expire(user)


def end_all_sessions(user: User) -> None:
    """Sign the user out everywhere: a new session token voids every cookie issued before."""
    # Bookkeeping, not an edit: no version bump, so an administrator's open form stays valid.
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(session_token=new_session_token())
        .execution_options(synchronize_session=False)
    )
    audit.log_event("signed_out", user)
    db.session.expire(user)


def _check_password_rules(password: str, field: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise DomainError(_("Use at least %(n)d characters.", n=MIN_PASSWORD), field=field)


def _check_email_free(email: str, exclude_id: int | None = None) -> None:
    stmt = select(func.count()).select_from(User).where(User.email == email)
    if exclude_id is not None:
        stmt = stmt.where(User.id != exclude_id)
    if db.session.scalar(stmt):
        raise DomainError(_("Another user already has this e-mail address."), field="email")


def create_user(
    actor: User | None,
    *,
    email: str,
    display_name: str,
    role: str,
    password: str | None = None,
    team: Team | None = None,
    locale: str = "zh_CN",
    timezone: str = "Asia/Shanghai",
) -> User:
    """Create a user; a user created without a password cannot sign in until one is set."""
    email = normalise_email(email)
    _check_email_free(email)
    user = User(
        email=email,
        display_name=display_name.strip(),
        role=Role(role),
        team=team,
        locale=locale,
        timezone=timezone,
        active=True,
    )
    if password:
        _check_password_rules(password, "password")
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def update_user(actor: User, user: User, *, version: int | None, **fields: Any) -> User:
    """Change a user's details, role, team or active flag."""
    check_version(user, version)
    if "email" in fields:
        fields["email"] = normalise_email(fields["email"])
        _check_email_free(fields["email"], exclude_id=user.id)
    if user.id == actor.id:
        if fields.get("role", user.role) != Role.ADMIN:
            raise DomainError(_("You cannot remove your own administrator role."), field="role")
        if fields.get("active", True) is False:
            raise DomainError(_("You cannot deactivate yourself."), field="active")
    for key, value in fields.items():
        setattr(user, key, value)
    if fields.get("active") is False:
        user.session_token = new_session_token()  # sign out everywhere
    db.session.flush()
    return user


def set_active(actor: User, user: User, active: bool) -> User:
    """Deactivate (records are kept, sign-in refused) or reactivate a user."""
    return update_user(actor, user, version=None, active=active)


def change_own_password(user: User, current: str, new: str) -> None:
    """Change one's own password; every other session of the user ends."""
    if not user.check_password(current):
        raise DomainError(_("The current password is not correct."), field="current")
    _check_password_rules(new, "new")
    user.set_password(new)
    audit.log_event("password_changed", user)
    db.session.flush()


def reset_password(actor: User, user: User, new: str) -> None:
    """An administrator sets a new password; the user's sessions end and the lock is lifted."""
    _check_password_rules(new, "password")
    user.set_password(new)
    user.locked_until = None
    user.failed_logins = 0
    audit.log_event("password_reset", user)
    db.session.flush()


def set_preferences(user: User, *, locale: str | None = None, timezone: str | None = None) -> None:
    """Save the user's language and time zone."""
    if locale:
        user.locale = locale
    if timezone:
        user.timezone = timezone
    db.session.flush()


def _check_team_name_free(name: str, exclude_id: int | None = None) -> None:
    stmt = select(func.count()).select_from(Team).where(func.lower(Team.name) == name.lower())
    if exclude_id is not None:
        stmt = stmt.where(Team.id != exclude_id)
    if db.session.scalar(stmt):
        raise DomainError(_("A team with this name already exists."), field="name")


def create_team(
    actor: User | None, *, name: str, region: str = "", manager: User | None = None
) -> Team:
    """Create a team; its manager becomes a member of it."""
    name = name.strip()
    _check_team_name_free(name)
    team = Team(name=name, region=region.strip(), manager=manager)
    db.session.add(team)
    db.session.flush()
    if manager is not None:
        manager.team = team
    db.session.flush()
    return team


def update_team(
    actor: User, team: Team, *, version: int | None, name: str, region: str, manager: User | None
) -> Team:
    """Rename a team, change its region or manager."""
    check_version(team, version)
    name = name.strip()
    _check_team_name_free(name, exclude_id=team.id)
    team.name, team.region, team.manager = name, region.strip(), manager
    if manager is not None and manager.team_id != team.id:
        manager.team = team
    db.session.flush()
    return team


def ensure_admin(email: str, password: str) -> User:
    """Create the first administrator (used by `flask create-admin`)."""
    if find_user_by_email(email):
        raise DomainError(_("Another user already has this e-mail address."), field="email")
    name = normalise_email(email).split("@")[0]
    return create_user(None, email=email, display_name=name, role=Role.ADMIN, password=password)


def switch_job(actor: User, spec: Any, enabled: bool) -> None:
    """Switch a scheduled job on or off; the audit log keeps who did it."""
    jobs.set_enabled(spec.name, enabled)
