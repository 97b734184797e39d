"""Command-line entry points shared by every area."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from sqlalchemy import func, inspect, select

from salesweb.core import audit, backup, seeding
from salesweb.extensions import db

DEMO_PASSWORD = seeding.DEMO_PASSWORD


def _seed_company() -> None:
    """Run every area's starter, one commit each, saying what was done."""
    for name, starter in seeding.starters():
        starter()
        db.session.commit()
        click.echo(f"ready: {name}")


def register(app: Flask) -> None:
    @app.cli.command("init-company")
    def init_company() -> None:
        """Add the reference data a company starts from (standard process, lost reasons,
        compliance rules, survey templates); no demo record. Safe to run twice."""
        audit.set_cli_actor("init-company")
        _seed_company()

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Only seed a database that has no users yet.")
    def seed_demo(if_empty: bool) -> None:
        """Create the bilingual demo company (safe to run twice)."""
        # The users table by name, not the auth model: core never imports an area.
        has_users = inspect(db.engine).has_table("users") and db.session.scalar(
            select(func.count()).select_from(db.metadata.tables["users"])
        )
        if if_empty and has_users:
            click.echo("Database already has users; demo data not added.")
            return
        audit.set_cli_actor("seed-demo")
        for name, seeder in seeding.seeders():  # the starters first
            seeder()
            db.session.commit()
            click.echo(f"seeded: {name}")

    @app.cli.command("demo-logins")
    @click.option("--host", default="127.0.0.1", show_default=True, help="Address served.")
    @click.option("--port", default=5000, show_default=True, help="Port served.")
    def demo_logins(host: str, port: int) -> None:
        """Print the address served and every demo sign-in."""
        everywhere = host in ("0.0.0.0", "::", "")
        shown = "127.0.0.1" if everywhere else f"[{host}]" if ":" in host else host
        also = " (and every address of this machine)" if everywhere else ""
        click.echo(f"salesweb is starting on http://{shown}:{port}{also} - demo sign-ins:")
        sign_ins = seeding.demo_sign_ins()
        width = max((len(email) for email, _ in sign_ins), default=0) + 2
        for email, role in sign_ins:
            click.echo(f"  {email:<{width}} {DEMO_PASSWORD}   ({role})")

    @app.cli.command("backup")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option(
        "--with-secret-key",
        is_flag=True,
        help="Also keep instance/secret_key (sessions survive a restore; keep the file safe).",
    )
    def backup_command(file: Path, with_secret_key: bool) -> None:
        """Write the database and every uploaded file into one archive (safe while serving)."""
        try:
            manifest = backup.backup(file, with_secret_key=with_secret_key)
        except backup.BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        revision = ", ".join(manifest["revision"]) or "none"
        click.echo(f"backed up the {manifest['database']} database (revision {revision}) to {file}")

    @app.cli.command("restore")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--force", is_flag=True, help="Restore even while a server seems to use it.")
    def restore_command(file: Path, force: bool) -> None:
        """Replace the database and the uploaded files with an archive's (stop the servers first)."""
        try:
            manifest = backup.restore(file, force=force)
        except backup.BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(
            f"restored the {manifest['database']} database and files of {manifest['created_at']}"
        )
        if manifest["upgraded"]:
            click.echo("the database was upgraded to this version's schema")
