"""The audit trail: every create, update and (soft) delete of an audited record, same transaction."""

from __future__ import annotations

import enum
import warnings
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import g, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from salesweb.core.models import AuditedMixin, AuditLog, utcnow

MASKED = "••••••"

ACTION_LABELS: dict[str, Any] = {
    "create": _l("created"),
    "update": _l("changed"),
    "delete": _l("deleted"),
    "restore": _l("restored"),
    "purge": _l("removed for good"),
    "sign_in": _l("signed in"),
    "signed_out": _l("signed out everywhere"),
    "sign_in_failed": _l("sign-in failed"),
    "sign_in_refused": _l("sign-in refused (locked or inactive)"),
    "locked": _l("locked after failed sign-ins"),
    "password_changed": _l("changed own password"),
    "password_reset": _l("password set by an administrator"),
    "claim": _l("claimed from the public pool"),
    "assign": _l("assigned"),
    "release": _l("returned to the public pool"),
    "reclaim": _l("reclaimed to the public pool"),
}

# What the keys of explicit events (log_event) mean, for every record kind; a model's own
# columns are labelled on the model (`audit_labels`).
EVENT_LABELS: dict[str, Any] = {}
# Value labels of event keys whose values are codes (a role, a kind).
EVENT_CHOICES: dict[str, Mapping[str, Any]] = {}
# Event keys whose values are ids of another table's records, shown by the record's name.
EVENT_LINKS: dict[str, str] = {}


def register_actions(labels: Mapping[str, Any]) -> None:
    """Name an area's audit actions in the reader's language (called at import by the area)."""
    ACTION_LABELS.update(labels)


def register_event_fields(
    labels: Mapping[str, Any],
    choices: Mapping[str, Mapping[str, Any]] | None = None,
    links: Mapping[str, str] | None = None,
) -> None:
    """Label the keys an area's explicit events write, the codes some of them hold, and the
    tables the ids of others point into."""
    EVENT_LABELS.update(labels)
    EVENT_LINKS.update(links or {})
    for key, values in (choices or {}).items():
        # Two areas may name codes of one key (a role approval, a credit approval).
        EVENT_CHOICES[key] = {**EVENT_CHOICES.get(key, {}), **values}


def action_label(action: str) -> str:
    """The reader's-language name of an audit action; areas add theirs with register_actions."""
    return str(ACTION_LABELS.get(action, action))


def _check_named(action: str, obj: Any, changes: Mapping[str, Any] | None = None) -> None:
    # A code written without a label would reach the history panel raw: tests turn this
    # warning into a failure on every path they exercise.
    from salesweb.core.history import label_for  # history reads this module's registries

    if action not in ACTION_LABELS:
        warnings.warn(f"audit action {action!r} has no label", stacklevel=3)
    for key in changes or {}:
        if label_for(type(obj), key) is None:
            warnings.warn(f"audit event key {key!r} has no label", stacklevel=3)


def plain(value: Any) -> Any:
    """A JSON-safe rendering of a column value."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    return str(value)


def actor() -> tuple[int | None, str, str | None]:
    """Who is acting, and from which address: the signed-in user, or a named CLI actor."""
    override = g.get("audit_actor") if _has_g() else None
    if override:
        return override
    if has_request_context():
        ip = request.remote_addr
        if current_user and current_user.is_authenticated:
            return current_user.id, current_user.email, ip
        return None, "anonymous", ip
    return None, "system", None


def _has_g() -> bool:
    try:
        g.get("x")
    except RuntimeError:
        return False
    return True


def set_cli_actor(label: str) -> None:
    """Record CLI changes under a recognisable label instead of 'system'."""
    g.audit_actor = (None, label, None)


def _record_type(obj: Any) -> str:
    return obj.__tablename__


def _changes(obj: AuditedMixin, created: bool) -> dict[str, list[Any]]:
    state = inspect(obj)
    out: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in obj.__audit_exclude__:
            continue
        if created:  # no history to read: bulk imports build thousands of these
            value = getattr(obj, key)
            if value is None or value == "" or key == "id":
                continue
            out[key] = [None, MASKED if key in obj.__audit_mask__ else plain(value)]
            continue
        hist = state.attrs[key].history
        if hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if plain(old) == plain(new):
                continue
            if key in obj.__audit_mask__:
                out[key] = [MASKED, MASKED]
            else:
                out[key] = [plain(old), plain(new)]
    return out


def _action_for(changes: dict[str, list[Any]]) -> str:
    if "deleted_at" in changes:
        old, new = changes["deleted_at"]
        if old is None and new is not None:
            return "delete"
        if old is not None and new is None:
            return "restore"
    return "update"


def _row(action: str, obj: Any, changes: dict, by: Any = None) -> dict[str, Any]:
    actor_id, label, ip = actor()
    if by is not None:  # a person acting before they are signed in (their own sign-in)
        actor_id, label = by.id, by.email
    return {
        "created_at": utcnow(),
        "actor_id": actor_id,
        "actor_label": label,
        "action": action,
        "record_type": _record_type(obj),
        "record_id": str(obj.id),
        "record_label": (obj.audit_label or "")[:200],
        "changes": changes,
        "ip": ip,
    }


def name_change(obj: Any, action: str) -> None:
    """Name the next automatic audit row of `obj` (e.g. "claim" instead of "update")."""
    _check_named(action, obj)
    obj.__dict__["_audit_action"] = action


def log_event(action: str, obj: Any, changes: dict | None = None, by: Any = None) -> None:
    """Write an explicit audit row (sign-in, claim, password reset) in the current transaction;
    `by` names the actor when the request has none yet."""
    from salesweb.extensions import db

    _check_named(action, obj, changes)
    db.session.add(AuditLog(**_row(action, obj, changes or {}, by)))


def _after_flush(session: Session, _ctx: Any) -> None:
    rows = []
    for obj in session.new:
        if isinstance(obj, AuditedMixin):
            rows.append(_row("create", obj, _changes(obj, created=True)))
    for obj in session.dirty:
        if isinstance(obj, AuditedMixin) and session.is_modified(obj, include_collections=False):
            changes = _changes(obj, created=False)
            named = obj.__dict__.pop("_audit_action", None)
            if changes:
                rows.append(_row(named or _action_for(changes), obj, changes))
    for obj in session.deleted:
        if isinstance(obj, AuditedMixin):
            rows.append(_row("purge", obj, {}))
    if rows:
        session.connection().execute(AuditLog.__table__.insert(), rows)


def install(session_factory: Any) -> None:
    """Attach the audit listener to every session the app makes."""
    if not event.contains(session_factory, "after_flush", _after_flush):
        event.listen(session_factory, "after_flush", _after_flush)


def history_for(record_type: str, record_id: Any, limit: int = 50) -> list[AuditLog]:
    """The newest audit rows of one record, for a record page's history fragment."""
    from salesweb.extensions import db

    stmt = (
        db.select(AuditLog)
        .where(AuditLog.record_type == record_type, AuditLog.record_id == str(record_id))
        .order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def log_created(objs: Iterable[AuditedMixin]) -> None:
    """The "create" rows of new records that an importer inserted in bulk (with their ids set):
    the flush listener never sees those, and the rows must read as if it had."""
    from salesweb.extensions import db

    rows = [_row("create", obj, _changes(obj, created=True)) for obj in objs]
    if rows:
        db.session.execute(AuditLog.__table__.insert(), rows)
