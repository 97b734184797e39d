"""The audit trail as a person reads it: field labels, linked records by name, values formatted
as on the page, secrets and internal columns left out."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import format_date, format_datetime, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import Column, inspect, select
from sqlalchemy.orm.util import identity_key

from salesweb.core.audit import (
    EVENT_CHOICES,
    EVENT_LABELS,
    EVENT_LINKS,
    action_label,
    history_for,
)
from salesweb.core.i18n import LOCALE_NAMES, join_list
from salesweb.core.models import AuditLog
from salesweb.core.money import base_currency, format_money
from salesweb.extensions import db

# Who acted when no one was signed in: stored as plain words, shown in the reader's language
# (command-line actors keep the name of their command, e.g. "seed-demo").
UNSIGNED_ACTORS: dict[str, Any] = {
    "anonymous": _l("a visitor (not signed in)"),
    "system": _l("the system"),
}

# Columns many record kinds share; a model's own `audit_labels` win over these.
COMMON_LABELS: dict[str, Any] = {
    "name_zh": _l("Name (Chinese)"),
    "name_en": _l("Name (English)"),
    "title": _lp("heading", "Title"),
    "title_zh": _l("Title (Chinese)"),
    "title_en": _l("Title (English)"),
    "description": _l("Description"),
    "description_zh": _l("Description (Chinese)"),
    "description_en": _l("Description (English)"),
    "code": _l("Code"),
    "number": _l("Number"),
    "status": _l("Status"),
    "kind": _l("Kind"),
    "active": _lp("record state", "Active"),
    "position": _l("Position"),
    "owner_id": _l("Owner"),
    "user_id": _l("Person"),
    "team_id": _l("Team"),
    "account_id": _l("Account"),
    "contact_id": _l("Contact"),
    "deal_id": _l("Deal"),
    "contract_id": _l("Contract"),
    "course_id": _l("Course"),
    "survey_id": _l("Survey"),
    "task_id": _l("Task"),
    "review_id": _l("Review"),
    "created_by_id": _l("Created by"),
    "uploaded_by_id": _l("Uploaded by"),
    "author_id": _l("Author"),
    "currency": _l("Currency"),
    "notes": _l("Notes"),
    "comment": _l("Comment"),
    "reason": _l("Reason"),
    "email": _lp("address", "E-mail"),
    "phone": _l("Phone"),
    "locale": _l("Language"),
    "source": _l("Source"),
    "severity": _l("Severity"),
    "next_step": _l("Next step"),
    "revision": _l("Revision"),
    "digest": _l("Content fingerprint"),
    "filename": _l("File name"),
    "size": _l("Size (bytes)"),
    "mime": _l("File type"),
    "sha256": _l("File fingerprint"),
    "external_id": _l("ID in the source system"),
    "deleted_at": _l("Deleted on"),
}
COMMON_CHOICES: dict[str, Mapping[str, Any]] = {"locale": LOCALE_NAMES, "language": LOCALE_NAMES}
# Bookkeeping columns nobody reads in a history (secrets are left out by `is_secret`).
HIDDEN = frozenset(
    {"id", "created_at", "updated_at", "version", "search_text", "stored_name", "phone_key"}
    | {"email_domain"}
)
# A fingerprint is shown shortened, the whole of it in the element's title.
HASH_LIKE = re.compile(r"^[0-9a-f]{32,}$")
HASH_SHOWN = 12
NAME_ATTRIBUTES = ("display_name", "name", "label", "title", "number")


def is_secret(key: str) -> bool:
    """Columns whose value, even masked, has no place in front of a reader."""
    return key.endswith("_hash") or "token" in key or "password" in key


@dataclass(frozen=True)
class Value:
    text: str
    full: str = ""  # the whole value when `text` is shortened


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: Value
    new: Value


@dataclass(frozen=True)
class Entry:
    row: AuditLog
    actor: str
    action: str
    changes: list[Change]


_models: dict[str, type] = {}


def model_for(record_type: str) -> type | None:
    """The mapped class behind a table name (no area import: read from the mapper registry)."""
    if record_type not in _models:  # models imported since the last look are added
        for mapper in db.Model.registry.mappers:
            table = getattr(mapper.class_, "__tablename__", None)
            if table:
                _models[table] = mapper.class_
    return _models.get(record_type)


def kind_label(record_type: str) -> str:
    """The reader's-language name of a kind of record ("Deal" for `deals`)."""
    kind = getattr(model_for(record_type), "audit_kind", None)
    return str(kind) if kind else record_type


def label_for(model: type | None, key: str) -> str | None:
    """The label of a changed field, or None when the field is not for readers."""
    if is_secret(key):
        return None
    own = getattr(model, "audit_labels", {})
    if key in getattr(model, "audit_hidden", ()):
        return None
    if key in own:
        return str(own[key])
    if key in HIDDEN:
        return None
    label = COMMON_LABELS.get(key, EVENT_LABELS.get(key))
    return str(label) if label is not None else None


def _column(model: type | None, key: str) -> Column | None:
    table = getattr(model, "__table__", None)
    return table.c.get(key) if table is not None else None


def _target(column: Column | None, key: str = "") -> str | None:
    """The table a value points into: the column's foreign key, or an event key's link."""
    for fk in column.foreign_keys if column is not None else ():
        return fk.column.table.name
    return EVENT_LINKS.get(key)


def _python_type(column: Column) -> type | None:
    # A TypeDecorator (UTCDateTime) answers for the type it wraps.
    try:
        return getattr(column.type, "impl", column.type).python_type
    except NotImplementedError:
        return None


