"""Who may see and do what in training; also exposed to templates."""

from __future__ import annotations

from salesweb.auth.models import Role, Team, User
from salesweb.auth.permissions import can_edit_team_owned, can_see_owner, team_member_ids
from salesweb.training.models import Attempt, Course, ReasonCourse


def can_author_courses(user: User) -> bool:
    return user.is_authenticated and user.role in (Role.ADMIN, Role.MANAGER)


def can_edit_course(user: User, course: Course) -> bool:
    """Texts, lessons, files and quiz of a course: admins, or the manager of its owning team."""
    return can_author_courses(user) and can_edit_team_owned(user, course.team_id)


def can_edit_reason_rule(user: User, rule: ReasonCourse) -> bool:
    """Change or remove a loss-to-course rule: admins, or the manager of its owning team."""
    return can_manage_training(user) and can_edit_team_owned(user, rule.team_id)


def can_manage_training(user: User) -> bool:
    """Assign courses, see team matrices, suggestions and who must re-certify."""
    return user.is_authenticated and user.role in (Role.ADMIN, Role.MANAGER)


def can_assign_to(actor: User, target: User) -> bool:
    """Admins assign to anyone active; managers only to the people of their own team."""
    if not can_manage_training(actor) or not target.active:
        return False
    if actor.role == Role.ADMIN:
        return True
    return actor.team_id is not None and target.team_id == actor.team_id


def can_view_training_of(actor: User, person: User) -> bool:
    """A person's progress and assessment history: the person, their manager, admins."""
    if actor.id == person.id:
        return True
    return actor.role in (Role.ADMIN, Role.MANAGER) and can_see_owner(actor, person)


def can_edit_profile(actor: User, member: User) -> bool:
    """Responsibilities and authority: the manager of the member's team, and admins."""
    if not actor.is_authenticated:
        return False
    if actor.role == Role.ADMIN:
        return True
    team = member.team
    return actor.role == Role.MANAGER and team is not None and team.manager_id == actor.id


def can_view_matrix(actor: User, team: Team) -> bool:
    if actor.role == Role.ADMIN:
        return True
    return actor.role == Role.MANAGER and actor.team_id == team.id


def can_take_attempt(user: User, attempt: Attempt) -> bool:
    return attempt.user_id == user.id


def people_ids_in_scope(user: User) -> list[int] | None:
    """None for everyone (admin); the team's ids for a manager; the user alone otherwise."""
    if user.role == Role.ADMIN:
        return None
    if user.role == Role.MANAGER and user.team_id is not None:
        return team_member_ids(user)
    return [user.id]


TEMPLATE_PERMISSIONS = {
    "can_author_courses": can_author_courses,
    "can_edit_course": can_edit_course,
    "can_edit_reason_rule": can_edit_reason_rule,
    "can_manage_training": can_manage_training,
    "can_edit_profile": can_edit_profile,
    "can_view_training_of": can_view_training_of,
}
