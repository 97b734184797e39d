"""Task titles the system writes for a person, read in the reader's language.

A generated task stores a key and its parameters (`Task.title_key`, `Task.title_params`), not
text in the language of whoever triggered it. The area that creates such tasks registers its
keys here (a lazy message with `%(name)s` placeholders, or a function of the parameters); the
title column keeps the text as written, which is what a user-typed title shows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from salesweb.core.i18n import bilingual

Renderer = Callable[[Mapping[str, Any]], str]

_TITLES: dict[str, Renderer] = {}


def register(key: str, message: Any) -> None:
    """Add (or replace) a generated title: a lazy message with `%(name)s` placeholders."""
    _TITLES[key] = lambda params: str(message) % dict(params)


def register_renderer(key: str, renderer: Renderer) -> None:
    """Add (or replace) a generated title built by a function of its parameters."""
    _TITLES[key] = renderer


def render(key: str | None, params: Mapping[str, Any] | None, fallback: str) -> str:
    """The title in the active language; the stored text when the key is unknown or its
    parameters do not fit (a key retired by a later version still shows something)."""
    renderer = _TITLES.get(key or "")
    if renderer is None:
        return fallback
    try:
        return renderer(params or {}) or fallback
    except (KeyError, TypeError, ValueError):
        return fallback


def known(key: str) -> bool:
    return key in _TITLES


# Configured bilingual text (a stage's checklist step): both languages travel with the task.
register_renderer("bilingual", lambda p: bilingual(str(p.get("zh", "")), str(p.get("en", ""))))
