"""Goals factories: make_<noun>(**overrides) adds a valid object and flushes."""

from __future__ import annotations

from decimal import Decimal

from salesweb.extensions import db
from tests.factories import make_user


def make_target(actor=None, **overrides):
    """A draft target set by an administrator (won amount, company, 2026-Q3 unless told)."""
    from salesweb.goals.services import targets

    actor = actor or make_user(role="admin")
    data = {
        "measure": "won_amount",
        "period_key": "2026-Q3",
        "level": "company",
        "value": Decimal("1000.00"),
    }
    data.update(overrides)
    return targets.create_target(actor, **data)


def make_forecast_deal(owner, probability: int, base: str, expected_close, **overrides):
    """An open deal of `owner` with this probability and base amount (CNY, so base = amount),
    expected to close on the given day."""
    from tests.pipeline.factories import make_deal

    deal = make_deal(owner, amount=Decimal(base), expected_close=expected_close, **overrides)
    deal.probability = probability
    db.session.flush()
    return deal


def make_submission(owner=None, team=None, period_key="2026-07", amount="100", **overrides):
    """A forecast snapshot row written directly (the services are tested on their own)."""
    from salesweb.goals.models.forecast import ForecastSubmission, SubmissionKind

    row = ForecastSubmission(
        period_key=period_key,
        owner_id=owner.id if owner else None,
        team_id=team.id if team else None,
        kind=overrides.pop("kind", SubmissionKind.SUBMITTED),
        amount=Decimal(amount),
        currency=overrides.pop("currency", "CNY"),
        submitted_by_id=overrides.pop("submitted_by", owner).id,
        **overrides,
    )
    db.session.add(row)
    db.session.flush()
    return row
