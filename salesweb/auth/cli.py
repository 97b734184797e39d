"""`flask create-admin EMAIL`: the first administrator of an empty database.

It also adds the reference data a company starts from (the starters of every area: standard
process, lost reasons, compliance gates and rules, survey templates), so that the production
steps `flask db upgrade` then `flask create-admin` give a company that can sell at once.
"""

from __future__ import annotations

import click
from flask import current_app

from salesweb.auth import bp, services
from salesweb.core import audit, seeding
from salesweb.core.errors import DomainError
from salesweb.extensions import db

bp.cli.short_help = "Users and teams."


@bp.record_once
def _register(state) -> None:
    app = state.app

    @app.cli.command("create-admin")
    @click.argument("email")
    @click.password_option(help="The administrator's password (asked for when not given).")
    def create_admin(email: str, password: str) -> None:
        """Create an administrator account."""
        audit.set_cli_actor("create-admin")
        try:
            user = services.ensure_admin(email, password)
            seeding.run_starters()  # safe twice: a second administrator adds nothing
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from exc
        current_app.logger.info("administrator %s created", user.email)
        click.echo(f"Administrator {user.email} created.")
        click.echo(
            "The standard sales process, lost reasons, compliance rules and survey templates "
            "are in place; sign in to set the company up."
        )
