"""Timeline sources of the customers area and its reactions to sign-in."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal, InvalidOperation

from flask import flash, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_login import user_logged_in
from sqlalchemy import String, case, cast, func, literal, select

from salesweb.auth.models import User
from salesweb.core.i18n import join_list
from salesweb.core.money import format_money
from salesweb.customers import bp, services, task_titles, timeline
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


# A generated task text travels through the timeline's union as one string: the marker, its
# key, its JSON parameters and the stored text, so the page needs no second query.
TEXT_MARK = "\x1f"


def _generated(key, params, text):
    encoded = (
        literal(TEXT_MARK)
        + key
        + literal(TEXT_MARK)
        + func.coalesce(cast(params, String), literal("{}"))
        + literal(TEXT_MARK)
        + text
    )
    return case((key.is_(None), text), else_=encoded)


def _decoded(value: str) -> str:
    if not value.startswith(TEXT_MARK):
        return value
    _empty, key, params, text = value.split(TEXT_MARK, 3)
    try:
        values = json.loads(params)
    except ValueError:
        values = {}
    return task_titles.render(key, values, text)


def _tasks_done(account_id: int):
    return (
        select(
            Task.done_at.label("at"),
            literal("task").label("kind"),
            Task.id.label("ref_id"),
            _generated(Task.title_key, Task.title_params, Task.title).label("title"),
            _generated(Task.notes_key, Task.notes_params, Task.notes).label("body"),
            User.display_name.label("actor"),
        )
        .outerjoin(User, User.id == Task.done_by_id)
        .where(Task.account_id == account_id, Task.done_at.is_not(None), Task.deleted_at.is_(None))
    )


def _order_money(events: list[timeline.Event]) -> list[timeline.Event]:
    """The order total ("CNY 1234.50" from the query) formatted for the reader's locale."""
    out = []
    for event in events:
        currency, _sep, amount = event.body.partition(" ")
        try:
            body = format_money(Decimal(amount), currency)
        except (InvalidOperation, ValueError):
            body = event.body
        out.append(replace(event, body=body))
    return out


def _task_texts(events: list[timeline.Event]) -> list[timeline.Event]:
    """Generated task titles and notes in the reader's language."""
    return [replace(e, title=_decoded(e.title), body=_decoded(e.body)) for e in events]


timeline.register("interaction", _lp("records", "Interactions"), _interactions)
timeline.register(
    "order",
    _l("Orders"),
    _orders,
    lambda ref: url_for("customers.order_detail", order_id=ref),
    present=_order_money,
)
timeline.register("task", _l("Completed tasks"), _tasks_done, present=_task_texts)


@bp.record_once
def _connect(state) -> None:
    user_logged_in.connect(_tell_about_reclaimed_accounts, state.app)


def _tell_about_reclaimed_accounts(app, user, **_extra) -> None:
    """At sign-in, the former owner learns which accounts went back to the pool."""
    notices = services.unseen_notices(user)
    if not notices:
        return
    names = join_list([n.account.name for n in notices[:5]])
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
