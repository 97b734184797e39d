"""Writing a batch of new records in one INSERT, built first as ORM objects by the models' rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import inspect


def column_values(objs: Sequence[Any]) -> list[dict[str, Any]]:
    """The column values of new (transient) objects of one model, every row with the same keys
    so that the batch goes in a few statements; a column left unset takes its default."""
    if not objs:
        return []
    columns = [
        (attr.key, attr.columns[0].default)
        for attr in inspect(type(objs[0])).column_attrs
        if not attr.columns[0].primary_key
    ]
    rows = []
    for obj in objs:
        # A transient object's values are all in its own dict: no attribute machinery needed.
        values = obj.__dict__
        row = {}
        for key, default in columns:
            value = values.get(key)
            if value is None and default is not None:
                # A callable default (utcnow) is wrapped by SQLAlchemy to take a context.
                value = default.arg(None) if default.is_callable else default.arg
            row[key] = value
        rows.append(row)
    return rows
