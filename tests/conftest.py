"""Fixtures: app (migrated once per session), db (rolled back per test), client, login_as."""

from __future__ import annotations

import contextvars
import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from lxml import html as lxml_html
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from salesweb import create_app
from salesweb.config import TestConfig
from salesweb.extensions import db as _db
from salesweb.extensions import limiter
from tests.factories import make_user


def _database_per_worker() -> None:
    """Under pytest-xdist each worker process gets a PostgreSQL database of its own
    (`<name>_gw0`, `<name>_gw1`...), made on first use, so the workers never share a schema; the
    live-server, browser and backup tests derive their own names from it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get("TEST_DATABASE_URL")
    if not worker or not url or worker in url:
        return
    own = make_url(url)
    own = own.set(database=f"{own.database}_{worker}")
    server = create_engine(own.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        exists = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": own.database}
        )
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{own.database}"'))
    server.dispose()
    os.environ["TEST_DATABASE_URL"] = own.render_as_string(hide_password=False)


_database_per_worker()


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def database_url(tmp_dir: str, name: str = "test") -> str:
    """TEST_DATABASE_URL (PostgreSQL, wiped first) or a fresh SQLite file."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        _reset_postgres(url)
        return url
    return f"sqlite:///{tmp_dir}/{name}.sqlite"


class IsolatedClient(FlaskClient):
    """Runs each request outside the test's app context, as a real server would: its own `g`,
    its own session (on the test's connection), so nothing leaks from one request to the next."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url(str(tmp_path_factory.mktemp("db")))
    config.SALESWEB_FILES_DIR = str(
        tmp_path_factory.mktemp("files")
    )  # uploads stay out of instance/
    application = create_app(config)
    application.test_client_class = IsolatedClient
    with application.app_context():
        upgrade(revision="heads")  # the schema comes from the migrations, as in production
    yield application
    with application.app_context():
        _db.engine.dispose()  # close pooled connections before the interpreter does


@pytest.fixture
def db(app) -> Iterator:
    """Each test runs inside a transaction that is rolled back, even when views commit."""
    with app.app_context():
        engines = _db.engines
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        original = _db.session
        # Flask-SQLAlchemy's Session.get_bind picks the engine by bind key, ignoring a session
        # bind, so the default "engine" itself becomes the test's connection for the test.
        engines[None] = connection
        _db.session = _db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint"}
        )
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            engines[None] = engine
            outer.rollback()
            connection.close()
            limiter.reset()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def login_as(client, db):
    """Sign the test client in as a new user of the given role (or as a given user)."""

    def sign_in(role: str = "rep", user=None, **overrides):
        user = user or make_user(role=role, **overrides)
        db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return user

    return sign_in


def parse(response) -> lxml_html.HtmlElement:
    """An HTML tree of a response, to find elements by id instead of matching bytes."""
    return lxml_html.fromstring(response.get_data(as_text=True) or "<div></div>")


def by_id(response, element_id: str):
    found = parse(response).get_element_by_id(element_id, None)
    return found


@contextmanager
def count_queries(engine) -> Iterator[list[str]]:
    """Collect the SQL statements run inside the block (the N+1 guard)."""
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


HX = {"HX-Request": "true"}
