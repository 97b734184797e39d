"""Deal list and board queries: scope, filters and sort in SQL."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, and_, false, func, or_, select, union, union_all
from sqlalchemy.orm import aliased, joinedload, lazyload, load_only

from salesweb.auth.models import Team, User
from salesweb.core.models import ExchangeRate
from salesweb.core.params import parse_id
from salesweb.customers.models import Account, Interaction
from salesweb.customers.permissions import scope_accounts
from salesweb.customers.queries import search_term
from salesweb.extensions import db
from salesweb.pipeline.models import (
    DEFAULT_APPROVAL_ROLE,
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
    StageCriterion,
    StageHistory,
)
from salesweb.pipeline.permissions import scope_deals, scope_quotes_to_decide

# Cards a board column shows before its "more" link. The whole company's board stays under its
# 60 KB budget: six columns of about 0.4 KB cards (Chinese names) next to the owner filter,
# which lists every seller for an administrator (10 KB with 200 people).
CARDS_PER_COLUMN = 12
# A card shows the deal's title, amount, days in stage and version with its account's name, its
# owner's name and its stage: load those columns, not the deal's thirty others nor what the
# relations bring along by default (the account's other columns and owner, each user's team and
# that team's manager). Status, owner and deleted_at are what can_move_deal asks.
CARD_OPTIONS = (
    load_only(
        Deal.id,
        Deal.title,
        Deal.account_id,
        Deal.owner_id,
        Deal.stage_id,
        Deal.status,
        Deal.amount,
        Deal.currency,
        Deal.stage_entered_at,
        Deal.version,
        Deal.deleted_at,
        Deal.updated_at,
    ),
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
        "closed_before": _day(args.get("closed_before")),
        "closed_after": _day(args.get("closed_after")),
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
    if f["closed_before"]:  # the final close date: what won and lost deals count by (goals)
        stmt = stmt.where(Deal.closed_on <= f["closed_before"])
    if f["closed_after"]:
        stmt = stmt.where(Deal.closed_on >= f["closed_after"])
    if f["forecast"]:
        stmt = stmt.where(Deal.forecast_category == f["forecast"])
    return stmt


def deal_list_stmt(user: User, args: Mapping[str, str]) -> Select:
    """The deal list: the user's deals, filtered and sorted as the query string says."""
    f = deal_filters(args)
    return deal_stmt(user, args).order_by(*DEAL_SORTS[f["sort"]], Deal.id.desc())


@dataclass(frozen=True)
class BoardColumns:
    """What the board's column heads show: per stage key, how many open deals and their total in
    the base currency; and which stage rows (of any version of the process) hold open deals."""

    totals: dict[str, tuple[int, Decimal]]
    stage_ids: dict[int, str]  # stage id -> key, only stages with open deals


def process_stages(process_id: int) -> Select:
    """The ids of the stages of every version of a process (deals of older versions stay on
    the board under their stage's key)."""
    return (
        select(Stage.id)
        .join(ProcessVersion, ProcessVersion.id == Stage.version_id)
        .where(ProcessVersion.process_id == process_id)
    )


def board_columns(user: User, args: Mapping[str, str], process_id: int) -> BoardColumns:
    """Count and base-currency total of the open deals per stage, in one aggregate over the
    deals index alone (ix_deals_board for the company, ix_deals_owner_status_live for a rep
    or a team): no deal row is read, however many deals are open."""
    per_stage = (
        deal_stmt(
            user,
            {**args, "status": "open"},
            columns=(
                Deal.stage_id.label("stage_id"),
                func.count().label("n"),
                func.coalesce(func.sum(Deal.base_amount), 0).label("total"),
            ),
        )
        .where(Deal.stage_id.in_(process_stages(process_id)))
        .group_by(Deal.stage_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Stage.id, Stage.key, per_stage.c.n, per_stage.c.total).join(
            per_stage, per_stage.c.stage_id == Stage.id
        )
    ).all()
    totals: dict[str, tuple[int, Decimal]] = {}
    for _id, key, n, total in rows:
        count, amount = totals.get(key, (0, Decimal(0)))
        totals[key] = (count + n, amount + Decimal(total))
    return BoardColumns(totals, {stage_id: key for stage_id, key, n, _t in rows if n})


