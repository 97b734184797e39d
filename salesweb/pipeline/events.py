"""Deal events on the account timeline."""

from __future__ import annotations

from flask import url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import literal, select

from salesweb.auth.models import User
from salesweb.customers import timeline
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
