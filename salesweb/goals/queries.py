"""Read-only queries of the goals area: attainment from the records, forecast sums."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import func, select

from salesweb.extensions import db
from salesweb.goals.periods import Period
from salesweb.pipeline.models import Deal, DealStatus


def won_by_owner(period: Period, owner_ids: Iterable[int] | None) -> dict[int, tuple[int, Decimal]]:
    """Won deals per owner in the period, by close date: (count, base amount).

    A reopened deal is open again and counts nowhere; won again, it counts once, in the period
    of its final close date. Amounts are in the base currency at each deal's own booking rate
    (`Deal.base_amount`); a won deal without an amount counts in the number, not the amount.
    `owner_ids=None` means everyone.
    """
    stmt = (
        select(Deal.owner_id, func.count(), func.coalesce(func.sum(Deal.base_amount), 0))
        .where(
            Deal.status == DealStatus.WON,
            Deal.deleted_at.is_(None),
            Deal.closed_on >= period.start,
            Deal.closed_on < period.end,
        )
        .group_by(Deal.owner_id)
    )
    if owner_ids is not None:
        stmt = stmt.where(Deal.owner_id.in_(list(owner_ids)))
    return {
        owner: (count, Decimal(amount).quantize(Decimal("0.01")))
        for owner, count, amount in db.session.execute(stmt)
    }
