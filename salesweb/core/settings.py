"""The company's own settings, kept in the database and changed by an administrator.

One row: the company name and letterhead, the base currency, the default language and time
zone, the process template it started from, and when its first administrator set it up. A value
left empty falls back to the configuration (`SALESWEB_COMPANY_NAME`, `SALESWEB_BASE_CURRENCY`,
`SALESWEB_DEFAULT_LOCALE`, `SALESWEB_TIMEZONE`, ...), so an install that never opens the setup
page behaves as before. The values are read once per request (kept on `g`); a save refreshes them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import current_app, g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, String, exists, inspect, select
from sqlalchemy.orm import Mapped, mapped_column

from salesweb.core.errors import DomainError
from salesweb.core.models import (
    AuditedMixin,
    ExchangeRate,
    Money,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    check_version,
    utcnow,
)
from salesweb.extensions import db

ROW_ID = 1
# Setting -> the configuration key that answers while the setting is empty.
FALLBACKS = {
    "company_name": "SALESWEB_COMPANY_NAME",
    "company_address": "SALESWEB_COMPANY_ADDRESS",
    "company_phone": "SALESWEB_COMPANY_PHONE",
    "base_currency": "SALESWEB_BASE_CURRENCY",
    "default_locale": "SALESWEB_DEFAULT_LOCALE",
    "timezone": "SALESWEB_TIMEZONE",
}
EDITABLE = (*FALLBACKS, "process_template")
_CACHE = "_company_settings"

# Process templates a company can start from: key -> (label, apply). An area registers its
# own (the pipeline: "standard"); applying one adds what is missing and is safe twice.
_TEMPLATES: dict[str, tuple[Any, Callable[[], None]]] = {}


def register_process_template(key: str, label: Any, apply: Callable[[], None]) -> None:
    """Offer a process template on the setup page (label: a lazy string)."""
    _TEMPLATES.setdefault(key, (label, apply))


def process_templates() -> list[tuple[str, str]]:
    return [(key, str(label)) for key, (label, _apply) in _TEMPLATES.items()]


class CompanySettings(AuditedMixin, VersionedMixin, TimestampMixin, db.Model):
    __tablename__ = "company_settings"
    audit_kind = _l("Company settings")
    audit_labels = {
        "company_name": _l("Company name"),
        "company_address": _l("Letterhead address"),
        "company_phone": _l("Letterhead phone"),
        "base_currency": _l("Base currency"),
        "default_locale": _l("Default language"),
        "timezone": _l("Company time zone"),
        "process_template": _l("Process template"),
        "set_up_at": _l("Set up on"),
        "fiscal_start_month": _l("Fiscal year starts in"),
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    company_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    company_address: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    company_phone: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    base_currency: Mapped[str] = mapped_column(String(3), nullable=False, default="")
    default_locale: Mapped[str] = mapped_column(String(10), nullable=False, default="")
    timezone: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    process_template: Mapped[str] = mapped_column(String(40), nullable=False, default="standard")
    set_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The month (1-12) a fiscal year starts in: targets' years and quarters count from it.
    fiscal_start_month: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @property
    def audit_label(self) -> str:
        return self.company_name or str(_l("Company settings"))


def _stored() -> dict[str, Any]:
    """The saved values, read once per request (or command); {} before anything is saved."""
    cached = g.get(_CACHE)
    if cached is None:
        with db.session.no_autoflush:  # a read in the middle of a service flushes nothing
            row = db.session.get(CompanySettings, ROW_ID)
        cached = {"set_up_at": None}
        if row is not None:
            names = (*EDITABLE, "set_up_at", "fiscal_start_month")
            cached = {name: getattr(row, name) for name in names}
        setattr(g, _CACHE, cached)
    return cached


def forget() -> None:
    """Read the settings afresh at the next use (after a save, or a test that changes them)."""
    g.pop(_CACHE, None)


def get(name: str) -> str:
    """A setting's value, or the configuration's while it is empty."""
    value = _stored().get(name) or ""
    if value or name not in FALLBACKS:
        return value
    return current_app.config.get(FALLBACKS[name], "") or ""


def fiscal_start_month() -> int:
    """The month (1-12) the company's fiscal year starts in; January until one is saved."""
    month = _stored().get("fiscal_start_month") or 1
    return month if 1 <= month <= 12 else 1


def is_set_up() -> bool:
    """Whether an administrator has saved the setup page once."""
    return _stored().get("set_up_at") is not None


def load() -> CompanySettings:
    """The settings row to edit: the saved one, or a new one showing the configuration's values."""
    row = db.session.get(CompanySettings, ROW_ID)
    if row is None:
        row = CompanySettings(id=ROW_ID, process_template="standard")
        for name in FALLBACKS:
            setattr(row, name, get(name))
    return row


def money_record_kinds() -> list[str]:
    """Tables that hold amounts already converted to the base currency (a `base_...` money
    column: deals, contracts, orders) and have at least one row."""
    found = []
    for table in db.metadata.sorted_tables:
        converted = any(
            c.name.startswith("base_") and isinstance(c.type, Money) for c in table.columns
        )
        if converted and db.session.scalar(select(exists().select_from(table))):
            found.append(table.name)
    return found


def _check_currency_may_change() -> None:
    """Amounts already converted, and rates stated against the base currency, would silently
    mean something else under another one: refuse instead."""
    current = get("base_currency")
    if money_record_kinds():
        raise DomainError(
            _(
                "The base currency cannot change: deals, contracts or orders already hold amounts "
                "converted to %(currency)s.",
                currency=current,
            ),
            field="base_currency",
        )
    if db.session.scalar(select(exists().select_from(ExchangeRate))):
        raise DomainError(
            _(
                "The base currency cannot change: the exchange rates are stated in %(currency)s.",
                currency=current,
            ),
            field="base_currency",
        )


def save_settings(actor: Any, row: CompanySettings, version: int | None, **fields: Any) -> None:
    """Save the company settings (audited); the base currency is fixed once money is recorded."""
    if inspect(row).persistent:
        check_version(row, version)
    currency = (fields.get("base_currency") or "").upper()
    if currency and currency != get("base_currency"):
        _check_currency_may_change()
    template = fields.get("process_template") or "standard"
    if template not in _TEMPLATES:
        raise DomainError(
            _("Choose one of the offered process templates."), field="process_template"
        )
    for name in EDITABLE:
        if name in fields:
            setattr(row, name, (fields[name] or "").strip())
    row.base_currency = currency
    row.process_template = template
    if fields.get("fiscal_start_month"):
        row.fiscal_start_month = int(fields["fiscal_start_month"])
    if row.set_up_at is None:
        row.set_up_at = utcnow()
    db.session.add(row)
    _TEMPLATES[template][1]()
    db.session.flush()
    forget()
