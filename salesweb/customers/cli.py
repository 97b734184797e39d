"""`flask customers reclaim`: idle accounts back to the public pool now (safe twice). The nightly
run is the periodic job `customers.reclaim` (customers.jobs), no cron line needed."""

from __future__ import annotations

import click
from flask import current_app

from salesweb.core import audit
from salesweb.customers import bp, services
from salesweb.extensions import db

bp.cli.help = "Customers: the public pool and maintenance."


@bp.cli.command("reclaim")
@click.option(
    "--days",
    type=int,
    default=None,
    help="Days without interaction (default: SALESWEB_RECLAIM_DAYS).",
)
def reclaim(days: int | None) -> None:
    """Return accounts with no interaction for DAYS days to the public pool."""
    audit.set_cli_actor("customers reclaim")
    days = days if days is not None else current_app.config["SALESWEB_RECLAIM_DAYS"]
    if days < 1:
        raise click.BadParameter("must be at least 1", param_hint="--days")
    count = services.reclaim_idle_accounts(days)
    db.session.commit()
    click.echo(f"reclaimed: {count}")
