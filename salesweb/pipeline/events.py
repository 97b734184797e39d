"""Deal events on the account timeline."""

from __future__ import annotations

from flask import url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, select

from salesweb.auth.models import User
from salesweb.customers import actions, timeline
from salesweb.customers import services as customer_services
from salesweb.pipeline.models import Deal, Stage, StageHistory


def _deal_events(account_id: int):
    locale = get_locale()
    stage_name = Stage.name_zh if locale is not None and locale.language == "zh" else Stage.name_en
    return (
        select(
            StageHistory.entered_at.label("at"),
            (literal("deal:") + StageHistory.status).label("kind"),
            Deal.id.label("ref_id"),
            Deal.title.label("title"),
            stage_name.label("body"),
            User.display_name.label("actor"),
        )
        .join(Deal, Deal.id == StageHistory.deal_id)
        .join(Stage, Stage.id == StageHistory.stage_id)
        .outerjoin(User, User.id == StageHistory.actor_id)
        .where(Deal.account_id == account_id, Deal.deleted_at.is_(None))
    )


timeline.register(
    "deal", _l("Deals"), _deal_events, lambda ref: url_for("pipeline.deal_detail", deal_id=ref)
)


def _can_open_deal(user, account) -> bool:
    from salesweb.customers.permissions import can_edit_account

    return can_edit_account(user, account)


actions.register(
    _l("New deal"), lambda a: url_for("pipeline.deal_create", account_id=a.id), _can_open_deal
)
actions.register(
    _l("Deals"),
    lambda a: url_for("pipeline.deal_list", account=a.id, status="all"),
    lambda user, account: True,
)


def _deal_owners(account_ids):
    """Who owns how many live deals of these accounts, and the latest deal's date."""
    latest = func.max(func.coalesce(Deal.closed_on, Deal.expected_close, Deal.engaged_on))
    return (
        select(Deal.account_id, Deal.owner_id, func.count(), latest)
        .where(Deal.account_id.in_(account_ids), Deal.deleted_at.is_(None))
        .group_by(Deal.account_id, Deal.owner_id)
    )


# An import's accounts left in the pool go to the person who owns most of their deals.
customer_services.register_deal_owners(_deal_owners)
