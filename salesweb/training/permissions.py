"""Who may see and do what in training; also exposed to templates.

The role sets below are what the routes declare (`@access(*AUTHORS)`) and what the `can_*`
functions ask, so a page's guard and the button that leads to it cannot drift apart.
"""

from __future__ import annotations

from sqlalchemy import Select

from salesweb.auth.models import Role, Team, User
from salesweb.auth.permissions import (
    ADMINS,
    MANAGERS,
    can_edit_team_owned,
    can_see_owner,
    leads,
    led_teams,
    team_member_ids,
)
from salesweb.training.models import Attempt, Course, ReasonCourse

AUTHORS = MANAGERS  # write courses, lessons, quizzes and their files
TRAINERS = MANAGERS  # assign courses; team matrices, suggestions, people's progress and profiles


def can_author_courses(user: User) -> bool:
    """Create courses (a manager's belong to their team, an admin's to the whole company)."""
    return user.is_authenticated and user.role in AUTHORS


def can_edit_course(user: User, course: Course) -> bool:
    """Texts, lessons, files and quiz of a course: admins, or the manager of its owning team."""
    return can_author_courses(user) and can_edit_team_owned(user, course.team_id)


def can_manage_training(user: User) -> bool:
    """Assign courses, see team matrices, suggestions and who must re-certify."""
    return user.is_authenticated and user.role in TRAINERS


def can_edit_reason_rule(user: User, rule: ReasonCourse) -> bool:
    """Change or remove a loss-to-course rule: admins, or the manager of its owning team."""
    return can_manage_training(user) and can_edit_team_owned(user, rule.team_id)


def can_assign_to(actor: User, target: User) -> bool:
    """Admins assign to anyone active; managers only to the people they answer for."""
    if not can_manage_training(actor) or not target.active:
        return False
    if actor.role in ADMINS:
        return True
    return leads(actor, target)


def can_view_training_of(actor: User, person: User) -> bool:
    """A person's progress and assessment history: the person, their manager, admins."""
    if actor.id == person.id:
        return True
    return can_manage_training(actor) and can_see_owner(actor, person)


def can_edit_profile(actor: User, member: User) -> bool:
    """Responsibilities and authority: the manager of the member's team, and admins."""
    if not actor.is_authenticated:
        return False
    if actor.role in ADMINS:
        return True
    team = member.team
    return actor.role == Role.MANAGER and team is not None and team.manager_id == actor.id


def can_choose_matrix_team(user: User) -> bool:
    """Admins pick any team's matrix; a manager is always shown their own team's."""
    return user.is_authenticated and user.role in ADMINS


def can_view_matrix(actor: User, team: Team) -> bool:
    """A team's matrix, and assigning a course to the whole team: admins, or its manager."""
    if not actor.is_authenticated:
        return False
    if can_choose_matrix_team(actor):
        return True
    return (
        actor.role == Role.MANAGER
        and actor.id == team.manager_id
        or (actor.role == Role.MANAGER and actor.team_id == team.id)
    )


def can_take_attempt(user: User, attempt: Attempt) -> bool:
    """Only the person a sitting belongs to answers it (managers may only look)."""
    return attempt.user_id == user.id


def people_ids_in_scope(user: User) -> list[int] | None:
    """None for everyone (admin); the team's ids for a manager; the user alone otherwise."""
    if user.role in ADMINS:
        return None
    if user.role == Role.MANAGER:
        return team_member_ids(user)
    return [user.id]


def scope_people(stmt: Select, user: User) -> Select:
    """People whose training the user oversees (a select over User): as people_ids_in_scope."""
    ids = people_ids_in_scope(user)
    return stmt if ids is None else stmt.where(User.id.in_(ids))


def scope_teams(stmt: Select, user: User) -> Select:
    """Teams the user may assign a course to as a whole (a select over Team): every team for
    an admin, the ones a manager leads (see led_teams) otherwise."""
    if user.role in ADMINS:
        return stmt
    return stmt.where(led_teams(user))


TEMPLATE_PERMISSIONS = {
    "can_author_courses": can_author_courses,
    "can_edit_course": can_edit_course,
    "can_edit_reason_rule": can_edit_reason_rule,
    "can_manage_training": can_manage_training,
    "can_edit_profile": can_edit_profile,
    "can_view_training_of": can_view_training_of,
}