def _legacy_list(value: Any) -> Any:
    # Rows written before lists were kept as lists hold their Python spelling ("['a', 'b']").
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
        return parsed if isinstance(parsed, list) else value
    return value


def _as_id(value: Any) -> int | None:
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def name_of(obj: Any) -> str:
    for attribute in NAME_ATTRIBUTES:
        value = getattr(obj, attribute, None)
        if value:
            return str(value)
    return str(getattr(obj, "audit_label", "") or f"#{obj.id}")


def _in_session(model: type, ident: int) -> Any:
    obj = db.session.identity_map.get(identity_key(model, ident))
    return obj if obj is not None and not inspect(obj).expired_attributes else None


def _load(wanted: Mapping[str, set[int]]) -> dict[str, dict[int, Any]]:
    """The referenced records: those the page loaded already, the rest one query per table."""
    out: dict[str, dict[int, Any]] = {}
    for table, ids in wanted.items():
        model = model_for(table)
        if model is None or not ids:
            continue
        known = {i: obj for i in ids if (obj := _in_session(model, i)) is not None}
        missing = sorted(ids - known.keys())
        if missing:
            found = db.session.scalars(select(model).where(model.id.in_(missing))).unique()
            known.update((obj.id, obj) for obj in found)
        out[table] = known
    return out


def _pair(value: Any) -> tuple[Any, Any]:
    if isinstance(value, list | tuple) and len(value) == 2:
        return value[0], value[1]
    return None, value


class _Formatter:
    """Formats one row's values; knows the row's model and the records loaded for the panel."""

    def __init__(self, row: AuditLog, model: type | None, loaded: dict[str, dict[int, Any]]):
        self.row, self.model, self.loaded = row, model, loaded

    def value(self, key: str, side: int, value: Any) -> Value:
        value = _legacy_list(value)
        if value is None or value == "" or value == []:
            return Value("—")
        choices = (
            getattr(self.model, "audit_choices", {}).get(key)
            or EVENT_CHOICES.get(key)
            or COMMON_CHOICES.get(key)
        )
        if isinstance(value, list):
            items = [str(choices.get(v, v)) if choices else str(v) for v in value]
            return Value(join_list(items))
        if isinstance(value, dict):
            return Value("; ".join(f"{k}: {v}" for k, v in value.items()))
        if choices is not None:
            return Value(str(choices.get(value, value)))
        column = _column(self.model, key)
        target = _target(column, key)
        if target:
            obj = self.loaded.get(target, {}).get(_as_id(value))
            return Value(name_of(obj) if obj is not None else f"#{value}")
        if isinstance(value, bool) or (column is not None and _python_type(column) is bool):
            return Value(_("Yes") if value else _("No"))
        if column is not None:
            typed = self._typed(key, side, column, value)
            if typed is not None:
                return Value(typed)
        text = str(value)
        if HASH_LIKE.match(text):
            return Value(text[:HASH_SHOWN] + "…", full=text)
        return Value(text)

    def _typed(self, key: str, side: int, column: Column, value: Any) -> str | None:
        kind = _python_type(column)
        try:
            if kind is datetime:
                return format_datetime(datetime.fromisoformat(value), "short")
            if kind is date:
                return format_date(date.fromisoformat(value), "medium")
            if kind is Decimal:
                amount = Decimal(str(value))
                currency = self.currency(key, side)
                return format_money(amount, currency) if currency else format_decimal(amount)
        except (TypeError, ValueError, InvalidOperation):
            return None
        return None

    def currency(self, key: str, side: int) -> str | None:
        money = getattr(self.model, "audit_money", {})
        if key not in money:
            return None
        if not money[key]:
            return base_currency()
        changed = _pair(self.row.changes.get(money[key]))[side]
        if changed:
            return str(changed)
        record = self.loaded.get(self.row.record_type, {}).get(_as_id(self.row.record_id))
        return getattr(record, money[key], None) or base_currency()


def present(rows: Iterable[AuditLog]) -> list[Entry]:
    """Audit rows as a reader sees them; linked records are named with one query per table."""
    plans = []
    wanted: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        model = model_for(row.record_type)
        fields = []
        for key, value in (row.changes or {}).items():
            label = label_for(model, key)
            if label is None:
                continue
            target = _target(_column(model, key), key)
            if target:
                wanted[target].update(i for i in map(_as_id, _pair(value)) if i is not None)
            currency_column = getattr(model, "audit_money", {}).get(key)
            if currency_column and currency_column not in row.changes:
                wanted[row.record_type].add(_as_id(row.record_id) or 0)
            fields.append((key, label, _pair(value)))
        if row.actor_id:
            wanted["users"].add(row.actor_id)
        plans.append((row, model, fields))
    loaded = _load(wanted)
    users = loaded.get("users", {})
    entries = []
    for row, model, fields in plans:
        fmt = _Formatter(row, model, loaded)
        changes = [
            Change(key, label, fmt.value(key, 0, old), fmt.value(key, 1, new))
            for key, label, (old, new) in fields
        ]
        actor = users.get(row.actor_id)
        who = (
            name_of(actor) if actor else str(UNSIGNED_ACTORS.get(row.actor_label, row.actor_label))
        )
        entries.append(Entry(row, who, action_label(row.action), changes))
    return entries


def record_history(record_type: str, record_id: Any, limit: int = 50) -> list[Entry]:
    """The readable history of one record, for its page's history fragment."""
    return present(history_for(record_type, record_id, limit))
