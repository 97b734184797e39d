"""Whole numbers from URLs, query strings and forms, read the one safe way.

`str.isdigit()` accepts "²" (which `int()` refuses) and `int()` accepts "١" and numbers far
beyond any database integer; both turned hostile input into a 500. Here only ASCII digits
within bounds count; anything else is "not given" (a query value) or "not found" (a path).
"""

from __future__ import annotations

import re

from werkzeug.routing import IntegerConverter, Map

# The smallest of our databases' integer ranges (PostgreSQL INTEGER): an id beyond it names
# nothing, so it is answered as "not found" rather than handed to the database.
MAX_ID = 2**31 - 1
_WHOLE = re.compile(r"-?[0-9]{1,18}")


def parse_int(
    value: object, default: int | None = None, lo: int = 1, hi: int = MAX_ID
) -> int | None:
    """`value` as an int when it is ASCII digits (an optional minus) within lo..hi, else default."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        return default
    return number if lo <= number <= hi else default


def parse_id(value: object) -> int | None:
    """A record id from a query or form value, or None when it cannot name a record."""
    return parse_int(value)


class IdConverter(IntegerConverter):
    """`<int:...>` for every route: ASCII digits only (plain `\\d` matches "١"), 1..MAX_ID by
    default, so an unknown or absurd id is a 404 and never reaches the database."""

    regex = r"[0-9]{1,10}"

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = 1,
        max: int | None = MAX_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def refuse_nul_bytes() -> None:
    """400 for a NUL character in any query or form value: no text a person types holds one,
    and PostgreSQL refuses it in every text parameter (a 500 deep inside a query)."""
    from flask import abort, request
    from werkzeug.exceptions import RequestEntityTooLarge

    values = [*request.args.values(), *request.args.keys()]
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        try:
            form = request.form
        except RequestEntityTooLarge:
            return  # the view answers an oversize upload next to its field
        values += [*form.keys(), *(v for _k, v in form.items(multi=True))]
    if any("\x00" in value for value in values):
        abort(400)


def coerce_id(value: object) -> int:
    """`coerce=` for select fields naming records: anything that cannot be an id becomes 0,
    which names nothing (int() would pass "١" and 30-digit numbers on to the database)."""
    return parse_int(value, 0, lo=0) or 0
