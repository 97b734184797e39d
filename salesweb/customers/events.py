"""Timeline sources of the customers area and its reactions to sign-in."""

from __future__ import annotations

from flask import flash, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import user_logged_in
from sqlalchemy import String, cast, func, literal, select

from salesweb.auth.models import User
from salesweb.customers import bp, services, timeline
from salesweb.customers.models import Interaction, Order, Task


def _interactions(account_id: int):
    return (
        select(
            Interaction.occurred_at.label("at"),
            (literal("interaction:") + Interaction.kind).label("kind"),
            Interaction.id.label("ref_id"),
            Interaction.outcome.label("title"),
            Interaction.summary.label("body"),
            User.display_name.label("actor"),
        )
        .outerjoin(User, User.id == Interaction.author_id)
        .where(Interaction.account_id == account_id, Interaction.deleted_at.is_(None))
    )


def _orders(account_id: int):
    return select(
        Order.created_at.label("at"),
        literal("order").label("kind"),
        Order.id.label("ref_id"),
        func.coalesce(Order.external_id, literal("")).label("title"),
        (Order.currency + literal(" ") + cast(Order.total, String)).label("body"),
        literal("").label("actor"),
    ).where(Order.account_id == account_id, Order.deleted_at.is_(None))


def _tasks_done(account_id: int):
    return (
        select(
            Task.done_at.label("at"),
            literal("task").label("kind"),
            Task.id.label("ref_id"),
            Task.title.label("title"),
            Task.notes.label("body"),
            User.display_name.label("actor"),
        )
        .outerjoin(User, User.id == Task.done_by_id)
        .where(Task.account_id == account_id, Task.done_at.is_not(None), Task.deleted_at.is_(None))
    )


timeline.register("interaction", _l("Interactions"), _interactions)
timeline.register(
    "order", _l("Orders"), _orders, lambda ref: url_for("customers.order_detail", order_id=ref)
)
timeline.register("task", _l("Completed tasks"), _tasks_done)


@bp.record_once
def _connect(state) -> None:
    user_logged_in.connect(_tell_about_reclaimed_accounts, state.app)


def _tell_about_reclaimed_accounts(app, user, **_extra) -> None:
    """At sign-in, the former owner learns which accounts went back to the pool."""
    notices = services.unseen_notices(user)
    if not notices:
        return
    names = ", ".join(n.account.name for n in notices[:5])
    more = len(notices) - 5
    message = _(
        "%(n)d of your accounts went back to the public pool after a long time without contact: %(names)s",
        n=len(notices),
        names=names,
    )
    if more > 0:
        message += " " + _("and %(n)d more.", n=more)
    flash(message, "warning")
    services.mark_notices_seen(notices)  # committed by the sign-in view
