"""`flask pipeline move DEAL_ID STAGE`: the command-line path obeys the same exit criteria."""

from __future__ import annotations

import click

from salesweb.core import audit
from salesweb.core.errors import DomainError
from salesweb.extensions import db
from salesweb.pipeline import bp, services
from salesweb.pipeline.models import Deal


@bp.cli.command("move")
@click.argument("deal_id", type=int)
@click.argument("stage")
@click.option("--reason", default="", help="Why, when moving back.")
def move(deal_id: int, stage: str, reason: str) -> None:
    """Move deal DEAL_ID to STAGE (its key, zh or en name)."""
    audit.set_cli_actor("pipeline move")
    deal = db.session.get(Deal, deal_id)
    if deal is None or deal.is_deleted:
        raise click.ClickException(f"no deal {deal_id}")
    target = next(
        (s for s in deal.process_version.stages if stage in (s.key, s.name_zh, s.name_en)), None
    )
    if target is None:
        raise click.ClickException(f"no stage {stage!r} in this deal's process")
    try:
        services.move_deal(None, deal, target, via="cli", reason=reason)
    except services.GateRefused as exc:
        db.session.rollback()
        lines = "\n".join(f"  - {m.message}" for m in exc.missing)
        raise click.ClickException(f"{exc.message}\n{lines}") from exc
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"moved: deal {deal.id} -> {target.name_en}")
