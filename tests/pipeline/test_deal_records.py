"""A deal's own records as its page lists them: only that deal's, newest first."""

from __future__ import annotations

from datetime import timedelta

from salesweb.core.models import utcnow
from salesweb.extensions import db as _db
from salesweb.pipeline import queries
from salesweb.pipeline.models import DealApproval, StageHistory
from tests.factories import make_user
from tests.pipeline.factories import make_deal


def test_stage_history_and_approvals_are_the_deals_own_newest_first(db):
    approver = make_user(role="manager")
    deal, other = make_deal(), make_deal()
    now = utcnow()
    for days, reason in ((3, "oldest"), (1, "newest"), (2, "middle")):
        _db.session.add(
            StageHistory(
                deal_id=deal.id,
                stage_id=deal.stage_id,
                entered_at=now + timedelta(days=days),
                reason=reason,
            )
        )
        _db.session.add(
            DealApproval(
                deal_id=deal.id,
                stage_id=deal.stage_id,
                role="manager",
                approved_by_id=approver.id,
                approved_at=now - timedelta(days=days),
                comment=reason,
            )
        )
    _db.session.add(
        DealApproval(
            deal_id=other.id, stage_id=other.stage_id, role="manager", approved_by_id=approver.id
        )
    )
    _db.session.flush()

    history = [h.reason for h in queries.stage_history(deal) if h.reason]
    assert history == ["oldest", "middle", "newest"]
    assert all(h.deal_id == deal.id for h in queries.stage_history(deal))
    assert [a.comment for a in queries.deal_approvals(deal)] == ["newest", "middle", "oldest"]
    assert queries.deal_approvals(other)[0].deal_id == other.id
    assert len(queries.deal_approvals(other)) == 1
