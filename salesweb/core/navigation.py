"""The main menu: each area registers its entries at blueprint setup; `base.html` renders them.

Entries sit in groups (one drop-down each, by area) so the bar stays one row high however many
areas are added; a group with a single visible entry is shown as a plain link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, current_app, request, url_for

EXTENSION = "salesweb.navigation"


def signed_in(user: Any) -> bool:
    """Every signed-in user: the default predicate of an entry."""
    return bool(user.is_authenticated)


@dataclass(frozen=True)
class Group:
    key: str
    label: object  # a lazy string, rendered in the reader's language
    order: int


@dataclass(frozen=True)
class Entry:
    label: object
    endpoint: str
    order: int
    group: Group | None = None  # None: a top-level link (Home)
    visible: Callable[[Any], bool] = signed_in
    # Endpoint prefixes that mark this entry as the current page; the endpoint itself if empty.
    current: tuple[str, ...] = ()

    def is_current(self, endpoint: str) -> bool:
        return any(endpoint.startswith(p) for p in self.current or (self.endpoint,))


@dataclass
class Link:
    label: object
    url: str
    current: bool


@dataclass
class MenuItem:
    """A plain link (no `links`) or a drop-down of `links`."""

    key: str
    label: object
    url: str = ""
    current: bool = False
    links: list[Link] = field(default_factory=list)


def _entries(app: Flask) -> list[Entry]:
    return app.extensions.setdefault(EXTENSION, [])


def register(bp: Blueprint, *entries: Entry) -> None:
    """Add `entries` to the menu of every app this blueprint is registered on."""

    @bp.record_once
    def _add(state: Any) -> None:
        _entries(state.app).extend(entries)


def menu(user: Any) -> list[MenuItem]:
    """The menu this user may see, in order, with the current page marked."""
    endpoint = request.endpoint or ""
    visible = sorted(
        (e for e in _entries(current_app) if e.visible(user)),
        key=lambda e: (e.group.order if e.group else e.order, e.order),
    )
    items: list[MenuItem] = []
    groups: dict[str, MenuItem] = {}
    for entry in visible:
        link = Link(entry.label, url_for(entry.endpoint), entry.is_current(endpoint))
        if entry.group is None:
            items.append(
                MenuItem(entry.endpoint.replace(".", "-"), link.label, link.url, link.current)
            )
            continue
        item = groups.get(entry.group.key)
        if item is None:
            item = groups[entry.group.key] = MenuItem(entry.group.key, entry.group.label)
            items.append(item)
        item.links.append(link)
        item.current = item.current or link.current
    for item in groups.values():
        if len(item.links) == 1:  # a drop-down of one entry is one more click for nothing
            only = item.links.pop()
            item.label, item.url = only.label, only.url
    return items
