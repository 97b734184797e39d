"""Substring search over a table's `search_text`, served by an index on both databases.

A searched table keeps a lower-cased, width-folded `search_text` column. Migration 0019 indexes
it for substring matching:

- SQLite: an FTS5 table `<table>_fts` (trigram tokenizer, external content), kept current by
  triggers in the same transaction as every insert, update and delete of the table: triggers
  rather than the service layer, because importers and bench/seed.py write with Core bulk
  inserts that no service sees.
- PostgreSQL: a GIN `gin_trgm_ops` index `ix_<table>_search_trgm`, which serves LIKE '%…%'.

A trigram index needs a term of at least three characters. A shorter one (a two-character
Chinese name such as 王伟) falls back to LIKE on the column: the same rows, found by reading
the table's rows in scope.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, column, literal_column, or_, select, table

from salesweb.extensions import db

TRIGRAM = 3  # characters a trigram index needs in a term
SEARCHED_TABLES = ("accounts", "contacts")


def like_pattern(term: str, *, prefix: bool = False) -> str:
    """A LIKE pattern for `term` as a substring (or as a prefix), wildcards escaped with \\."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%" if prefix else f"%{escaped}%"


def _fts_phrase(term: str) -> str:
    """An FTS5 phrase: the term as literal text (a trigram phrase matches any substring)."""
    return '"' + term.replace('"', '""') + '"'


def contains_any(model: Any, terms: list[str], *, narrow: bool = False) -> ColumnElement[bool]:
    """Rows of `model` whose search_text contains at least one of `terms` (already folded).

    narrow: the rest of the query already keeps to a few rows (a rep's or a team's), which a
    term too short for the trigram index then tests one by one."""
    terms = [t for t in dict.fromkeys(terms) if t]
    indexed = all(len(t) >= TRIGRAM for t in terms)
    if indexed and db.session.get_bind().dialect.name == "sqlite":
        name = f"{model.__tablename__}_fts"
        fts = table(name, column("rowid"))
        query = " OR ".join(_fts_phrase(t) for t in terms)
        return model.id.in_(select(fts.c.rowid).where(literal_column(name).match(query)))
    matches = or_(*(model.search_text.like(like_pattern(t), escape="\\") for t in terms))
    if not narrow and db.session.get_bind().dialect.name == "sqlite":
        # A short term is tested on every row: read the narrow index that holds search_text
        # (and the rowid) rather than let the planner walk another index with a row lookup each.
        return model.id.in_(select(model.id).where(matches))
    return matches


def relevance(model: Any, term: str) -> ColumnElement[int]:
    """0 when the name starts with the term (search_text begins with the name), else 1."""
    return case((model.search_text.like(like_pattern(term, prefix=True), escape="\\"), 0), else_=1)


def is_search_index(name: str | None, type_: str) -> bool:
    """The structures migration 0019 makes outside the models: the SQLite FTS tables (and
    FTS5's own shadow tables), the PostgreSQL trigram indexes and its partial list indexes."""
    if not name:
        return False
    if type_ == "table":
        return any(name.startswith(f"{t}_fts") for t in SEARCHED_TABLES)
    return type_ == "index" and (
        name in {f"ix_{t}_search_trgm" for t in SEARCHED_TABLES}
        or name.endswith("_live_name_pg")
        or name == "ix_deals_live_status_updated_pg"
    )


def include_name(name: str | None, type_: str, _parents: dict) -> bool:
    """Alembic's include_name hook: autogenerate leaves the search structures alone."""
    return not is_search_index(name, type_)
