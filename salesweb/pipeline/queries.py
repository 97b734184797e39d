"""Deal list and board queries: scope, filters and sort in SQL."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import aliased, joinedload, lazyload, load_only

from salesweb.auth.models import Team, User
from salesweb.core.models import ExchangeRate
from salesweb.core.params import parse_id
from salesweb.customers.models import Account, Interaction
from salesweb.customers.permissions import scope_accounts
from salesweb.customers.queries import search_term
from salesweb.extensions import db
from salesweb.pipeline.models import (
    Deal,
    DealApproval,
    DealInteraction,
    DealStatus,
    ForecastCategory,
    LostReason,
    ProcessVersion,
    Product,
    Quote,
    QuoteStatus,
    SalesProcess,
    Stage,
    StageHistory,
)
from salesweb.pipeline.permissions import scope_deals, scope_quotes_to_decide

CARDS_PER_COLUMN = 30
# A card shows the deal with its account's name, its owner's name and its stage: load those, not
# what they bring along by default (the account's other columns and owner, each user's team and
# that team's manager).
CARD_OPTIONS = (
    joinedload(Deal.account).options(load_only(Account.id, Account.name), lazyload(Account.owner)),
    joinedload(Deal.owner).lazyload(User.team),
    joinedload(Deal.stage),
)

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
    """The list and board filters from the query string, each checked (a bad value is dropped)."""
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
        "forecast": args.get("forecast", "")
        if args.get("forecast", "") in {c.value for c in ForecastCategory}
        else "",
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
    if f["forecast"]:
        stmt = stmt.where(Deal.forecast_category == f["forecast"])
    return stmt


def deal_list_stmt(user: User, args: Mapping[str, str]) -> Select:
    """The deal list: the user's deals, filtered and sorted as the query string says."""
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


def board_cards(
    user: User, args: Mapping[str, str], process_id: int, per_column: int = CARDS_PER_COLUMN
) -> dict[str, list[Deal]]:
    """Per stage key, the newest open cards of the column, in one query (row_number per stage)."""
    ranked = for_process(
        deal_stmt(
            user,
            {**args, "status": "open"},
            columns=(
                Deal.id.label("deal_id"),
                Stage.key.label("stage_key"),
                func.row_number()
                .over(partition_by=Stage.key, order_by=(Deal.updated_at.desc(), Deal.id.desc()))
                .label("rank"),
            ),
        ),
        process_id,
    ).subquery()
    stmt = (
        select(Deal, ranked.c.stage_key)
        .join(ranked, ranked.c.deal_id == Deal.id)
        .where(ranked.c.rank <= per_column)
        .order_by(ranked.c.rank)
        .options(*CARD_OPTIONS)
    )
    columns: dict[str, list[Deal]] = {}
    for deal, key in db.session.execute(stmt).unique().all():
        columns.setdefault(key, []).append(deal)
    return columns


def active_processes() -> list[SalesProcess]:
    """The active processes, the default first, each with its current version and its stages."""
    return list(
        db.session.scalars(
            select(SalesProcess)
            .where(SalesProcess.active.is_(True))
            .order_by(SalesProcess.is_default.desc(), SalesProcess.id)
            .options(joinedload(SalesProcess.current_version).selectinload(ProcessVersion.stages))
        )
    )


def filter_teams() -> list[Team]:
    """The teams a deal list or the board filters by, by name (their managers are not shown)."""
    return list(
        db.session.scalars(select(Team).order_by(Team.name).options(lazyload(Team.manager)))
    )


def account_choices(user: User, limit: int = 300) -> list[tuple[int, str]]:
    """(id, name) of the accounts the user may open a deal with, by name."""
    rows = db.session.execute(
        scope_accounts(select(Account.id, Account.name), user).order_by(Account.name).limit(limit)
    ).all()
    return [(r.id, r.name) for r in rows]


def deal_interactions(deal: Deal, limit: int = 20) -> list[Interaction]:
    """The newest interactions linked to the deal."""
    return list(
        db.session.scalars(
            select(Interaction)
            .join(DealInteraction, DealInteraction.interaction_id == Interaction.id)
            .where(DealInteraction.deal_id == deal.id, Interaction.deleted_at.is_(None))
            .order_by(Interaction.occurred_at.desc())
            .limit(limit)
            .options(lazyload(Interaction.contact), lazyload(Interaction.author))  # not shown
        )
    )


def _rows(model: Any, *criteria: Any, order_by: tuple[Any, ...]) -> list[Any]:
    """The rows of `model` that meet the criteria, in that order."""
    return list(db.session.scalars(select(model).where(*criteria).order_by(*order_by)))


def stage_history(deal: Deal) -> list[StageHistory]:
    """The deal's way through the stages, newest first."""
    return _rows(
        StageHistory, StageHistory.deal_id == deal.id, order_by=(StageHistory.entered_at.desc(),)
    )


def deal_approvals(deal: Deal) -> list[DealApproval]:
    """The stage approvals given on the deal, newest first."""
    return _rows(
        DealApproval, DealApproval.deal_id == deal.id, order_by=(DealApproval.approved_at.desc(),)
    )


def deal_quotes(deal: Deal) -> list[Quote]:
    """The deal's live quotes, newest first, with who decided on them."""
    return list(
        db.session.scalars(
            select(Quote)
            .where(Quote.deal_id == deal.id, Quote.deleted_at.is_(None))
            .options(joinedload(Quote.decided_by))
            .order_by(Quote.created_at.desc(), Quote.id.desc())
        )
    )


# --- quotes, products, rates (h2)

