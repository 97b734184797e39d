"""What an area adds to the page shell: its template globals, registered at blueprint setup.

Each area calls `register_globals(bp, ...)` in its `__init__.py` (its label dictionaries, the
`can_*` functions its templates ask), so adding an area touches no core file. A name taken
twice with different values is a programming error, refused when the application is built.
Template globals hand data to templates; none may run a query while a page renders (the views
pass query results in).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask.blueprints import BlueprintSetupState


def register_globals(bp: Blueprint, **values: Any) -> None:
    """Expose `values` to every template once `bp` is registered on an application."""

    def add(state: BlueprintSetupState) -> None:
        taken = state.app.jinja_env.globals
        clashes = sorted(k for k, v in values.items() if k in taken and taken[k] is not v)
        if clashes:
            raise RuntimeError(f"template global(s) registered twice: {', '.join(clashes)}")
        taken.update(values)

    bp.record_once(add)
