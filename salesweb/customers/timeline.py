"""The account timeline: one list, newest first, fed by every area through this registry.

An area registers a kind with a function that, given an account id, returns a select of the
columns (at, kind, ref_id, title, body, actor). Customers registers interactions, orders and
tasks; pipeline, compliance and surveys register theirs in their blueprint setup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, literal, union_all

from salesweb.extensions import db

COLUMNS = ("at", "kind", "ref_id", "title", "body", "actor")


@dataclass(frozen=True)
class Source:
    kind: str
    label: object
    query: Callable[[int], Select]
    url: Callable[[int], str] | None = None
    # Rewrites one page's events of this kind for the reader (their language, their money
    # format): given the events, returns them in the same order.
    present: Callable[[list[Event]], list[Event]] | None = None


_SOURCES: dict[str, Source] = {}


def register(
    kind: str,
    label: object,
    query: Callable[[int], Select],
    url: Callable[[int], str] | None = None,
    present: Callable[[list[Event]], list[Event]] | None = None,
) -> None:
    """Add (or replace) a kind of timeline event."""
    _SOURCES[kind] = Source(kind, label, query, url, present)


def kinds() -> list[Source]:
    return list(_SOURCES.values())


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str
    ref_id: int
    title: str
    body: str
    actor: str

    @property
    def source(self) -> Source | None:
        return _SOURCES.get(self.kind.split(":")[0])

    @property
    def url(self) -> str | None:
        source = self.source
        return source.url(self.ref_id) if source and source.url else None


def kind_column(kind: str):
    return literal(kind).label("kind")


def events(
    account_id: int, only: str | None = None, page: int = 1, per_page: int = 20
) -> tuple[list[Event], bool]:
    """One page of the account's events, newest first, and whether there is a next page."""
    sources = [s for s in _SOURCES.values() if not only or s.kind == only]
    if not sources:
        return [], False
    union = union_all(*(s.query(account_id) for s in sources)).subquery()
    stmt = (
        db.select(*(union.c[name] for name in COLUMNS))
        .order_by(union.c.at.desc(), union.c.ref_id.desc())
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    )
    rows = db.session.execute(stmt).all()
    out = [
        Event(_aware(r.at), r.kind, r.ref_id, r.title or "", r.body or "", r.actor or "")
        for r in rows[:per_page]
    ]
    for source in sources:
        places = [i for i, e in enumerate(out) if e.kind.split(":")[0] == source.kind]
        if source.present is not None and places:
            for i, event in zip(places, source.present([out[i] for i in places]), strict=True):
                out[i] = event
    return out, len(rows) > per_page


def _aware(value: datetime | str) -> datetime:
    """A union loses column types on some databases: read the time back as aware UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


INTERACTION_LABEL = _l("Interaction")


def event_label(kind: str) -> str:
    """The reader's-language name of an event kind ("interaction:call" names the call)."""
    from salesweb.customers.models import INTERACTION_KIND_LABELS

    head, _, sub = kind.partition(":")
    if head == "interaction" and sub:
        return str(INTERACTION_KIND_LABELS.get(sub, sub))
    source = _SOURCES.get(head)
    return str(source.label) if source else kind