PRODUCT_SORTS = {
    "sku": (Product.sku.asc(),),
    "-sku": (Product.sku.desc(),),
    "name": (Product.name.asc(),),
    "-name": (Product.name.desc(),),
    "series": (Product.series.asc(), Product.name.asc()),
    "-series": (Product.series.desc(), Product.name.asc()),
    "price": (Product.list_price.asc(), Product.id.asc()),
    "-price": (Product.list_price.desc(), Product.id.asc()),
}
PRODUCT_SHOWS = ("active", "inactive", "all")


def product_filters(args: Mapping[str, str]) -> dict[str, str]:
    """The product list's recognised query parameters, cleaned; anything else is the default."""
    sort = args.get("sort", "sku")
    show = args.get("show", "active")
    return {
        "q": search_term(args.get("q")),
        "sort": sort if sort in PRODUCT_SORTS else "sku",
        "show": show if show in PRODUCT_SHOWS else "active",
    }


def product_list_stmt(f: Mapping[str, str]) -> Select:
    """Products as the cleaned filters say: which ones are shown, the search, the sort."""
    stmt = select(Product)
    if f["show"] != "all":
        stmt = stmt.where(Product.active.is_(f["show"] == "active"))
    if f["q"]:
        # search_term is lower-cased already; the columns are lowered the same way in SQL.
        columns = (Product.sku, Product.name, Product.series)
        stmt = stmt.where(or_(*(func.lower(c).contains(f["q"], autoescape=True) for c in columns)))
    return stmt.order_by(*PRODUCT_SORTS[f["sort"]], Product.id)


def active_products() -> list[Product]:
    """The products a new quote line may take, by series and name."""
    return _rows(Product, Product.active.is_(True), order_by=(Product.series, Product.name))


def quote_revisions(quote: Quote) -> list[Quote]:
    """Every revision of the quote's number, newest first."""
    return _rows(
        Quote,
        Quote.number == quote.number,
        Quote.deleted_at.is_(None),
        order_by=(Quote.revision.desc(),),
    )


def approval_queue_stmt(user: User) -> Select:
    """Quotes waiting for this user's decision, the longest waiting first."""
    stmt = (
        select(Quote)
        .where(Quote.status == QuoteStatus.PENDING, Quote.deleted_at.is_(None))
        .options(joinedload(Quote.deal))
        .order_by(Quote.updated_at, Quote.id)
    )
    return scope_quotes_to_decide(stmt, user)


def rate_list_stmt() -> Select:
    """The exchange-rate table, the latest day first."""
    return select(ExchangeRate).order_by(ExchangeRate.valid_on.desc(), ExchangeRate.currency)


def processes() -> list[SalesProcess]:
    """Every sales process, in the order they were made."""
    return _rows(SalesProcess, order_by=(SalesProcess.id,))


def deals_per_process() -> dict[int, int]:
    """Per process id: how many deals run under any of its versions."""
    return dict(
        db.session.execute(
            select(ProcessVersion.process_id, func.count(Deal.id))
            .join(Deal, Deal.process_version_id == ProcessVersion.id)
            .group_by(ProcessVersion.process_id)
        ).all()
    )


def process_versions(process: SalesProcess) -> list[ProcessVersion]:
    """The process's versions, the newest first."""
    return _rows(
        ProcessVersion,
        ProcessVersion.process_id == process.id,
        order_by=(ProcessVersion.number.desc(),),
    )


def deals_per_version(versions: list[ProcessVersion]) -> dict[int, int]:
    """Per version id: how many deals run under it."""
    return dict(
        db.session.execute(
            select(Deal.process_version_id, func.count())
            .where(Deal.process_version_id.in_([v.id for v in versions]))
            .group_by(Deal.process_version_id)
        ).all()
    )


# --- deal export (h10)


def deal_export_stmt(user: User, args: Mapping[str, str]) -> Select:
    """The deal list as the query string filters and sorts it, within the user's scope, as flat
    rows for a spreadsheet: the deal's own columns with its account, owner, team, stage and lost
    reason names and the time of its latest interaction, all in one statement (no lazy loads)."""
    # Aliases: the scope and the team filter ask `users` in subqueries, which must not be
    # correlated to the joined owner.
    account = aliased(Account, name="export_account")
    owner = aliased(User, name="export_owner")
    team = aliased(Team, name="export_team")
    stage = aliased(Stage, name="export_stage")
    reason = aliased(LostReason, name="export_reason")
    last_interaction = (
        select(func.max(Interaction.occurred_at))
        .join(DealInteraction, DealInteraction.interaction_id == Interaction.id)
        .where(DealInteraction.deal_id == Deal.id, Interaction.deleted_at.is_(None))
        .scalar_subquery()
    )
    return (
        deal_list_stmt(user, args)
        .with_only_columns(
            Deal.id,
            Deal.external_id,
            Deal.title,
            account.name.label("account_name"),
            owner.display_name.label("owner_name"),
            team.name.label("team_name"),
            stage.name_zh.label("stage_zh"),
            stage.name_en.label("stage_en"),
            Deal.status,
            Deal.amount,
            Deal.currency,
            Deal.base_amount,
            Deal.rate,
            Deal.rate_date,
            Deal.rate_source,
            Deal.probability,
            Deal.expected_close,
            Deal.closed_on,
            reason.label_zh.label("reason_zh"),
            reason.label_en.label("reason_en"),
            Deal.lost_note,
            Deal.source,
            Deal.created_at,
            Deal.updated_at,
            last_interaction.label("last_interaction_at"),
            maintain_column_froms=False,
        )
        .select_from(Deal)
        .outerjoin(account, account.id == Deal.account_id)
        .join(owner, owner.id == Deal.owner_id)
        .outerjoin(team, team.id == owner.team_id)
        .join(stage, stage.id == Deal.stage_id)
        .outerjoin(reason, reason.id == Deal.lost_reason_id)
    )
