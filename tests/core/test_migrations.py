"""The schema comes from the migrations, and they agree with the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from salesweb.extensions import db as _db


def test_models_and_migrations_agree(app):
    with app.app_context(), _db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, _db.metadata)
    assert differences == []


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
