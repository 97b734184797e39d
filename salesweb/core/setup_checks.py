"""What a company still has to set up, asked of each area: the administrator's workbench lists
the steps that are still missing (no team yet, no product, no rate for a used currency).

Each area registers its checks at import, like its panels: `register(key, check, endpoint)`,
where `check()` answers None when the step is done, else the sentence saying what to do (in
the reader's language), and `endpoint` is the page that does it. A check asks the database
once at most.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    key: str
    check: Callable[[], str | None]
    endpoint: str
    order: int = 100


@dataclass(frozen=True)
class Step:
    key: str
    todo: str
    endpoint: str


_CHECKS: dict[str, Check] = {}


def register(key: str, check: Callable[[], str | None], endpoint: str, *, order: int = 100) -> None:
    """Add a setup check (a second registration of the same key replaces the first)."""
    _CHECKS[key] = Check(key, check, endpoint, order)


def checks() -> list[Check]:
    return sorted(_CHECKS.values(), key=lambda c: (c.order, c.key))


def missing_steps() -> tuple[list[Step], int]:
    """The setup steps still to do, in order, and how many steps there are in all."""
    found = [(c, c.check()) for c in checks()]
    return [Step(c.key, todo, c.endpoint) for c, todo in found if todo], len(found)
