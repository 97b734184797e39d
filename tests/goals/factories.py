"""Goals factories: make_<noun>(**overrides) adds a valid object and flushes."""

from __future__ import annotations

from decimal import Decimal

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
