"""Results of surveys, every figure aggregated in SQL within the reader's data scope."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import request
from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, func, or_, select

from salesweb.auth.models import Team, User
from salesweb.core.models import day_start
from salesweb.core.params import parse_id
from salesweb.customers.models import Account, Contact
from salesweb.customers.queries import search_term
from salesweb.extensions import db
from salesweb.surveys.models import (
    TOUCH_LABELS,
    CaseStatus,
    FeedbackCase,
    Invitation,
    Survey,
    SurveyResponse,
    Touch,
)
from salesweb.surveys.permissions import scope_cases, scope_invitations, scope_responses
from salesweb.surveys.queries import like

BREAKDOWNS = ("owner", "team", "segment", "region", "touchpoint")


@dataclass
class Filters:
    survey_id: int | None = None
    touch: str = ""
    start: date | None = None
    end: date | None = None
    q: str = ""
    score: str = ""  # comments: "detractors", "passives", "promoters"
    by: str = "owner"

    @classmethod
    def from_request(cls) -> Filters:
        args = request.args
        touch = args.get("touch", "")
        score = args.get("score", "")
        by = args.get("by", "owner")
        return cls(
            survey_id=parse_id(args.get("survey")),
            touch=touch if touch in set(Touch) else "",
            start=_day(args.get("start")),
            end=_day(args.get("end")),
            q=search_term(args.get("q")),
            score=score if score in ("detractors", "passives", "promoters") else "",
            by=by if by in BREAKDOWNS else "owner",
        )

    def query_args(self) -> dict[str, Any]:
        out = {
            "survey": self.survey_id,
            "touch": self.touch or None,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "q": self.q or None,
            "score": self.score or None,
        }
        return {k: v for k, v in out.items() if v is not None}


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw and len(raw) == 10 else None
    except ValueError:
        return None


def _bounds(f: Filters) -> tuple[datetime | None, datetime | None]:
    """The chosen days are the company's days (its time zone), as UTC instants."""
    start = day_start(f.start) if f.start else None
    end = day_start(f.end + timedelta(days=1)) if f.end else None
    return start, end


def responses_stmt(user: User, f: Filters, *columns: Any) -> Select:
    """The filtered responses the user may see, as a select of `columns`."""
    stmt = (
        select(*columns)
        .select_from(SurveyResponse)
        .join(Account, Account.id == SurveyResponse.account_id)
    )
    return _filtered(scope_responses(stmt, user), f, SurveyResponse, SurveyResponse.submitted_at)


def _filtered(stmt: Select, f: Filters, model: Any, at: Any) -> Select:
    """The filters' survey, touchpoint and period (on the time `at`) applied to a statement
    over responses or invitations, which name their survey and touchpoint alike."""
    start, end = _bounds(f)
    if f.survey_id:
        stmt = stmt.where(model.survey_id == f.survey_id)
    if f.touch:
        stmt = stmt.where(model.touchpoint == f.touch)
    if start:
        stmt = stmt.where(at >= start)
    if end:
        stmt = stmt.where(at < end)
    return stmt


def _counts_by(user: User, f: Filters, column: Any) -> dict[int, int]:
    """How many of the filtered responses gave each value of a score column."""
    stmt = responses_stmt(user, f, column, func.count(SurveyResponse.id))
    return dict(db.session.execute(stmt.where(column.is_not(None)).group_by(column)).all())


def _score_columns() -> list[Any]:
    nps = SurveyResponse.nps
    return [
        func.count(SurveyResponse.id).label("responses"),
        func.count(nps).label("nps_count"),
        func.coalesce(func.sum(case((nps >= 9, 1), else_=0)), 0).label("promoters"),
        func.coalesce(func.sum(case((nps <= 6, 1), else_=0)), 0).label("detractors"),
        func.count(SurveyResponse.csat).label("csat_count"),
        func.avg(SurveyResponse.csat).label("csat_avg"),
    ]


