"""A live salesweb (waitress in a thread, several worker threads) on a database of its own, for
tests of many requests at once. SQLite: a file of its own (WAL, the configured busy timeout).
PostgreSQL: a schema of its own inside the test database."""

from __future__ import annotations

import os
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from waitress.server import create_server

from salesweb import create_app
from salesweb.config import Config
from salesweb.extensions import db


@contextmanager
def serve(
    config: Config, tmp_dir: Path, schema: str, threads: int = 16
) -> Iterator[tuple[Flask, str]]:
    """Yield the app and its base URL while waitress serves it from a thread."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        admin = create_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        config.SQLALCHEMY_DATABASE_URI = url
        config.SQLALCHEMY_ENGINE_OPTIONS = {
            "pool_pre_ping": True,
            "pool_size": 20,
            "connect_args": {"options": f"-csearch_path={schema}"},
        }
    else:
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_dir / 'live.sqlite'}"
    app = create_app(config)
    with app.app_context():
        upgrade(revision="heads")
    server = create_server(app, host="127.0.0.1", port=0, threads=threads, connection_limit=400)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.effective_port}"
    finally:
        # Stop the loop by emptying its map (closing sockets under a running select breaks it),
        # then close everything from this thread.
        channels = dict(server._map)
        server._map.clear()
        thread.join(timeout=5)
        for channel in channels.values():
            channel.close()
        server.task_dispatcher.shutdown()
        with app.app_context():
            db.engine.dispose()
        if url:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            admin.dispose()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to look at, not to follow


class Browser:
    """One visitor with its own cookies; answers are (status, body), redirects not followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def open(self, path: str, data: bytes | None = None) -> tuple[int, str]:
        request = urllib.request.Request(self.base + path, data=data)
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            body = error.read().decode()
            error.close()
            return error.code, body
