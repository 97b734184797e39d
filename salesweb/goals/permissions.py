"""Who may see and set which goals; also exposed to templates.

Reps see their own published targets and attainment; a manager sees and sets the targets of the
teams they answer for and of those teams' people (`auth.permissions.led_teams`,
`team_member_ids`); administrators see and set everything, the company's target included (there
are no parent teams: a "director" is an administrator). Compliance sees no goals at all.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, false, or_, select

from salesweb.auth.models import Role, Team, User
from salesweb.auth.permissions import ADMINS, MANAGERS, SELLERS, leads, led_teams, team_member_ids
from salesweb.goals.models.target import Level, Target, TargetStatus

GOAL_VIEWERS = SELLERS  # see targets and attainment (their own, their teams', everyone's)
TARGET_SETTERS = MANAGERS  # create, split, change, publish and import targets


def led_team_ids(user: User) -> list[int]:
    """The ids of the teams a manager answers for, read once per request (kept on the user)."""
    if "_led_team_ids" not in user.__dict__:
        from salesweb.extensions import db

        user.__dict__["_led_team_ids"] = sorted(
            db.session.scalars(select(Team.id).where(led_teams(user)))
        )
    return user.__dict__["_led_team_ids"]


def can_view_goals(user: Any) -> bool:
    """The goals pages at all: everyone who sells (compliance sees no goals)."""
    return bool(user.is_authenticated) and user.role in GOAL_VIEWERS


def can_set_targets(user: Any) -> bool:
    """Create, split, change and publish targets (within what `can_set_target_for` allows)."""
    return bool(user.is_authenticated) and user.role in TARGET_SETTERS


def sees_all_goals(user: Any) -> bool:
    """Administrators see every target and the whole company's attainment."""
    return bool(user.is_authenticated) and user.role in ADMINS


def can_set_target_for(user: Any, level: str, team_id: int | None, user_id: int | None) -> bool:
    """Whether the user may set a target for this owner: the company's only an administrator;
    a team's or a person's an administrator, or the manager who answers for them."""
    if not can_set_targets(user):
        return False
    if user.role in ADMINS:
        return True
    if level == Level.TEAM:
        return team_id is not None and team_id in led_team_ids(user)
    if level == Level.PERSON:
        return user_id is not None and user_id in team_member_ids(user)
    return False


def can_edit_target(user: Any, target: Target) -> bool:
    """Change, split and publish this target."""
    return can_set_target_for(user, target.level, target.team_id, target.user_id)


def can_view_target(user: Any, target: Target) -> bool:
    """Object-level twin of `scope_targets`."""
    if not can_view_goals(user):
        return False
    if user.role in ADMINS:
        return True
    if user.role == Role.MANAGER:
        return can_edit_target(user, target)
    return target.user_id == user.id and target.is_published


def can_view_attainment_of(user: Any, person: User) -> bool:
    """A person's attainment: the person, the manager who answers for them, administrators."""
    if not can_view_goals(user):
        return False
    if user.role in ADMINS or person.id == user.id:
        return True
    return user.role == Role.MANAGER and person.id in team_member_ids(user)


def target_filter(user: Any) -> ColumnElement[bool] | None:
    """The WHERE clause limiting targets to what the user may see; None means no limit."""
    if not can_view_goals(user):
        return false()
    if user.role in ADMINS:
        return None
    if user.role == Role.MANAGER:
        return or_(
            Target.team_id.in_(led_team_ids(user)), Target.user_id.in_(team_member_ids(user))
        )
    return (Target.user_id == user.id) & (Target.status == TargetStatus.PUBLISHED)


def scope_targets(stmt: Select, user: Any) -> Select:
    """Apply the user's goal scope to a select over targets."""
    clause = target_filter(user)
    return stmt if clause is None else stmt.where(clause)


def people_in_scope(user: Any) -> list[int] | None:
    """Whose attainment the user sees: None for everyone (admin), the team's ids for a
    manager, the user alone for a rep."""
    if user.role in ADMINS:
        return None
    if user.role == Role.MANAGER:
        return team_member_ids(user)
    return [user.id]


TEMPLATE_PERMISSIONS = {
    "can_view_goals": can_view_goals,
    "can_set_targets": can_set_targets,
    "can_edit_target": can_edit_target,
}


# --- forecasts --------------------------------------------------------------------------
#
# A rep forecasts for themself; a manager for themself and, for the people they answer for
# (auth.permissions.leads), sees their numbers, adjusts them and submits the team's number for
# each team they lead; an administrator (the director: no team has a parent team) sees every
# team and the company total, and may adjust and submit for any of them. Compliance sees none.

FORECASTERS = (Role.MANAGER, Role.REP)  # own deals, so forecast their own number
FORECAST_READERS = (Role.ADMIN, Role.MANAGER, Role.REP)  # the history and accuracy page
FORECAST_REVIEWERS = MANAGERS  # a team's forecast: the reps' numbers, adjust, submit
FORECAST_DIRECTORS = ADMINS  # the company's forecast, every team


def can_submit_forecast(user: User, person: User) -> bool:
    """A salesperson submits their own number, nobody else's."""
    return user.role in FORECASTERS and person.id == user.id


def can_view_forecast_of(user: User, person: User) -> bool:
    """Own numbers; a manager those of the people they answer for; an administrator all."""
    if user.role in FORECAST_DIRECTORS:
        return True
    if user.role not in FORECAST_READERS:
        return False
    return person.id == user.id or leads(user, person)


def can_adjust_forecast(user: User, person: User) -> bool:
    """A manager adjusts the number of someone they answer for (not their own); an
    administrator anyone's."""
    if user.role in FORECAST_DIRECTORS:
        return person.role in FORECASTERS
    return person.id != user.id and leads(user, person)


def can_view_team_forecast(user: User, team: Team) -> bool:
    """A manager sees the forecast of a team they lead (or belong to); administrators all."""
    if user.role in FORECAST_DIRECTORS:
        return True
    if user.role != Role.MANAGER:
        return False
    return team.manager_id == user.id or team.id == user.team_id


def can_submit_team_forecast(user: User, team: Team) -> bool:
    """The team's number is submitted by its manager (or by an administrator for it)."""
    if user.role in FORECAST_DIRECTORS:
        return True
    return user.role == Role.MANAGER and team.manager_id == user.id


def can_view_company_forecast(user: User) -> bool:
    """The whole company's forecast is the director's: administrators."""
    return user.role in FORECAST_DIRECTORS


def can_review_forecasts(user: User) -> bool:
    """Managers and administrators have a team forecast page."""
    return user.role in FORECAST_REVIEWERS


def reviewable_teams(user: User) -> ColumnElement[bool]:
    """The teams whose forecast the user sees, as a WHERE clause on teams."""
    if user.role in FORECAST_DIRECTORS:
        return Team.id.is_not(None)
    if user.role != Role.MANAGER:
        return false()
    own = Team.id == user.team_id if user.team_id is not None else false()
    return or_(Team.manager_id == user.id, own)


def scope_forecast_teams(stmt: Select, user: User) -> Select:
    """Limit a select over teams to those whose forecast the user sees."""
    return stmt.where(reviewable_teams(user))


FORECAST_TEMPLATE_PERMISSIONS = {
    "can_submit_forecast": can_submit_forecast,
    "can_adjust_forecast": can_adjust_forecast,
    "can_submit_team_forecast": can_submit_team_forecast,
    "can_view_company_forecast": can_view_company_forecast,
    "can_review_forecasts": can_review_forecasts,
}
