"""Who edits surveys, who invites, and who sees which answers and cases.

Reps see the answers and cases of their own accounts, managers their team's, admins all.
Compliance officers have no business with customer satisfaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, false

from salesweb.auth.models import Role, User
from salesweb.auth.permissions import (
    MANAGERS,
    SELLERS,
    can_edit_team_owned,
    can_see_owner,
    owner_filter,
)
from salesweb.customers.models import Account
from salesweb.customers.permissions import scope_contacts
from salesweb.surveys.models import CaseStatus, FeedbackCase, Invitation, Survey, SurveyResponse

# Who may open the survey pages at all: results, answers, invitations and cases.
READERS = SELLERS
# Who may build surveys and decide which event sends which (their routes; the survey's owning
# team then narrows who edits one, see can_edit_survey).
EDITORS = MANAGERS


def _reader(user: User) -> bool:
    return user.is_authenticated and user.role in READERS


def can_manage_surveys(user: User) -> bool:
    """Create surveys and set the touchpoints: administrators and managers."""
    return user.is_authenticated and user.role in EDITORS


def can_edit_survey(user: User, survey: Survey) -> bool:
    """Titles, questions and whether it can be sent: admins, or the manager of its owning
    team; everyone who reads surveys still sees it."""
    return can_manage_surveys(user) and can_edit_team_owned(user, survey.team_id)


def can_view_surveys(user: User) -> bool:
    """Open the satisfaction pages (surveys, results, invitations, cases)."""
    return _reader(user)


def can_invite(user: User, account: Account) -> bool:
    """Invite contacts of an account the user is responsible for."""
    if not _reader(user) or account.is_deleted:
        return False
    if user.role == Role.ADMIN:
        return True
    return account.owner is not None and can_see_owner(user, account.owner)


def scope_invitable_contacts(stmt: Select, user: User) -> Select:
    """The contacts `can_invite` allows, as a filter; the select must join Account.

    Pool accounts (no owner) have nobody responsible for them, so only administrators invite
    their contacts.
    """
    if not _reader(user):
        return stmt.where(false())
    stmt = scope_contacts(stmt, user)
    return stmt if user.role == Role.ADMIN else stmt.where(Account.owner_id.is_not(None))


def _scope_by_owner(stmt: Select, user: User, row_id: Any, owner_id: Any) -> Select:
    """The rows whose owner the user sees (`owner_id`: the column naming it); none at all for
    a user who reads no survey results (`row_id`: the rows' never-empty id)."""
    if not _reader(user):
        return stmt.where(row_id.is_(None))
    clause = owner_filter(user, owner_id)
    return stmt if clause is None else stmt.where(clause)


def scope_responses(stmt: Select, user: User) -> Select:
    """Responses of the accounts the user sees; the select must join Account."""
    return _scope_by_owner(stmt, user, SurveyResponse.id, Account.owner_id)


def scope_invitations(stmt: Select, user: User) -> Select:
    """Invitations of the accounts the user sees; the select must join Account."""
    return _scope_by_owner(stmt, user, Invitation.id, Account.owner_id)


def scope_cases(stmt: Select, user: User) -> Select:
    """Feedback cases the user sees: by the case's owner, like other owned records."""
    return _scope_by_owner(stmt, user, FeedbackCase.id, FeedbackCase.owner_id)


def can_view_response(user: User, response: SurveyResponse) -> bool:
    """One answer: the object-level twin of scope_responses."""
    if not _reader(user):
        return False
    owner = response.account.owner
    return user.role == Role.ADMIN or (owner is not None and can_see_owner(user, owner))


def can_view_invitation(user: User, invitation: Invitation) -> bool:
    """One invitation (and its new link, resend, reminder): whoever may invite its account."""
    return _reader(user) and can_invite(user, invitation.account)


def can_view_case(user: User, case: FeedbackCase) -> bool:
    """One case: the object-level twin of scope_cases."""
    if not _reader(user):
        return False
    return user.role == Role.ADMIN or (case.owner is not None and can_see_owner(user, case.owner))


def can_work_case(user: User, case: FeedbackCase) -> bool:
    """Move a case on: whoever sees it, until it is closed."""
    return can_view_case(user, case) and case.status != CaseStatus.CLOSED


TEMPLATE_PERMISSIONS = {
    "can_manage_surveys": can_manage_surveys,
    "can_edit_survey": can_edit_survey,
    "can_view_surveys": can_view_surveys,
    "can_invite": can_invite,
    "can_view_response": can_view_response,
    "can_view_case": can_view_case,
    "can_work_case": can_work_case,
}


# --- workbench (h4)

CASE_WORKERS = (Role.MANAGER, Role.REP)  # follow their (team's) open feedback cases


def can_see_open_cases(user: User) -> bool:
    """People who own accounts follow the feedback cases opened on them (a manager the team's)."""
    return user.role in CASE_WORKERS
