"""Training use cases, one module per subject: writing courses (`authoring`), reading and
quizzes (`quizzes`), assignments and the matrix (`progress`), training suggested by lost deals
(`lost_deals`); a member's responsibilities and authority here. Callers use the names below.

Services take the acting user, check with `training.permissions`, flush and never commit.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from salesweb.auth.models import User
from salesweb.core.errors import DomainError
from salesweb.core.models import check_version
from salesweb.extensions import db
from salesweb.training import permissions
from salesweb.training.models import MemberProfile
from salesweb.training.services.authoring import (
    LESSON_FILES,
    OptionInput,
    add_question,
    attach_lesson_file,
    edit_question,
    save_course,
    save_lesson,
)
from salesweb.training.services.lost_deals import (
    SUGGESTION_DAYS,
    SUGGESTION_MIN_LOSSES,
    SUGGESTION_MIN_SHARE,
    Suggestion,
    map_reason,
    suggestions,
    unmap_reason,
    win_rates_around_certificates,
)
from salesweb.training.services.progress import (
    Cell,
    assign_course,
    matrix,
    progress_of,
    recertify_soon,
)
from salesweb.training.services.quizzes import (
    RECERTIFY_DAYS,
    add_months,
    attempts_used,
    is_read,
    mark_read,
    open_attempt,
    start_attempt,
    submit_attempt,
)

__all__ = [
    "LESSON_FILES",
    "RECERTIFY_DAYS",
    "SUGGESTION_DAYS",
    "SUGGESTION_MIN_LOSSES",
    "SUGGESTION_MIN_SHARE",
    "Cell",
    "OptionInput",
    "Suggestion",
    "add_months",
    "add_question",
    "assign_course",
    "attach_lesson_file",
    "attempts_used",
    "edit_question",
    "is_read",
    "map_reason",
    "mark_read",
    "matrix",
    "open_attempt",
    "profile_of",
    "progress_of",
    "recertify_soon",
    "save_course",
    "save_lesson",
    "save_profile",
    "start_attempt",
    "submit_attempt",
    "suggestions",
    "unmap_reason",
    "win_rates_around_certificates",
]


def profile_of(user: User) -> MemberProfile | None:
    """The responsibilities and authority written for a person, if any."""
    return db.session.scalar(select(MemberProfile).where(MemberProfile.user_id == user.id))


def save_profile(
    actor: User, member: User, responsibilities: str, authority: str, version: int | None = None
) -> MemberProfile:
    """Write a member's responsibilities and authority (the team's manager or an admin)."""
    if not permissions.can_edit_profile(actor, member):
        raise DomainError(_("Only the team's manager or an administrator can edit this."))
    profile = profile_of(member)
    if profile is None:
        profile = MemberProfile(user_id=member.id)
        db.session.add(profile)
    else:
        check_version(profile, version)
    profile.responsibilities = responsibilities.strip()
    profile.authority = authority.strip()
    db.session.flush()
    return profile
