"""Sections that a higher area adds to a lower area's page (the account page, the deal page,
the workbench at home).

The page renders a placeholder per registered panel that htmx fills after the page has loaded
(a plain link without JavaScript), so the page's own request stays small and the lower area
imports nothing of the higher one. The workbench is the page "home" with record None: each
area registers there the panels a person starts the day with (its tasks, its approvals).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

HOME = "home"


@dataclass(frozen=True)
class Panel:
    title: object
    url: Callable[[Any], str]
    visible: Callable[[Any, Any], bool]
    order: int = 100  # lower comes first on the page
    wide: bool = False  # takes two columns of the workbench grid where there is room


_PANELS: dict[str, list[Panel]] = {}


def register(
    page: str,
    title: object,
    url: Callable[[Any], str],
    visible: Callable[[Any, Any], bool],
    *,
    order: int = 100,
    wide: bool = False,
) -> None:
    """Add a panel to `page` ("account", "deal", "home"); `url(record)` answers with the panel.

    `visible(user, record)` must not query the database (it runs while the page renders).
    """
    _PANELS.setdefault(page, []).append(Panel(title, url, visible, order, wide))


def visible_panels(page: str, user: Any, record: Any) -> list[Panel]:
    """The panels of `page` this user may see for this record, in their order."""
    shown = [p for p in _PANELS.get(page, []) if p.visible(user, record)]
    return sorted(shown, key=lambda p: p.order)


def panels_for(page: str, user: Any, record: Any) -> list[tuple[object, str]]:
    """(title, url) of the panels of `page` that this user may see for this record."""
    return [(p.title, p.url(record)) for p in visible_panels(page, user, record)]
