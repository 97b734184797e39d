"""Who sees and sets goals and forecasts."""

from __future__ import annotations

# --- forecasts (h2) --------------------------------------------------------------------------
#
# A rep forecasts for themself; a manager for themself and, for the people they answer for
# (auth.permissions.leads), sees their numbers, adjusts them and submits the team's number for
# each team they lead; an administrator (the director: no team has a parent team) sees every
# team and the company total, and may adjust and submit for any of them. Compliance sees none.
from sqlalchemy import ColumnElement, Select, false, or_  # noqa: E402

from salesweb.auth.models import Role, Team, User  # noqa: E402
from salesweb.auth.permissions import ADMINS, MANAGERS, leads  # noqa: E402

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