def stage_totals(
    user: User, args: Mapping[str, str], process_id: int
) -> dict[str, tuple[int, Decimal]]:
    """Per stage key: how many open deals and their total in the base currency."""
    return board_columns(user, args, process_id).totals


@dataclass(frozen=True)
class Cursor:
    """Where a board column's next page starts: after the card last shown, in the board's order
    (newest change first). Written into the "more" link as `<updated_at>~<id>`."""

    updated_at: datetime
    deal_id: int

    def __str__(self) -> str:
        return f"{self.updated_at.isoformat()}~{self.deal_id}"

    @classmethod
    def parse(cls, raw: str | None) -> Cursor | None:
        """The cursor of a "more" link; None for a missing or malformed one (the column's start)."""
        when, _sep, ident = (raw or "").partition("~")
        try:
            moment = datetime.fromisoformat(when)
        except ValueError:
            return None
        deal_id = parse_id(ident)
        if deal_id is None:
            return None
        return cls(moment if moment.tzinfo else moment.replace(tzinfo=UTC), deal_id)

    @classmethod
    def after(cls, deal: Deal) -> Cursor:
        return cls(deal.updated_at, deal.id)


def _column_ids(
    user: User, args: Mapping[str, str], stage_id: int, limit: int, cursor: Cursor | None
) -> Select:
    """The ids of the next `limit` open deals of one stage row, newest change first: a range
    read of ix_deals_board (or the owner index) that stops after `limit` entries."""
    stmt = deal_stmt(user, {**args, "status": "open"}, columns=(Deal.id,)).where(
        Deal.stage_id == stage_id
    )
    if cursor is not None:
        stmt = stmt.where(
            or_(
                Deal.updated_at < cursor.updated_at,
                and_(Deal.updated_at == cursor.updated_at, Deal.id < cursor.deal_id),
            )
        )
    return stmt.order_by(Deal.updated_at.desc(), Deal.id.desc()).limit(limit)


def board_cards(
    user: User,
    args: Mapping[str, str],
    stage_ids: Mapping[int, str],
    per_column: int = CARDS_PER_COLUMN,
    cursor: Cursor | None = None,
) -> dict[str, list[Deal]]:
    """Per stage key, the first `per_column` open cards (after `cursor`), newest change first,
    in one statement: a LIMIT per stage row, so the deals read do not grow with the company.
    A column holds one more card than asked when there are more (the "more" link's hint)."""
    if not stage_ids:
        return {}
    parts = [
        select(part.c.id)
        for part in (
            _column_ids(user, args, stage_id, per_column + 1, cursor).subquery()
            for stage_id in sorted(stage_ids)
        )
    ]
    ids = parts[0] if len(parts) == 1 else union_all(*parts)
    deals = db.session.scalars(select(Deal).where(Deal.id.in_(ids)).options(*CARD_OPTIONS)).unique()
    columns: dict[str, list[Deal]] = {}
    for deal in sorted(deals, key=lambda d: (d.updated_at, d.id), reverse=True):
        columns.setdefault(stage_ids[deal.stage_id], []).append(deal)
    return {key: cards[: per_column + 1] for key, cards in columns.items()}


def column_stages(process_id: int, key: str) -> dict[int, str]:
    """The stage rows of one board column: every version's stage with that key."""
    ids = db.session.scalars(
        process_stages(process_id).where(Stage.key == key).order_by(Stage.id)
    ).all()
    return dict.fromkeys(ids, key)


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


# --- workbench (h4)


