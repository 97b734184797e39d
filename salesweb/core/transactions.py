"""How a SQLite transaction begins: a request that may write queues for the write lock first."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, has_request_context, request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def writes_on_get(view: Callable) -> Callable:
    """Mark a GET view that writes (e.g. "mark as read"): its SQLite transactions take the
    write lock at BEGIN, like a POST's."""
    view.writes_on_get = True  # type: ignore[attr-defined]
    return view


def sqlite_begin() -> str:
    """The BEGIN statement of a new SQLite transaction.

    SQLite cannot turn a reading transaction into a writing one once another connection has
    committed since it began: it answers "database is locked" at once, whatever the busy
    timeout. So a request that may write (not GET/HEAD/OPTIONS, or a GET marked with
    `writes_on_get`) begins IMMEDIATE: it takes the write lock first and waits its turn (the
    busy timeout) instead of failing halfway. Reading requests stay DEFERRED and run side by
    side (WAL). Outside a request (command line, background imports) work writes: IMMEDIATE.
    """
    if not has_request_context():
        return "BEGIN IMMEDIATE"
    view = current_app.view_functions.get(request.endpoint or "")
    if request.method in SAFE_METHODS and not getattr(view, "writes_on_get", False):
        return "BEGIN"
    return "BEGIN IMMEDIATE"
