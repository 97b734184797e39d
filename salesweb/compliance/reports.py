"""The review report PDF and the compliance dashboard's figures (aggregated in SQL)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import render_template
from sqlalchemy import case, func, select

from salesweb.compliance import services
from salesweb.compliance.models import (
    OPEN_REVIEW,
    Contract,
    Review,
    ReviewStatus,
    Rule,
    RuleResult,
)
from salesweb.core import settings
from salesweb.core.i18n import html_lang
from salesweb.core.pdf import render_pdf
from salesweb.extensions import db

DECIDED = (ReviewStatus.APPROVED, ReviewStatus.CHANGES_REQUESTED, ReviewStatus.REJECTED)


def pdf_filename(review: Review) -> str:
    return f"{review.contract.number}-v{review.version_no}-review-{review.id}.pdf"


def review_pdf(review: Review) -> bytes:
    """The review report in the reader's language, with the vendored CJK font embedded."""
    comments = services.comments_of(review)
    by_result: dict[int | None, list] = {}
    for comment in comments:
        by_result.setdefault(comment.result_id, []).append(comment)
    html = render_template(
        "compliance/review_pdf.html",
        review=review,
        contract=review.contract,
        version=review.contract_version,
        results=review.results,
        comments=by_result,
        decisions=services.decisions_of(review),
        company_name=settings.get("company_name") or "salesweb",
        html_lang_code=html_lang(),
    )
    return render_pdf(html, "css/review_pdf.css")


@dataclass(frozen=True)
class Stats:
    queue: int
    overdue: int
    decided: int
    approved: int
    median_hours: Decimal | None
    failing_rules: list[tuple[str, str, int]]  # (zh, en, count)

    @property
    def approval_rate(self) -> int | None:
        return round(self.approved * 100 / self.decided) if self.decided else None


def _hours(start, end):
    """Hours between two timestamps, in SQL, on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 24
    return func.extract("epoch", end - start) / 3600


def dashboard_stats() -> Stats:
    from salesweb.core.models import utcnow

    live = Contract.deleted_at.is_(None)
    queue, overdue = db.session.execute(
        select(
            func.count(),
            func.coalesce(
                func.sum(case((Review.submitted_at < utcnow() - services.REVIEW_SLA, 1), else_=0)),
                0,
            ),
        )
        .select_from(Review)
        .join(Contract, Contract.id == Review.contract_id)
        .where(Review.status.in_(OPEN_REVIEW), live)
    ).one()
    decided, approved = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((Review.status == ReviewStatus.APPROVED, 1), else_=0)), 0),
        ).where(Review.status.in_(DECIDED), Review.decided_at.is_not(None))
    ).one()
    median = None
    if decided:
        hours = _hours(Review.submitted_at, Review.decided_at).label("hours")
        middle = db.session.scalars(
            select(hours)
            .where(Review.status.in_(DECIDED), Review.decided_at.is_not(None))
            .order_by(hours)
            .offset((decided - 1) // 2)
            .limit(2 if decided % 2 == 0 else 1)
        ).all()
        if middle:
            median = Decimal(str(sum(float(m) for m in middle) / len(middle))).quantize(
                Decimal("0.1")
            )
    failing = db.session.execute(
        select(Rule.description_zh, Rule.description_en, func.count(RuleResult.id).label("n"))
        .join(RuleResult, RuleResult.rule_id == Rule.id)
        .where(RuleResult.passed.is_(False))
        .group_by(Rule.id, Rule.description_zh, Rule.description_en)
        .order_by(func.count(RuleResult.id).desc(), Rule.id)
        .limit(5)
    ).all()
    return Stats(
        queue=queue,
        overdue=int(overdue),
        decided=decided,
        approved=int(approved),
        median_hours=median,
        failing_rules=[(r[0], r[1], r[2]) for r in failing],
    )
