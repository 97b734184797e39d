"""What the product and deal importers share: how a value that matches nothing is told."""

from __future__ import annotations

from flask_babel import gettext as _

from salesweb.core.importing import RowError, cells


def loose_key(text: str) -> str:
    """Letters and digits only: "GTXPro" and "GTX Pro" look alike (for a hint, never a match)."""
    return "".join(ch for ch in cells.name_key(text) if ch.isalnum())


def no_match(message: str, field_key: str, value: str, closest: str | None) -> RowError:
    """A value that matches nothing; when one record looks alike, say how to map it."""
    if closest:
        message += " " + _(
            "Did you mean “%(other)s”? Then map the value: %(mapping)s",
            other=closest,
            mapping=f"{field_key}:{value}={closest}",
        )
    return RowError(message)