@dataclass
class Scores:
    responses: int
    nps_count: int
    promoters: int
    detractors: int
    csat_count: int
    csat_avg: float | None

    @property
    def nps(self) -> int | None:
        """Promoters minus detractors, in percent of the NPS answers."""
        if not self.nps_count:
            return None
        return round(100 * (self.promoters - self.detractors) / self.nps_count)

    @property
    def passives(self) -> int:
        return self.nps_count - self.promoters - self.detractors


def _scores(row: Any) -> Scores:
    return Scores(
        int(row.responses or 0),
        int(row.nps_count or 0),
        int(row.promoters or 0),
        int(row.detractors or 0),
        int(row.csat_count or 0),
        float(row.csat_avg) if row.csat_avg is not None else None,
    )


def overview(user: User, f: Filters) -> dict[str, Any]:
    """Response rate, NPS, CSAT average and distribution."""
    scores = _scores(db.session.execute(responses_stmt(user, f, *_score_columns())).one())
    invited_stmt = (
        select(func.count(Invitation.id), func.count(Invitation.answered_at))
        .select_from(Invitation)
        .join(Account, Account.id == Invitation.account_id)
    )
    invited_stmt = scope_invitations(invited_stmt, user)
    invited_stmt = _filtered(invited_stmt, f, Invitation, Invitation.created_at)
    invited, answered = db.session.execute(invited_stmt).one()
    csat = _counts_by(user, f, SurveyResponse.csat)
    nps = _counts_by(user, f, SurveyResponse.nps)
    return {
        "scores": scores,
        "invited": invited,
        "answered": answered,
        "rate": round(100 * answered / invited) if invited else None,
        "csat_distribution": [(n, csat.get(n, 0)) for n in range(1, 6)],
        "nps_distribution": [(n, nps.get(n, 0)) for n in range(0, 11)],
    }


def month_of(column: Any) -> Any:
    """'YYYY-MM' of a UTC time, in the database's own dialect."""
    if db.session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m", column)
    return func.to_char(func.timezone("UTC", column), "YYYY-MM")


def trend(user: User, f: Filters) -> list[tuple[str, Scores]]:
    """Scores month by month (UTC months), oldest first."""
    month = month_of(SurveyResponse.submitted_at).label("month")
    stmt = responses_stmt(user, f, month, *_score_columns()).group_by(month).order_by(month)
    return [(row.month, _scores(row)) for row in db.session.execute(stmt)]


def breakdown(user: User, f: Filters) -> list[tuple[str, Scores]]:
    """Scores by owner, team, segment, region or touchpoint."""
    key: Any
    if f.by == "touchpoint":
        key = SurveyResponse.touchpoint
    elif f.by == "segment":
        key = Account.segment
    elif f.by == "region":
        key = Account.region
    elif f.by == "team":
        key = Team.name
    else:
        key = User.display_name
    stmt = responses_stmt(user, f, key.label("key"), *_score_columns())
    if f.by in ("owner", "team"):
        stmt = stmt.outerjoin(User, User.id == Account.owner_id)
    if f.by == "team":
        stmt = stmt.outerjoin(Team, Team.id == User.team_id)
    stmt = stmt.group_by(key).order_by(func.count(SurveyResponse.id).desc(), key)
    return [(row.key or "", _scores(row)) for row in db.session.execute(stmt.limit(100))]


def comments_stmt(user: User, f: Filters) -> Select:
    """Responses with free text, newest first, filtered by score band and words."""
    stmt = responses_stmt(user, f, SurveyResponse).where(SurveyResponse.comment != "")
    if f.score == "detractors":
        stmt = stmt.where(or_(SurveyResponse.nps <= 6, SurveyResponse.csat <= 2))
    elif f.score == "passives":
        stmt = stmt.where(SurveyResponse.nps.between(7, 8))
    elif f.score == "promoters":
        stmt = stmt.where(SurveyResponse.nps >= 9)
    if f.q:
        stmt = stmt.where(SurveyResponse.comment.ilike(like(f.q), escape="\\"))
    return stmt.order_by(SurveyResponse.submitted_at.desc(), SurveyResponse.id.desc())