def past_sla_stmt(user: User, now: datetime) -> Select:
    """Open deals in the user's scope that stay in their stage longer than its time limit
    (Deal.past_sla said in SQL: more whole days in the stage than the stage's sla_days), the
    longest waiting first."""
    limits = db.session.scalars(select(Stage.sla_days).distinct()).all()
    late = or_(
        *(
            and_(Stage.sla_days == days, Deal.stage_entered_at <= now - timedelta(days=days + 1))
            for days in limits
        ),
        false(),
    )
    return (
        scope_deals(select(Deal), user)
        .join(Stage, Stage.id == Deal.stage_id)
        .where(Deal.status == DealStatus.OPEN, late)
        .options(*CARD_OPTIONS)
        .order_by(Deal.stage_entered_at, Deal.id)
    )


def my_pending_quotes_stmt(user: User) -> Select:
    """Quotes of the user's own deals that wait for a manager's decision, the longest first."""
    return (
        select(Quote)
        .join(Deal, Deal.id == Quote.deal_id)
        .where(
            Quote.status == QuoteStatus.PENDING,
            Quote.deleted_at.is_(None),
            Deal.deleted_at.is_(None),
            Deal.owner_id == user.id,
        )
        .options(joinedload(Quote.deal).options(*_DEAL_NAME_ONLY))
        .order_by(Quote.updated_at, Quote.id)
    )


_DEAL_NAME_ONLY = (lazyload(Deal.account), lazyload(Deal.owner), lazyload(Deal.stage))


def stage_approvals_stmt(user: User, roles: set[str]) -> Select:
    """Open deals in the user's scope whose stage waits for an approval by one of `roles` that
    nobody has given in that stage yet, the longest waiting first."""
    wanted: dict[str, set[int]] = {}
    criteria = db.session.execute(
        select(StageCriterion.stage_id, StageCriterion.params).where(
            StageCriterion.kind == "role_approval"
        )
    )
    for stage_id, params in criteria:
        role = (params or {}).get("role", DEFAULT_APPROVAL_ROLE)
        if role in roles:
            wanted.setdefault(role, set()).add(stage_id)
    given = select(DealApproval.id).where(
        DealApproval.deal_id == Deal.id, DealApproval.stage_id == Deal.stage_id
    )
    waiting = or_(
        *(
            and_(Deal.stage_id.in_(sorted(ids)), ~given.where(DealApproval.role == role).exists())
            for role, ids in sorted(wanted.items())
        ),
        false(),
    )
    return (
        scope_deals(select(Deal), user)
        .where(Deal.status == DealStatus.OPEN, waiting)
        .options(*CARD_OPTIONS)
        .order_by(Deal.stage_entered_at, Deal.id)
    )


def lost_reason_counts(user: User, since: date, limit: int = 5) -> list[Any]:
    """Why the deals in the user's scope were lost since a day: rows of (reason, how many,
    their total in the base currency), the most frequent first, counted in SQL."""
    n = func.count(Deal.id).label("n")
    stmt = (
        scope_deals(
            select(LostReason, n, func.coalesce(func.sum(Deal.base_amount), 0).label("total")),
            user,
        )
        .select_from(Deal)
        .join(LostReason, LostReason.id == Deal.lost_reason_id)
        .where(Deal.status == DealStatus.LOST, Deal.closed_on >= since)
        .group_by(LostReason.id)
        .order_by(n.desc(), LostReason.position, LostReason.id)
        .limit(limit)
    )
    return list(db.session.execute(stmt).all())


def active_product_count() -> int:
    """How many products a quote may offer."""
    stmt = select(func.count()).select_from(Product).where(Product.active.is_(True))
    return db.session.scalar(stmt) or 0


def currencies_without_rate(base: str) -> list[str]:
    """Currencies that live deals or active products are in, other than the base currency, for
    which the rate table holds no rate at all (their amounts cannot be converted)."""
    used = union(
        select(Deal.currency.label("currency")).where(Deal.deleted_at.is_(None)),
        select(Product.currency.label("currency")).where(Product.active.is_(True)),
    ).subquery()
    stmt = (
        select(used.c.currency)
        .where(used.c.currency != base, used.c.currency.not_in(select(ExchangeRate.currency)))
        .order_by(used.c.currency)
    )
    return list(db.session.scalars(stmt))
