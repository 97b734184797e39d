"""Sections that a higher area adds to a lower area's page (the account page, the deal page,
the workbench at home).

The page renders a placeholder per registered panel that htmx fills after the page has loaded
(a plain link without JavaScript), so the page's own request stays small and the lower area
imports nothing of the higher one. The workbench is the page "home" with record None: each
area registers there the panels a person starts the day with (its tasks, its approvals).

A workbench panel is a GET endpoint of its area, declared for the roles that see it, answering
with `render_page("<area>/home_<noun>.html", block="panel", panel_title=..., ...)`; the template
extends "core/home_panel_page.html" (the panel as a page of its own, without JavaScript) and
fills its block "panel" with the `panel` macro of "_macros/workbench.html" (title, count, up to
five rows, "see all", an empty state that says what to do). Orders in use: 5 setup, 10 tasks,
20-36 queues and approvals, 40-60 deals, quotes, contracts and losses, 70-80 cases and training;
a panel registered without an order comes last.
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


# --- workbench panels: a few rows in the workbench, every row on a page of their own

PANEL_ROWS = 5


def rows_shown() -> int | None:
    """How many rows a workbench panel lists: a few when htmx puts it into the workbench, a full
    page of the list (None: the list's page size) when it is opened as a page of its own."""
    from salesweb.core.htmx import wants_fragment

    return PANEL_ROWS if wants_fragment() else None


def panel_context(title: object) -> dict[str, Any]:
    """What every workbench panel template is given: its title, and whether it is a whole page
    (then it lists every row, page by page, and needs no "see all" of its own)."""
    from salesweb.core.htmx import wants_fragment

    return {"panel_title": title, "panel_full": not wants_fragment()}


def list_panel(template: str, title: object, stmt: Any, **extra: Any) -> Any:
    """A panel of the rows `stmt` selects: a few in the workbench, every row page by page when
    the panel is opened as a page of its own (the template's block "panel")."""
    from salesweb.core.htmx import render_page
    from salesweb.core.pagination import paginate

    page = paginate(stmt, per_page=rows_shown())
    return render_page(template, block="panel", **panel_context(title), page=page, **extra)


def rows_of(items: list[Any]) -> Any:
    """A page of a list already in memory, as `rows_shown` says: a few rows, or all of them."""
    from salesweb.core.pagination import Page

    shown = items[: rows_shown() or len(items)]
    return Page(shown, 1, max(len(shown), 1), len(items))