def export_stmt(user: User, f: Filters) -> Select:
    """One row per response with its survey, account, contact and owner, newest first."""
    stmt = responses_stmt(
        user,
        f,
        SurveyResponse.id,
        SurveyResponse.submitted_at,
        Survey.title_zh,
        Survey.title_en,
        SurveyResponse.revision,
        SurveyResponse.touchpoint,
        Account.name.label("account"),
        Contact.name.label("contact"),
        User.display_name.label("owner"),
        Account.segment,
        Account.region,
        SurveyResponse.locale,
        SurveyResponse.nps,
        SurveyResponse.csat,
        SurveyResponse.comment,
    )
    stmt = (
        stmt.join(Survey, Survey.id == SurveyResponse.survey_id)
        .join(Contact, Contact.id == SurveyResponse.contact_id)
        .outerjoin(User, User.id == Account.owner_id)
    )
    return stmt.order_by(SurveyResponse.submitted_at.desc(), SurveyResponse.id.desc())


# An export stops here: beyond it a spreadsheet is the wrong tool.
EXPORT_LIMIT = 100_000


def export_header() -> list[str]:
    """The export's column titles, in the reader's language."""
    return [
        "ID", _("Answered at (UTC)"), _("Survey"), _("Version"), _("Touchpoint"), _("Account"),
        _("Contact"), _("Owner"), _("Segment"), _("Region"), _("Language"), "NPS", "CSAT",
        _("Comment"),
    ]  # fmt: skip


def export_rows(user: User, f: Filters, zh: bool) -> Iterator[list[Any]]:
    """The export's rows, streamed from the database; survey titles in Chinese when `zh`."""
    touch = {str(k): str(v) for k, v in TOUCH_LABELS.items()}
    for r in db.session.execute(export_stmt(user, f).limit(EXPORT_LIMIT)):
        yield [
            r.id, r.submitted_at.replace(tzinfo=None, microsecond=0) if r.submitted_at else None,
            (r.title_zh if zh else r.title_en) or r.title_en, r.revision,
            touch.get(r.touchpoint, r.touchpoint), r.account, r.contact, r.owner or "",
            r.segment, r.region, r.locale, r.nps, r.csat, r.comment,
        ]  # fmt: skip


def seconds_between(later: Any, earlier: Any) -> Any:
    """The seconds from `earlier` to `later`, in the database's own dialect."""
    if db.session.get_bind().dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400
    return func.extract("epoch", later - earlier)


def case_dashboard(user: User) -> dict[str, Any]:
    """Cases by status and the average time from opening to resolution."""
    counts = dict(
        db.session.execute(
            scope_cases(select(FeedbackCase.status, func.count(FeedbackCase.id)), user).group_by(
                FeedbackCase.status
            )
        ).all()
    )
    resolved = scope_cases(
        select(
            func.avg(seconds_between(FeedbackCase.resolved_at, FeedbackCase.created_at)),
            func.count(FeedbackCase.id),
        ).where(FeedbackCase.resolved_at.is_not(None)),
        user,
    )
    average, resolved_count = db.session.execute(resolved).one()
    overdue = db.session.scalar(
        scope_cases(select(func.count(FeedbackCase.id)), user).where(
            and_(
                FeedbackCase.status.in_([CaseStatus.OPEN, CaseStatus.CONTACTED]),
                FeedbackCase.created_at < datetime.now(UTC) - timedelta(days=7),
            )
        )
    )
    return {
        "counts": {s.value: counts.get(s.value, 0) for s in CaseStatus},
        "avg_hours": round(float(average) / 3600, 1) if average is not None else None,
        "resolved": resolved_count,
        "stale": overdue or 0,
    }
