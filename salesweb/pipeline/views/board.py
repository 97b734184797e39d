"""The board (看板): a column per stage with count and base-currency total and its newest cards,
more of them on demand; cards move by drag, by keyboard or without JavaScript through the same
move endpoint."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_login import current_user

from salesweb.core.htmx import render_page
from salesweb.core.money import base_currency
from salesweb.core.params import parse_id
from salesweb.core.security import SIGNED_IN, access
from salesweb.extensions import db
from salesweb.pipeline import bp, queries, services
from salesweb.pipeline.models import SalesProcess, StageKind
from salesweb.pipeline.permissions import can_filter_by_owner
from salesweb.pipeline.views import filter_owners

# What a column's "more" link keeps from the board's address: the filters and the process.
NOT_CARRIED = frozenset({"stage", "after"})


def _process(processes: list[SalesProcess]) -> SalesProcess:
    """The process asked for (?process=, active or not), or the default one; 404 without."""
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


def _cards_context(process: SalesProcess) -> dict[str, Any]:
    """What every column's cards need: the filters to carry into "more" and its cursor."""
    more_args = {k: v for k, v in request.args.items() if k not in NOT_CARRIED}
    return {
        "more_args": {**more_args, "process": process.id},
        "per_column": queries.CARDS_PER_COLUMN,
        "cursor_after": lambda deal: str(queries.Cursor.after(deal)),
    }


@bp.get("/board")
@access(SIGNED_IN)
def board():
    processes = queries.active_processes()
    process = _process(processes)
    columns = queries.board_columns(current_user, request.args, process.id)
    return render_page(
        "pipeline/board.html",
        block="board",
        process=process,
        processes=processes,
        stages=services.open_stages(process.current_version),
        totals=columns.totals,
        cards=queries.board_cards(current_user, request.args, columns.stage_ids),
        f=queries.deal_filters({**request.args, "status": "open"}),
        owners=filter_owners(),
        teams=queries.filter_teams() if can_filter_by_owner(current_user) else [],
        base_currency=base_currency(),
        **_cards_context(process),
    )


@bp.get("/board/column")
@access(SIGNED_IN)
def board_column():
    """A column's next cards after ?after=: the fragment that replaces its "more" link, or
    without JavaScript a page of its own."""
    process = _process(queries.active_processes())
    stage = process.current_version.stage_by_key(request.args.get("stage", ""))
    if stage is None or stage.kind != StageKind.OPEN:
        abort(404)
    cursor = queries.Cursor.parse(request.args.get("after"))
    stage_ids = queries.column_stages(process.id, stage.key)
    cards = queries.board_cards(current_user, request.args, stage_ids, cursor=cursor)
    return render_page(
        "pipeline/board_column.html",
        block="cards",
        process=process,
        stage=stage,
        cards=cards.get(stage.key, []),
        **_cards_context(process),
    )
