"""Reading list parameters from the query string, safely."""

from __future__ import annotations

from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from salesweb.extensions import db

MAX_PER_PAGE = 100


def page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100000 else 1


def sort_choice(allowed: dict[str, object], default: str) -> tuple[str, object]:
    """Pick the sort key from ?sort=, falling back to the default for anything not allowed."""
    key = request.args.get("sort", default)
    if key not in allowed:
        key = default
    return key, allowed[key]


def paginate(stmt: Select, per_page: int | None = None) -> Pagination:
    """One page of a select, with its total counted in SQL."""
    return db.paginate(
        stmt,
        page=page_number(),
        per_page=per_page or current_app.config["PER_PAGE"],
        max_per_page=MAX_PER_PAGE,
        error_out=False,
    )


def url_with(_endpoint: str | None = None, **changes: object) -> str:
    """The current URL (or `_endpoint` with the same query) with some parameters changed;
    None removes one; the page number resets."""
    from flask import url_for

    args = {k: v for k, v in request.args.items() if k != "page"}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    if _endpoint:
        return url_for(_endpoint, **args)
    return url_for(request.endpoint or "core.home", **(request.view_args or {}), **args)
