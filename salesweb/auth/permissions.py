"""Who may do what with users and teams, and the data-scope helpers every area uses."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, false, or_, select

from salesweb.auth.models import Role, Team, User

# The role sets, spelled once. An area names its own sets from these in its permissions.py
# (customers: WRITERS = SELLERS) and its routes declare them: @access(*WRITERS).
EVERYONE = (Role.ADMIN, Role.MANAGER, Role.REP, Role.COMPLIANCE)
SELLERS = (Role.ADMIN, Role.MANAGER, Role.REP)  # work customers and deals
MANAGERS = (Role.ADMIN, Role.MANAGER)  # a team's lead and above
ADMINS = (Role.ADMIN,)
REVIEWERS = (Role.ADMIN, Role.COMPLIANCE)  # contract review, rules and risks

# The auth area's own sets, named after what they do.
USER_ADMINS = ADMINS  # create and change users, set their passwords
TEAM_ADMINS = ADMINS  # create and change teams
AUDITORS = ADMINS  # read the whole audit log
SETTINGS_ADMINS = ADMINS  # the company's name, letterhead, base currency, language, time zone
TEAM_LEADS = MANAGERS  # may be named a team's manager
JOB_ADMINS = ADMINS  # see job runs, switch scheduled jobs on and off, run one now


def sees_everyone(user: User) -> bool:
    """Compliance and administrators see every record, whoever owns it."""
    return user.role in (Role.ADMIN, Role.COMPLIANCE)


def led_teams(user: User) -> ColumnElement[bool]:
    """The teams a manager answers for: their own and every team they lead. The importer makes
    a team per manager, so two managers of one regional office do not see each other's people."""
    led = Team.manager_id == user.id
    return led if user.team_id is None else or_(led, Team.id == user.team_id)


def team_member_ids(user: User) -> list[int]:
    """The ids of the people a manager answers for (the members of the teams they lead, see
    led_teams) and their own, read once per request (kept on the user).

    A literal id list, not a subquery: both databases then estimate the team's share of a table
    and use the owner index, where a subquery led PostgreSQL to scan whole tables.
    """
    if "_team_member_ids" not in user.__dict__:
        from salesweb.extensions import db

        members = select(User.id).join(Team, Team.id == User.team_id).where(led_teams(user))
        user.__dict__["_team_member_ids"] = sorted({user.id, *db.session.scalars(members)})
    return user.__dict__["_team_member_ids"]


def leads(manager: User, person: Any) -> bool:
    """Does this manager answer for this person (a member of a team they lead, see led_teams)?
    `person` is a user or any object with an id; the ids are read once per request."""
    return manager.role == Role.MANAGER and person.id in team_member_ids(manager)


def owner_filter(user: User, owner_col: Any) -> ColumnElement[bool] | None:
    """The WHERE clause limiting records to what the user may see; None means no limit.

    rep: own records; manager: records of the people they answer for (team_member_ids: the
    teams they lead, as the agent-manager-office file says); compliance, admin: all.
    """
    if sees_everyone(user):
        return None
    if user.role == Role.MANAGER:
        return owner_col.in_(team_member_ids(user))
    if user.role == Role.REP:
        return owner_col == user.id
    return false()


def scope_owned(stmt: Select, user: User, owner_col: Any) -> Select:
    """Apply the user's data scope to a select over records that have an owner."""
    clause = owner_filter(user, owner_col)
    return stmt if clause is None else stmt.where(clause)


def can_see_owner(user: User, owner: User | None) -> bool:
    """Object-level twin of owner_filter, for a record already loaded."""
    if sees_everyone(user):
        return True
    if owner is None:
        return False
    if owner.id == user.id:
        return True
    return leads(user, owner)


def owning_team_id(author: User | None) -> int | None:
    """The team that owns what this author creates: a manager's team; None (company-wide)
    for administrators and the system."""
    if author is not None and author.role == Role.MANAGER:
        return author.team_id
    return None


def can_edit_team_owned(user: User, team_id: int | None) -> bool:
    """Team-owned configuration (courses, surveys, rules): administrators edit everything, a
    manager only what their own team owns; company-wide items (None) only administrators."""
    if not user.is_authenticated:
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.MANAGER and team_id is not None and team_id == user.team_id


def can_manage_users(user: User) -> bool:
    """Administrators keep the user list."""
    return user.is_authenticated and user.role in USER_ADMINS


def can_edit_user(actor: User, target: User) -> bool:
    """Whoever keeps the user list changes any user (the service guards one's own role)."""
    return can_manage_users(actor)


def can_manage_teams(user: User) -> bool:
    """Administrators create teams and change them."""
    return user.is_authenticated and user.role in TEAM_ADMINS


def can_view_team(user: User, team: Team) -> bool:
    """Every signed-in person sees the teams and who is in them."""
    return user.is_authenticated


def can_view_audit(user: User) -> bool:
    """Administrators read the whole audit log."""
    return user.is_authenticated and user.role in AUDITORS


def can_change_settings(user: User) -> bool:
    """Administrators set the company up and change its settings later."""
    return user.is_authenticated and user.role in SETTINGS_ADMINS


def can_manage_jobs(user: User) -> bool:
    """Administrators see the job runs and switch scheduled jobs on and off."""
    return user.is_authenticated and user.role in JOB_ADMINS


TEMPLATE_PERMISSIONS = {
    "can_manage_jobs": can_manage_jobs,
    "can_manage_users": can_manage_users,
    "can_edit_user": can_edit_user,
    "can_manage_teams": can_manage_teams,
    "can_view_team": can_view_team,
    "can_view_audit": can_view_audit,
    "can_change_settings": can_change_settings,
    "can_see_owner": can_see_owner,
}
