"""A live salesweb (waitress in a thread, own database with the demo company) and Chromium."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from flask_migrate import upgrade
from playwright.sync_api import expect
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from waitress.server import create_server

from salesweb import create_app
from salesweb.config import TestConfig
from salesweb.core import audit, seeding
from salesweb.extensions import db
from tests.conftest import database_url

expect.set_options(timeout=10_000)  # a cold Chromium on a 2-core machine is slow to start
CHROMIUM = os.environ.get("SALESWEB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


def _browser_database(tmp_dir: str) -> str:
    """Its own database: a SQLite file, or a sibling PostgreSQL database created on demand."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return database_url(tmp_dir, "browser")
    parsed = make_url(url)
    name = f"{parsed.database}_browser"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).scalar()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    browser_url = parsed.set(database=name).render_as_string(hide_password=False)
    os.environ["_SALESWEB_BROWSER_DB"] = browser_url
    from tests.conftest import _reset_postgres

    _reset_postgres(browser_url)
    return browser_url


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    config = TestConfig()
    config.TESTING = False  # real error pages, real CSRF, as a person gets them
    config.WTF_CSRF_ENABLED = True
    # Every journey signs in from 127.0.0.1; the per-address limit has its own unit test.
    config.SALESWEB_LOGIN_LIMIT = "1000 per minute"
    config.SQLALCHEMY_DATABASE_URI = _browser_database(str(tmp_path_factory.mktemp("browserdb")))
    # A journey may change a record behind the server's back (the goals one wins a deal).
    os.environ["_SALESWEB_BROWSER_DB"] = config.SQLALCHEMY_DATABASE_URI
    app = create_app(config)
    with app.app_context():
        upgrade(revision="heads")
        audit.set_cli_actor("seed-demo")
        for _name, seeder in seeding.seeders():
            seeder()
            db.session.commit()
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"


@pytest.fixture
def console_errors(page):
    """Every console error of the page (a CSP refusal, a failed script), for a test to assert on."""
    errors: list[str] = []

    def collect(msg) -> None:
        # A refused form is answered 422 by design (the form again, with its errors); Chromium
        # logs every 4xx as a failed resource, which is not a fault of the page.
        if msg.type == "error" and "status of 422" not in msg.text:
            errors.append(msg.text)

    page.on("console", collect)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def axe_violations(page, impacts=("critical", "serious")) -> list[str]:
    """Run axe-core on the page; one line per violation of these impacts, with its first nodes.

    Evaluated rather than added as a script tag: the page's CSP refuses script it did not serve.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(n["target"]) for n in v["nodes"][:3])
        for v in result["violations"]
        if v["impact"] in impacts
    ]
