"""The board (看板): a column per stage with count and base-currency total; cards move by drag,
by keyboard or without JavaScript through the same move endpoint."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user

from salesweb.core.htmx import render_page
from salesweb.core.money import base_currency
from salesweb.core.params import parse_id
from salesweb.core.security import SIGNED_IN, access
from salesweb.extensions import db
from salesweb.pipeline import bp, queries, services
from salesweb.pipeline.models import DealStatus, SalesProcess
from salesweb.pipeline.permissions import can_filter_by_owner
from salesweb.pipeline.views import filter_owners


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


@bp.get("/board")
@access(SIGNED_IN)
def board():
    processes = queries.active_processes()
    process = _process(processes)
    args = {**request.args, "status": "open"}
    return render_page(
        "pipeline/board.html",
        block="board",
        process=process,
        processes=processes,
        stages=services.open_stages(process.current_version),
        totals=queries.stage_totals(current_user, args, process.id),
        cards=queries.board_cards(current_user, args, process.id),
        f=queries.deal_filters(args),
        owners=filter_owners(),
        teams=queries.filter_teams() if can_filter_by_owner(current_user) else [],
        per_column=queries.CARDS_PER_COLUMN,
        base_currency=base_currency(),
        open_status=DealStatus.OPEN,
    )
