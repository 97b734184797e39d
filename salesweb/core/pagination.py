"""Reading list parameters from the query string, safely."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, literal_column, select

from salesweb.core.params import parse_int
from salesweb.extensions import db

MAX_PER_PAGE = 100


def page_number() -> int:
    return parse_int(request.args.get("page"), 1, hi=99999) or 1


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


@dataclass
class Page:
    """One page of a list; the same attributes the pager macro reads from Flask-SQLAlchemy's.

    `capped`: the list has more rows than the count limit and `total` is that limit (the pager
    says "more than"); `more`: whether a next page exists, known without the total.
    """

    items: list[Any]
    page: int
    per_page: int
    total: int
    capped: bool = False
    more: bool | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.more if self.more is not None else self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def count_limit() -> int | None:
    """How far a list counts its rows, None for all of them (asked for with ?exact=1).

    Counting a whole company's list reads every row in scope; past the limit the exact figure
    helps nobody page through it, so the pager says "more than 10,000" unless asked."""
    if request.args.get("exact") == "1":
        return None
    return current_app.config.get("LIST_COUNT_LIMIT") or None


def paginate_ids(stmt: Select, model: Any, per_page: int | None = None) -> Page:
    """Like paginate, but the ordered page is chosen on ids alone (an index can answer that
    without reading rows), then only those rows are loaded: a late row lookup for big tables.
    The total is counted up to count_limit() rows."""
    size = min(per_page or current_app.config["PER_PAGE"], MAX_PER_PAGE)
    number = page_number()
    only_ids = stmt.with_only_columns(model.id)
    limit = count_limit()
    counted = only_ids.order_by(None)
    if limit is not None:
        counted = counted.limit(limit + 1)
    total = db.session.scalar(select(func.count()).select_from(counted.subquery())) or 0
    capped = limit is not None and total > limit
    # One id past the page says whether there is a next page, even when the total is capped.
    ids = list(db.session.scalars(only_ids.limit(size + 1).offset((number - 1) * size)))
    more, ids = len(ids) > size, ids[:size]
    rows = (
        {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))}
        if ids
        else {}
    )
    items = [rows[i] for i in ids if i in rows]
    return Page(items, number, size, limit if capped else total, capped, more)


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


def no_index(column: Any) -> Any:
    """`column` as SQLite must not use an index for (in ORDER BY or WHERE).

    When a list is limited to one owner or a team, the owner index finds its rows; without
    statistics SQLite may prefer walking a sort index or a broad filter index (account type)
    and test row after row. `+column` rules those out. Other databases get the column as is.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        return literal_column(f"+{column.table.name}.{column.name}")
    return column


def live(deleted_at: Any) -> Any:
    """`deleted_at IS NULL`, with its true selectivity told to SQLite's planner.

    SQLite's statistics (ANALYZE, kept fresh by PRAGMA optimize) hold the average number of
    rows per value of an index's columns: with many deletion times and one NULL, `deleted_at
    IS NULL` looks as if it picked a handful of rows, while it picks almost all of them, and the
    planner then walks a deleted_at index and sorts everything. likelihood() states the real
    share; the index stays usable. Other databases get the plain test.
    """
    test = deleted_at.is_(None)
    if db.session.get_bind().dialect.name == "sqlite":
        return func.likelihood(test, literal_column("0.99"))
    return test
