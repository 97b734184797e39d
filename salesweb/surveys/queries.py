"""The survey area's list statements: surveys, invitations, the contacts one may invite, feedback
cases, and the small look-ups the pages need. Filters come in cleaned from the query string."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select

from salesweb.auth.models import User
from salesweb.core.models import utcnow
from salesweb.core.params import parse_id
from salesweb.customers.models import Account, Contact
from salesweb.customers.queries import search_term
from salesweb.extensions import db
from salesweb.surveys.models import (
    CaseStatus,
    FeedbackCase,
    Invitation,
    Survey,
    SurveyResponse,
    Touchpoint,
)
from salesweb.surveys.permissions import scope_cases, scope_invitable_contacts, scope_invitations

SURVEY_SORTS = {
    "title": (Survey.title_en.asc(),),
    "-title": (Survey.title_en.desc(),),
    "updated": (Survey.updated_at.desc(),),
    "-updated": (Survey.updated_at.asc(),),
}
INVITATION_SORTS = {
    "created": (Invitation.created_at.desc(),),
    "-created": (Invitation.created_at.asc(),),
    "expires": (Invitation.expires_at.asc(),),
    "-expires": (Invitation.expires_at.desc(),),
    "account": (Account.name.asc(),),
    "-account": (Account.name.desc(),),
}
INVITATION_STATES = ("answered", "open", "expired")
CASE_SORTS = {
    "opened": (FeedbackCase.created_at.desc(),),
    "-opened": (FeedbackCase.created_at.asc(),),
    "account": (Account.name.asc(),),
    "-account": (Account.name.desc(),),
    "status": (FeedbackCase.status.asc(),),
    "-status": (FeedbackCase.status.desc(),),
}
CASE_SHOWS = ("active", "open", "contacted", "resolved", "closed", "all")
CANDIDATE_LIMIT = 50


def like(term: str) -> str:
    """A LIKE pattern for `term` anywhere, its own wildcards escaped (use with escape='\\')."""
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _one_of(value: str | None, allowed: Any, default: str) -> str:
    return value if value in allowed else default


# --- surveys ---------------------------------------------------------------------------------


def survey_filters(args: Mapping[str, str]) -> dict[str, Any]:
    """The survey list's search and sort, cleaned."""
    return {
        "q": search_term(args.get("q")),
        "sort": _one_of(args.get("sort", "title"), SURVEY_SORTS, "title"),
    }


def survey_list_stmt(f: Mapping[str, Any]) -> Select:
    """Live surveys matching the search in either language; every reader sees every survey."""
    stmt = select(Survey).where(Survey.deleted_at.is_(None))
    if f["q"]:
        pattern = like(f["q"])
        stmt = stmt.where(
            or_(
                Survey.title_en.ilike(pattern, escape="\\"),
                Survey.title_zh.like(pattern, escape="\\"),
            )
        )
    return stmt.order_by(*SURVEY_SORTS[f["sort"]], Survey.id)


def answer_counts(survey_ids: list[int]) -> dict[int, int]:
    """How many responses each of these surveys has, counted in one statement."""
    return dict(
        db.session.execute(
            select(SurveyResponse.survey_id, func.count(SurveyResponse.id))
            .where(SurveyResponse.survey_id.in_(survey_ids))
            .group_by(SurveyResponse.survey_id)
        ).all()
    )


def live_surveys() -> list[Survey]:
    """Every survey not deleted, by English title: the choices of filters and touchpoints."""
    return list(
        db.session.scalars(
            select(Survey).where(Survey.deleted_at.is_(None)).order_by(Survey.title_en)
        )
    )


def active_surveys() -> list[Survey]:
    """The surveys that can be sent, by English title."""
    return list(
        db.session.scalars(
            select(Survey)
            .where(Survey.deleted_at.is_(None), Survey.active.is_(True))
            .order_by(Survey.title_en)
        )
    )


def touchpoints_by_event() -> dict[str, Touchpoint]:
    """The stored touchpoints by their event (an event never set has none)."""
    return {point.event: point for point in db.session.scalars(select(Touchpoint))}


