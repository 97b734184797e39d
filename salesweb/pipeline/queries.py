"""Deal list and board queries: scope, filters and sort in SQL."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import Select, func, select

from salesweb.auth.models import User
from salesweb.core.params import parse_id
from salesweb.extensions import db
from salesweb.pipeline.models import Deal, DealStatus, ProcessVersion, SalesProcess, Stage
from salesweb.pipeline.permissions import scope_deals

DEAL_SORTS = {
    "-updated": (Deal.updated_at.desc(),),
    "title": (Deal.title.asc(),),
    "-amount": (Deal.base_amount.desc(),),
    "close": (Deal.expected_close.asc(),),
    "-stage": (Deal.stage_entered_at.asc(),),
}


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _amount(raw: str | None) -> Decimal | None:
    try:
        return Decimal(raw) if raw else None
    except (InvalidOperation, ValueError):
        return None


def deal_filters(args: Mapping[str, str]) -> dict[str, object]:
    owner = args.get("owner", "")
    status = args.get("status", "open")
    return {
        "q": unicodedata.normalize("NFKC", (args.get("q") or "").strip())[:100],
        "owner": owner if owner == "me" or parse_id(owner) else "",
        "team": parse_id(args.get("team")),
        "account": parse_id(args.get("account")),
        "status": status if status in {s.value for s in DealStatus} | {"all"} else "open",
        "min": _amount(args.get("min")),
        "max": _amount(args.get("max")),
        "close_before": _day(args.get("close_before")),
        "close_after": _day(args.get("close_after")),
        "sort": args.get("sort", "-updated")
        if args.get("sort", "-updated") in DEAL_SORTS
        else "-updated",
    }


def deal_stmt(user: User, args: Mapping[str, str], *, columns=None) -> Select:
    """Deals the user may see, filtered as the query string says (no ORDER BY)."""
    f = deal_filters(args)
    stmt = scope_deals(select(*(columns or (Deal,))), user)
    if f["status"] != "all":
        stmt = stmt.where(Deal.status == f["status"])
    if f["q"]:
        stmt = stmt.where(func.lower(Deal.title).contains(f["q"].lower(), autoescape=True))
    if f["owner"] == "me":
        stmt = stmt.where(Deal.owner_id == user.id)
    elif f["owner"]:
        stmt = stmt.where(Deal.owner_id == int(f["owner"]))
    if f["team"]:
        stmt = stmt.where(Deal.owner_id.in_(select(User.id).where(User.team_id == f["team"])))
    if f["account"]:
        stmt = stmt.where(Deal.account_id == f["account"])
    if f["min"] is not None:
        stmt = stmt.where(Deal.base_amount >= f["min"])
    if f["max"] is not None:
        stmt = stmt.where(Deal.base_amount <= f["max"])
    if f["close_before"]:
        stmt = stmt.where(Deal.expected_close <= f["close_before"])
    if f["close_after"]:
        stmt = stmt.where(Deal.expected_close >= f["close_after"])
    return stmt


def deal_list_stmt(user: User, args: Mapping[str, str]) -> Select:
    f = deal_filters(args)
    return deal_stmt(user, args).order_by(*DEAL_SORTS[f["sort"]], Deal.id.desc())


def for_process(stmt: Select, process_id: int) -> Select:
    """Limit to deals of one process (any of its versions)."""
    return (
        stmt.join(Stage, Stage.id == Deal.stage_id)
        .join(ProcessVersion, ProcessVersion.id == Stage.version_id)
        .where(ProcessVersion.process_id == process_id)
    )


def stage_totals(
    user: User, args: Mapping[str, str], process_id: int
) -> dict[str, tuple[int, Decimal]]:
    """Per stage key: how many deals and their total in the base currency, in one SQL query."""
    from salesweb.extensions import db

    stmt = for_process(
        deal_stmt(
            user,
            args,
            columns=(Stage.key, func.count(), func.coalesce(func.sum(Deal.base_amount), 0)),
        ),
        process_id,
    ).group_by(Stage.key)
    return {key: (n, Decimal(total)) for key, n, total in db.session.execute(stmt).all()}


def stage_names() -> dict[str, str]:
    """Stage keys to the reader's-language stage names, as the current process versions call
    them (the default process first: keys are shared across processes)."""
    stages = db.session.scalars(
        select(Stage)
        .join(SalesProcess, SalesProcess.current_version_id == Stage.version_id)
        .order_by(SalesProcess.is_default.desc(), SalesProcess.id, Stage.position)
    )
    names: dict[str, str] = {}
    for stage in stages:
        names.setdefault(stage.key, stage.name)
    return names
