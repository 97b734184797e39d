"""Compliance factories: make_<noun>(**overrides) adds a valid object and flushes."""

from __future__ import annotations

from salesweb.compliance import services
from salesweb.compliance.models import Contract
from tests.compliance.helpers import terms
from tests.factories import make_user
from tests.pipeline.factories import make_deal


def make_contract(
    owner=None, deal=None, stage_key: str | None = "signing", **overrides
) -> Contract:
    """A draft contract on `deal` (default: a new deal of `owner` in `stage_key`), made through
    the service; keywords override the contract terms."""
    owner = owner or (deal.owner if deal else make_user())
    deal = deal or make_deal(owner, stage_key=stage_key)
    return services.create_contract(owner, deal, terms(**overrides))
