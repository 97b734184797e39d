"""The pipeline area's views, one module per subject, and the loaders they share."""

from __future__ import annotations

from flask import abort

from salesweb.extensions import db
from salesweb.pipeline.models import Deal
from salesweb.pipeline.permissions import can_view_deal


def deal_or_404(deal_id: int, *options) -> Deal:
    """The deal (loaded with `options`), or 404 when it does not exist or the user may not see it."""
    from flask_login import current_user

    deal = db.session.get(Deal, deal_id, options=options)
    if deal is None or not can_view_deal(current_user, deal):
        abort(404)
    return deal


def register_views() -> None:
    from salesweb.pipeline.views import (  # noqa: F401
        board,
        deals,
        processes,
        products,
        quotes,
        rates,
    )
