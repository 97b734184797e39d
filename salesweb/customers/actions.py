"""Buttons that higher areas add to the account page ("New deal", "Deals of this account").

customers may not import those areas; they register here at blueprint setup instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AccountAction:
    label: object
    url: Callable[[Any], str]
    visible: Callable[[Any, Any], bool]
    primary: bool = False


_ACTIONS: list[AccountAction] = []


def register(
    label: object,
    url: Callable[[Any], str],
    visible: Callable[[Any, Any], bool],
    primary: bool = False,
) -> None:
    _ACTIONS.append(AccountAction(label, url, visible, primary))


def for_account(user: Any, account: Any) -> list[tuple[object, str, bool]]:
    """(label, url, primary) of the actions this user may take on this account."""
    return [(a.label, a.url(account), a.primary) for a in _ACTIONS if a.visible(user, account)]
