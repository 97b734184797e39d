"""The demo company: each area registers a seeder; `flask seed-demo` runs them in order."""

from __future__ import annotations

from collections.abc import Callable

Seeder = Callable[[], None]
_SEEDERS: list[tuple[int, str, Seeder]] = []


def register(order: int, name: str, seeder: Seeder) -> None:
    """Add an area's demo data step; lower order runs first. Seeders must be safe to run twice."""
    if all(existing != name for _, existing, _ in _SEEDERS):
        _SEEDERS.append((order, name, seeder))


def seeders() -> list[tuple[str, Seeder]]:
    return [(name, fn) for _, name, fn in sorted(_SEEDERS, key=lambda item: item[0])]
