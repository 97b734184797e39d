"""Training suggested by lost-deal patterns, the rules that map a lost reason to a course, and
win rates before and after a certificate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select

from salesweb.auth.models import User
from salesweb.auth.permissions import owning_team_id
from salesweb.core.errors import DomainError
from salesweb.extensions import db
from salesweb.pipeline.models import Deal, DealStatus, LostReason, Stage
from salesweb.training import permissions
from salesweb.training.models import (
    Assignment,
    Certificate,
    Course,
    ReasonCourse,
)

SUGGESTION_DAYS = 90
SUGGESTION_MIN_LOSSES = 5
SUGGESTION_MIN_SHARE = 0.4


@dataclass
class Suggestion:
    user: User
    reason: LostReason
    stage_key: str
    course: Course
    losses: int
    matching: int
    assigned: bool

    @property
    def share(self) -> int:
        return round(100 * self.matching / self.losses) if self.losses else 0


def suggestions(user_ids: list[int] | None, today: date) -> list[Suggestion]:
    """Reps whose lost deals of the last 90 days cluster on a mapped reason (and stage)."""
    since = today - timedelta(days=SUGGESTION_DAYS)
    live_lost = and_(
        Deal.status == DealStatus.LOST, Deal.closed_on >= since, Deal.deleted_at.is_(None)
    )
    scope = [] if user_ids is None else [Deal.owner_id.in_(user_ids)]
    totals = dict(
        db.session.execute(
            select(Deal.owner_id, func.count(Deal.id))
            .where(live_lost, *scope)
            .group_by(Deal.owner_id)
            .having(func.count(Deal.id) >= SUGGESTION_MIN_LOSSES)
        ).all()
    )
    if not totals:
        return []
    # An imported loss whose stage the file did not say sits in a placeholder stage: its stage
    # is unknown, so it counts only for mappings of the reason at any stage.
    stage_key = case((Deal.stage_unknown.is_(True), None), else_=Stage.key)
    grouped = db.session.execute(
        select(Deal.owner_id, Deal.lost_reason_id, stage_key, func.count(Deal.id))
        .join(Stage, Stage.id == Deal.stage_id)
        .where(live_lost, Deal.owner_id.in_(list(totals)))
        .group_by(Deal.owner_id, Deal.lost_reason_id, stage_key)
    ).all()
    reasons = {r.code: r for r in db.session.scalars(select(LostReason))}
    mapping = list(db.session.scalars(select(ReasonCourse)))
    assigned = {
        (a.user_id, a.course_id)
        for a in db.session.execute(
            select(Assignment.user_id, Assignment.course_id).where(
                Assignment.user_id.in_(list(totals))
            )
        )
    }
    users = {
        u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(totals)))).unique()
    }
    out = []
    for entry in mapping:
        reason = reasons.get(entry.reason_code)
        if reason is None or entry.course.is_deleted:
            continue
        for owner_id, total in totals.items():
            matching = sum(
                n
                for oid, rid, key, n in grouped
                if oid == owner_id
                and rid == reason.id
                and (not entry.stage_key or key == entry.stage_key)
            )
            if matching / total >= SUGGESTION_MIN_SHARE:
                out.append(
                    Suggestion(
                        users[owner_id],
                        reason,
                        entry.stage_key,
                        entry.course,
                        total,
                        matching,
                        (owner_id, entry.course_id) in assigned,
                    )
                )
    return sorted(out, key=lambda s: (s.assigned, -s.share, s.user.display_name))


def win_rates_around_certificates(user_ids: list[int] | None) -> list:
    """For each certificate of a mapped course: the holder's win rate before and after it,
    from closed deals, in one grouped query."""
    mapped = select(ReasonCourse.course_id)
    won = case((Deal.status == DealStatus.WON, 1), else_=0)
    before = Deal.closed_on < Certificate.issued_on
    stmt = (
        select(
            Certificate.id,
            func.sum(case((before, won), else_=0)),
            func.sum(case((before, 1), else_=0)),
            func.sum(case((before, 0), else_=won)),
            func.sum(case((before, 0), else_=1)),
        )
        .join(
            Deal,
            and_(
                Deal.owner_id == Certificate.user_id,
                Deal.status.in_([DealStatus.WON, DealStatus.LOST]),
                Deal.deleted_at.is_(None),
                Deal.closed_on.is_not(None),
            ),
        )
        .where(Certificate.course_id.in_(mapped))
        .group_by(Certificate.id)
    )
    if user_ids is not None:
        stmt = stmt.where(Certificate.user_id.in_(user_ids))
    rows = {r[0]: r[1:] for r in db.session.execute(stmt).all()}
    if not rows:
        return []
    certs = db.session.scalars(
        select(Certificate)
        .where(Certificate.id.in_(list(rows)))
        .order_by(Certificate.issued_on.desc())
    ).unique()
    out = []
    for cert in certs:
        won_b, n_b, won_a, n_a = (int(x or 0) for x in rows[cert.id])
        out.append(
            (
                cert,
                round(100 * won_b / n_b) if n_b else None,
                n_b,
                round(100 * won_a / n_a) if n_a else None,
                n_a,
            )
        )
    return out


def map_reason(actor: User, reason_code: str, stage_key: str, course: Course) -> ReasonCourse:
    """Point a lost reason (optionally at one stage) at the course to suggest."""
    if not permissions.can_manage_training(actor):
        raise DomainError(_("Only an administrator or the owning team's manager can change this."))
    if db.session.scalar(select(LostReason.id).where(LostReason.code == reason_code)) is None:
        raise DomainError(_("Choose a lost reason from the list."), field="reason_code")
    entry = db.session.scalar(
        select(ReasonCourse).where(
            ReasonCourse.reason_code == reason_code, ReasonCourse.stage_key == stage_key
        )
    )
    if entry is None:
        entry = ReasonCourse(
            reason_code=reason_code, stage_key=stage_key, team_id=owning_team_id(actor)
        )
        db.session.add(entry)
    elif not permissions.can_edit_reason_rule(actor, entry):
        # One rule per reason and stage for the whole company: another team's stays theirs.
        raise DomainError(
            _("Another team's rule already covers this reason and stage."), field="reason_code"
        )
    entry.course_id = course.id
    db.session.flush()
    return entry


def unmap_reason(actor: User, entry: ReasonCourse) -> None:
    """Stop suggesting a course for a reason."""
    if not permissions.can_edit_reason_rule(actor, entry):
        raise DomainError(_("Only an administrator or the owning team's manager can change this."))
    db.session.delete(entry)
    db.session.flush()
