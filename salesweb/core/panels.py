"""Sections that a higher area adds to a lower area's page (the account page, the deal page).

The page renders a placeholder per registered panel that htmx fills after the page has loaded
(a plain link without JavaScript), so the page's own request stays small and the lower area
imports nothing of the higher one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Panel:
    title: object
    url: Callable[[Any], str]
    visible: Callable[[Any, Any], bool]


_PANELS: dict[str, list[Panel]] = {}


def register(
    page: str, title: object, url: Callable[[Any], str], visible: Callable[[Any, Any], bool]
) -> None:
    """Add a panel to `page` ("account", "deal"); `url(record)` answers with the panel."""
    _PANELS.setdefault(page, []).append(Panel(title, url, visible))


def panels_for(page: str, user: Any, record: Any) -> list[tuple[object, str]]:
    """(title, url) of the panels of `page` that this user may see for this record."""
    return [(p.title, p.url(record)) for p in _PANELS.get(page, []) if p.visible(user, record)]
