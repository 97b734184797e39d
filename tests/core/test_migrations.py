"""The schema comes from the migrations, and they agree with the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from salesweb.core.search import include_name
from salesweb.extensions import db as _db
from tests.live import fresh_app


def _differences() -> list:
    """What autogenerate would write to bring the database to the models (nothing, we hope)."""
    with _db.engine.connect() as connection:
        # The search structures (FTS tables, trigram indexes) live in the migration alone.
        opts = {"compare_type": True, "include_name": include_name}
        context = MigrationContext.configure(connection, opts=opts)
        return compare_metadata(context, _db.metadata)


def test_models_and_migrations_agree(app):
    with app.app_context():
        assert _differences() == []


def test_every_migration_goes_down_to_base_and_up_again(tmp_path_factory):
    """A release can be rolled back: each downgrade undoes its upgrade, all the way down,
    and the way back up lands on the same schema (SQLite, or PostgreSQL in a schema of its own
    when TEST_DATABASE_URL is set)."""
    with fresh_app(tmp_path_factory, "migrations_round_trip") as app, app.app_context():
        upgrade(revision="heads")
        downgrade(revision="base")
        _db.session.remove()
        left = set(inspect(_db.engine).get_table_names()) - {"alembic_version"}
        assert left == set(), "tables the downgrades left behind"
        upgrade(revision="heads")
        _db.session.remove()
        assert _differences() == []


def test_migrations_reached_head(app):
    with app.app_context():
        tables = set(inspect(_db.engine).get_table_names())
    assert {"alembic_version", "users", "teams", "audit_log"} <= tables


def test_sqlite_connection_pragmas(app):
    with app.app_context():
        if _db.engine.dialect.name != "sqlite":
            return
        with _db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            # Writers queue for the lock (BEGIN IMMEDIATE): the wait is SALESWEB_SQLITE_BUSY_SECONDS.
            busy = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
            assert busy == app.config["SALESWEB_SQLITE_BUSY_SECONDS"] * 1000 == 30000
