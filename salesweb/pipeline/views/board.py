"""The board (看板): a column per stage with count and base-currency total; cards move by drag,
by keyboard or without JavaScript through the same move endpoint."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, lazyload, load_only

from salesweb.auth.models import Role, Team, User
from salesweb.core.htmx import render_page
from salesweb.core.params import parse_id
from salesweb.core.security import SIGNED_IN, access
from salesweb.customers.models import Account
from salesweb.customers.views import owner_choices
from salesweb.extensions import db
from salesweb.pipeline import bp, services
from salesweb.pipeline.models import Deal, DealStatus, ProcessVersion, SalesProcess, Stage
from salesweb.pipeline.queries import deal_filters, deal_stmt, for_process, stage_totals

CARDS_PER_COLUMN = 30
# A card shows the deal with its account's name, its owner's name and its stage: load those, not
# what they bring along by default (the account's other columns and owner, each user's team and
# that team's manager).
CARD_OPTIONS = (
    joinedload(Deal.account).options(load_only(Account.id, Account.name), lazyload(Account.owner)),
    joinedload(Deal.owner).lazyload(User.team),
    joinedload(Deal.stage),
)


def _processes() -> list[SalesProcess]:
    """The active processes, the default first, each with its current version and its stages."""
    return list(
        db.session.scalars(
            select(SalesProcess)
            .where(SalesProcess.active.is_(True))
            .order_by(SalesProcess.is_default.desc(), SalesProcess.id)
            .options(joinedload(SalesProcess.current_version).selectinload(ProcessVersion.stages))
        )
    )


def _process(processes: list[SalesProcess]) -> SalesProcess:
    """The process asked for (?process=, active or not), or the default one."""
    wanted = parse_id(request.args.get("process"))
    if wanted:
        process = next((p for p in processes if p.id == wanted), None) or db.session.get(
            SalesProcess, wanted
        )
    else:
        process = next((p for p in processes if p.is_default), None)
    if process is None or process.current_version is None:
        abort(404)
    return process


def board_cards(user, args, process_id: int) -> dict[str, list[Deal]]:
    """The newest cards of every column, in one query (row_number per stage)."""
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
        .where(ranked.c.rank <= CARDS_PER_COLUMN)
        .order_by(ranked.c.rank)
        .options(*CARD_OPTIONS)
    )
    columns: dict[str, list[Deal]] = {}
    for deal, key in db.session.execute(stmt).unique().all():
        columns.setdefault(key, []).append(deal)
    return columns


@bp.get("/board")
@access(SIGNED_IN)
def board():
    processes = _processes()
    process = _process(processes)
    args = {**request.args, "status": "open"}
    teams = (
        db.session.scalars(
            select(Team).order_by(Team.name).options(lazyload(Team.manager))  # names only
        ).all()
        if current_user.role != Role.REP
        else []
    )
    return render_page(
        "pipeline/board.html",
        block="board",
        process=process,
        processes=processes,
        stages=services.open_stages(process.current_version),
        totals=stage_totals(current_user, args, process.id),
        cards=board_cards(current_user, args, process.id),
        f=deal_filters(args),
        owners=owner_choices(current_user) if current_user.role != Role.REP else [],
        teams=teams,
        per_column=CARDS_PER_COLUMN,
        open_status=DealStatus.OPEN,
    )
