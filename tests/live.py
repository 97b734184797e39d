"""A live waitress server on a database of its own, for tests of requests that arrive at once.

SQLite: a file of its own (WAL, the configured busy timeout). PostgreSQL (TEST_DATABASE_URL): a schema of
its own inside the test database, dropped afterwards.
"""

from __future__ import annotations

import os
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.cookiejar import CookieJar
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from waitress.server import create_server

from salesweb import config as configs
from salesweb import create_app
from salesweb.extensions import db


@contextmanager
def fresh_app(tmp_path_factory: Any, schema: str, **settings: Any) -> Iterator[Flask]:
    """An application on an empty database (or PostgreSQL schema), not yet migrated."""
    url = os.environ.get("TEST_DATABASE_URL")
    config = configs.TestConfig()
    for name, value in settings.items():
        setattr(config, name, value)
    admin = None
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
        path = tmp_path_factory.mktemp(schema) / "live.sqlite"
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"
    app = create_app(config)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            admin.dispose()


@contextmanager
def live_server(
    tmp_path_factory: Any, schema: str, threads: int = 16, **settings: Any
) -> Iterator[tuple[Flask, str]]:
    """A migrated application served by waitress on a free port: (app, base URL)."""
    with fresh_app(tmp_path_factory, schema, **settings) as app:
        with app.app_context():
            upgrade(revision="heads")
        server = create_server(app, host="127.0.0.1", port=0, threads=threads, connection_limit=400)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            yield app, f"http://127.0.0.1:{server.effective_port}"
        finally:
            # Stop the loop by emptying its map (closing sockets under a running select breaks
            # it), then close everything from this thread.
            channels = dict(server._map)
            server._map.clear()
            thread.join(timeout=5)
            for channel in channels.values():
                channel.close()
            server.task_dispatcher.shutdown()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # answer the 303 itself, so a test sees where it points


_opener = urllib.request.build_opener(_NoRedirect)


def _send(request: urllib.request.Request, barrier: threading.Barrier) -> tuple[int, str]:
    barrier.wait(timeout=60)
    try:
        with _opener.open(request, timeout=60) as response:
            response.read()
            return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        error.read()
        error.close()
        return error.code, error.headers.get("Location", "")


def fire_all(requests: list[urllib.request.Request]) -> list[tuple[int, str]]:
    """Send the requests at the same moment (threads released by one barrier): (status,
    Location) of each, in order; redirects are not followed."""
    barrier = threading.Barrier(len(requests))
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        futures = [pool.submit(_send, request, barrier) for request in requests]
        return [f.result() for f in futures]


def session_cookie(app: Flask, user: Any) -> str:
    """A Cookie header signing the user in, as the test client's `login_as` does."""
    serializer = app.session_interface.get_signing_serializer(app)
    value = serializer.dumps({"_user_id": user.get_id(), "_fresh": True})
    return f"{app.config.get('SESSION_COOKIE_NAME', 'session')}={value}"


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