# --- invitations -----------------------------------------------------------------------------


def invite_candidates(user: User, q: str, account_id: int | None) -> list[Contact]:
    """Up to 50 contacts the user may invite, matching the search, by account and name."""
    stmt = scope_invitable_contacts(
        select(Contact).join(Account, Account.id == Contact.account_id), user
    )
    if account_id:
        stmt = stmt.where(Contact.account_id == account_id)
    if q:
        stmt = stmt.where(
            or_(
                Contact.search_text.like(like(q), escape="\\"),
                Account.name.ilike(like(q), escape="\\"),
            )
        )
    stmt = stmt.order_by(Account.name, Contact.name, Contact.id).limit(CANDIDATE_LIMIT)
    return list(db.session.scalars(stmt))


def invitation_filters(args: Mapping[str, str]) -> dict[str, Any]:
    """The invitation list's search, state, survey and sort, cleaned."""
    return {
        "q": search_term(args.get("q")),
        "status": _one_of(args.get("status", ""), INVITATION_STATES, ""),
        "sort": _one_of(args.get("sort", "created"), INVITATION_SORTS, "created"),
        "survey_id": parse_id(args.get("survey")),
    }


def invitation_list_stmt(user: User, f: Mapping[str, Any], now: datetime | None = None) -> Select:
    """The invitations of the accounts the user sees, filtered and sorted."""
    stmt = scope_invitations(
        select(Invitation).join(Account, Account.id == Invitation.account_id), user
    )
    now = now or utcnow()
    if f["status"] == "answered":
        stmt = stmt.where(Invitation.answered_at.is_not(None))
    elif f["status"] == "open":
        stmt = stmt.where(Invitation.answered_at.is_(None), Invitation.expires_at > now)
    elif f["status"] == "expired":
        stmt = stmt.where(Invitation.answered_at.is_(None), Invitation.expires_at <= now)
    if f["survey_id"]:
        stmt = stmt.where(Invitation.survey_id == f["survey_id"])
    if f["q"]:
        stmt = stmt.join(Contact, Contact.id == Invitation.contact_id).where(
            or_(
                Account.name.ilike(like(f["q"]), escape="\\"),
                Contact.search_text.like(like(f["q"]), escape="\\"),
            )
        )
    return stmt.order_by(*INVITATION_SORTS[f["sort"]], Invitation.id.desc())


# --- answers and cases -----------------------------------------------------------------------


def case_filters(args: Mapping[str, str]) -> dict[str, Any]:
    """The case list's view (active by default), search and sort, cleaned."""
    return {
        "show": _one_of(args.get("show", "active"), CASE_SHOWS, "active"),
        "sort": _one_of(args.get("sort", "opened"), CASE_SORTS, "opened"),
        "q": search_term(args.get("q")),
    }


def case_list_stmt(user: User, f: Mapping[str, Any]) -> Select:
    """The cases the user sees, in the chosen state ("active": open or contacted)."""
    stmt = scope_cases(
        select(FeedbackCase).join(Account, Account.id == FeedbackCase.account_id), user
    )
    if f["show"] == "active":
        stmt = stmt.where(FeedbackCase.status.in_([CaseStatus.OPEN, CaseStatus.CONTACTED]))
    elif f["show"] != "all":
        stmt = stmt.where(FeedbackCase.status == f["show"])
    if f["q"]:
        stmt = stmt.where(Account.name.ilike(like(f["q"]), escape="\\"))
    return stmt.order_by(*CASE_SORTS[f["sort"]], FeedbackCase.id.desc())


def case_of_response(response_id: int) -> FeedbackCase | None:
    """The case an unhappy answer opened, if it opened one."""
    return db.session.scalar(select(FeedbackCase).where(FeedbackCase.response_id == response_id))


def recent_responses(account_id: int, limit: int = 10) -> list[SurveyResponse]:
    """The account's latest answers, newest first."""
    return list(
        db.session.scalars(
            select(SurveyResponse)
            .where(SurveyResponse.account_id == account_id)
            .order_by(SurveyResponse.submitted_at.desc(), SurveyResponse.id.desc())
            .limit(limit)
        )
    )
