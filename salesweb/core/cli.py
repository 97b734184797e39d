"""Command-line entry points shared by every area."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import func, inspect, select

from salesweb.core import audit, seeding
from salesweb.extensions import db

DEMO_PASSWORD = "demo-pass-2026"
DEMO_LOGINS = (
    ("admin@example.com", "admin"),
    ("manager@example.com", "manager"),
    ("rep@example.com", "rep"),
    ("rep2@example.com", "rep"),
    ("compliance@example.com", "compliance"),
)


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Only seed a database that has no users yet.")
    def seed_demo(if_empty: bool) -> None:
        """Create the bilingual demo company (safe to run twice)."""
        from salesweb.auth.models import User

        has_users = inspect(db.engine).has_table("users") and db.session.scalar(
            select(func.count()).select_from(User)
        )
        if if_empty and has_users:
            click.echo("Database already has users; demo data not added.")
            return
        audit.set_cli_actor("seed-demo")
        for name, seeder in seeding.seeders():
            seeder()
            db.session.commit()
            click.echo(f"seeded: {name}")

    @app.cli.command("demo-logins")
    def demo_logins() -> None:
        """Print the demo sign-ins."""
        click.echo("salesweb is starting on http://127.0.0.1:5000 - demo sign-ins:")
        for email, role in DEMO_LOGINS:
            click.echo(f"  {email:<26} {DEMO_PASSWORD}   ({role})")
