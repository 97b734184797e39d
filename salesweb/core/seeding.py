"""What a database starts from, registered by each area.

Two registries, run in order (lower first):

- starters: the reference data every company begins with (the standard sales process, the lost
  reasons, the compliance gates and rules, the survey templates). No person, account or deal.
  They run on a fresh install (`flask create-admin`, `flask init-company`) and before the demo.
- seeders: the demo company; `flask seed-demo` runs `seeders()`, the starters then these.

Every step must be safe to run twice: it adds what is missing and changes nothing that exists.
"""

from __future__ import annotations

from collections.abc import Callable

Seeder = Callable[[], None]
_STARTERS: list[tuple[int, str, Seeder]] = []
_SEEDERS: list[tuple[int, str, Seeder]] = []
# The demo's sign-ins as (e-mail, role), told by the area that seeds the demo users.
_DEMO_SIGN_INS: list[tuple[str, str]] = []
DEMO_PASSWORD = "demo-pass-2026"


def _add(steps: list[tuple[int, str, Seeder]], order: int, name: str, fn: Seeder) -> None:
    if all(existing != name for _, existing, _ in steps):
        steps.append((order, name, fn))


def _sorted(steps: list[tuple[int, str, Seeder]]) -> list[tuple[str, Seeder]]:
    return [(name, fn) for _, name, fn in sorted(steps, key=lambda item: item[0])]


def register_starter(order: int, name: str, starter: Seeder) -> None:
    """Add an area's reference data step (no demo record); lower order runs first."""
    _add(_STARTERS, order, name, starter)


def register(order: int, name: str, seeder: Seeder) -> None:
    """Add an area's demo data step; lower order runs first. Seeders must be safe to run twice."""
    _add(_SEEDERS, order, name, seeder)


def starters() -> list[tuple[str, Seeder]]:
    return _sorted(_STARTERS)


def seeders() -> list[tuple[str, Seeder]]:
    """Every step of the demo company: the starters first, then the demo's own steps."""
    return starters() + _sorted(_SEEDERS)


def run_starters() -> list[str]:
    """Add the reference data a company starts from; flushes, the caller commits."""
    done = []
    for name, starter in starters():
        starter()
        done.append(name)
    return done


def register_demo_sign_ins(sign_ins: list[tuple[str, str]]) -> None:
    """The demo users as (e-mail, role), for `flask demo-logins` to print."""
    for sign_in in sign_ins:
        if sign_in not in _DEMO_SIGN_INS:
            _DEMO_SIGN_INS.append(sign_in)


def demo_sign_ins() -> list[tuple[str, str]]:
    return list(_DEMO_SIGN_INS)
