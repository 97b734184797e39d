"""Accounts, contacts, interactions, follow-up tasks, orders and pool notices."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from salesweb.auth.models import User
from salesweb.core.errors import DomainError
from salesweb.core.models import (
    AuditedMixin,
    Money,
    SoftDeleteMixin,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    utcnow,
)
from salesweb.extensions import db


class AccountType(StrEnum):
    PROSPECT = "prospect"
    CUSTOMER = "customer"
    PARTNER = "partner"
    CHURNED = "churned"


ACCOUNT_TYPE_LABELS = {
    AccountType.PROSPECT: _l("Prospect"),
    AccountType.CUSTOMER: _lp("account type", "Customer"),
    AccountType.PARTNER: _l("Partner"),
    AccountType.CHURNED: _l("Churned"),
}


class InteractionKind(StrEnum):
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    VISIT = "visit"
    WECHAT = "wechat"
    SOCIAL = "social"
    OTHER = "other"


INTERACTION_KIND_LABELS = {
    InteractionKind.CALL: _l("Call"),
    InteractionKind.EMAIL: _lp("channel", "E-mail"),
    InteractionKind.MEETING: _l("Meeting"),
    InteractionKind.VISIT: _l("Visit"),
    InteractionKind.WECHAT: _l("WeChat"),
    InteractionKind.SOCIAL: _l("Social media"),
    InteractionKind.OTHER: _l("Other"),
}

DIRECTION_LABELS = {"outbound": _l("Outbound"), "inbound": _l("Inbound")}

CHANNEL_LABELS = {
    "phone": _l("Phone"),
    "email": _lp("channel", "E-mail"),
    "wechat": _l("WeChat"),
    "visit": _l("Visit"),
}


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


PRIORITY_LABELS = {
    Priority.LOW: _l("Low"),
    Priority.NORMAL: _l("Normal"),
    Priority.HIGH: _l("High"),
}

_LEGAL_SUFFIXES = re.compile(
    r"(有限责任公司|股份有限公司|有限公司|集团|公司|co\.?,? ?ltd\.?|ltd\.?|limited|inc\.?|"
    r"corp\.?|corporation|llc|gmbh|plc|company)$"
)
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise_name(name: str) -> str:
    """A key for duplicate detection: width-folded, lower case, no punctuation or legal suffix."""
    text = unicodedata.normalize("NFKC", name or "").lower().strip()
    text = _NON_WORD.sub("", text)
    previous = None
    while previous != text:
        previous = text
        text = _LEGAL_SUFFIXES.sub("", text)
    return text or _NON_WORD.sub("", unicodedata.normalize("NFKC", name or "").lower())


def normalise_phone(phone: str | None) -> str:
    """Digits only, without the China country code or trunk 0, so that +86 21 5555 0000 and
    021-5555 0000 give the same key (duplicate detection and search)."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) >= 11:
        digits = digits[2:]
    return digits[1:] if digits.startswith("0") else digits


def email_domain(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    return email.rsplit("@", 1)[1].strip().lower() or None


# Free-mail domains say nothing about which company a person works for.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "qq.com",
        "163.com",
        "126.com",
        "gmail.com",
        "outlook.com",
        "hotmail.com",
        "yahoo.com",
        "sina.com",
        "sohu.com",
        "foxmail.com",
        "icloud.com",
        "aliyun.com",
        "139.com",
        "yeah.net",
    }
)


def search_text_of(*parts: str | None) -> str:
    """The lower-case, width-folded text that list searches match with LIKE."""
    return " ".join(unicodedata.normalize("NFKC", p).lower() for p in parts if p)[:1000]


class Account(AuditedMixin, VersionedMixin, SoftDeleteMixin, TimestampMixin, db.Model):
    __tablename__ = "accounts"
    audit_kind = _l("Account")
    audit_labels = {
        "name": _l("Account name"),
        "type": _l("Type"),
        "industry": _l("Industry"),
        "segment": _l("Segment"),
        "region": _l("Region"),
        "country": _l("Country"),
        "employees": _l("Employees"),
        "annual_revenue": _l("Annual revenue"),
        "revenue_currency": _l("Revenue currency"),
        "tags": _l("Tags"),
        "website": _l("Website"),
        "address": _l("Address"),
        "credit_limit": _l("Credit limit"),
        "credit_currency": _l("Credit limit currency"),
        "owner_since": _l("Owner since"),
    }
    audit_choices = {"type": ACCOUNT_TYPE_LABELS}
    audit_money = {"annual_revenue": "revenue_currency", "credit_limit": "credit_currency"}
    __audit_exclude__ = frozenset(
        {
            "created_at",
            "updated_at",
            "version",
            "search_text",
            "name_key",
            "phone_key",
            "last_interaction_at",
            "import_job_id",
        }
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    name_key: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    type: Mapped[str] = mapped_column(String(20), nullable=False, default=AccountType.PROSPECT)
    industry: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    segment: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    region: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    country: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    employees: Mapped[int | None] = mapped_column(Integer)
    annual_revenue: Mapped[Decimal | None] = mapped_column(Money)
    revenue_currency: Mapped[str] = mapped_column(String(3), nullable=False, default="CNY")
    source: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    tags: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    phone: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    phone_key: Mapped[str] = mapped_column(String(40), nullable=False, default="", index=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    email_domain: Mapped[str | None] = mapped_column(String(120), index=True)
    website: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    address: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    credit_limit: Mapped[Decimal | None] = mapped_column(Money)
    credit_currency: Mapped[str] = mapped_column(String(3), nullable=False, default="CNY")
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    owner_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_interaction_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    search_text: Mapped[str] = mapped_column(String(1000), nullable=False, default="")
    # The import that created or last changed the account: its result lists them (pool, team).
    import_job_id: Mapped[int | None] = mapped_column(ForeignKey("import_jobs.id"))

    owner: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[owner_id])
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="account",
        primaryjoin="and_(Contact.account_id == Account.id, Contact.deleted_at.is_(None))",
        order_by="(Contact.is_primary.desc(), Contact.name)",
        viewonly=True,
    )

    __table_args__ = (
        # Lists filter by scope (owner) and liveness, then sort: these serve the common pages.
        Index("ix_accounts_owner_live_name", "owner_id", "deleted_at", "name"),
        Index("ix_accounts_live_name", "deleted_at", "name"),
        Index("ix_accounts_owner_last", "owner_id", "last_interaction_at"),
        Index("ix_accounts_live_updated", "deleted_at", "updated_at"),
        Index("ix_accounts_type", "type"),
        Index("ix_accounts_industry", "industry"),
        Index("ix_accounts_region", "region"),
        Index("ix_accounts_segment", "segment"),
        Index("ix_accounts_last_interaction", "last_interaction_at"),
        # The industry and region drop-downs of a team's list: read from the index alone.
        Index("ix_accounts_owner_live_industry", "owner_id", "deleted_at", "industry"),
        Index("ix_accounts_owner_live_region", "owner_id", "deleted_at", "region"),
        # Live search in a rep's or a team's accounts reads the index, not the rows.
        Index("ix_accounts_owner_live_search", "owner_id", "deleted_at", "search_text"),
        Index("ix_accounts_import_job", "import_job_id"),
    )

    def __str__(self) -> str:
        return self.name

    @property
    def in_pool(self) -> bool:
        return self.owner_id is None

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(",") if t]

    @staticmethod
    def pack_tags(tags: list[str] | str) -> str:
        """Tags are stored as ',a,b,' so that one tag can be matched with LIKE '%,a,%'."""
        items = tags.replace("，", ",").split(",") if isinstance(tags, str) else tags
        clean = sorted({t.strip()[:40] for t in items if t and t.strip()})
        return f",{','.join(clean)}," if clean else ""

    def refresh_keys(self) -> None:
        """Recompute the derived search and duplicate keys after a change of name or contacts."""
        self.name_key = normalise_name(self.name)
        self.phone_key = normalise_phone(self.phone)
        self.email_domain = email_domain(self.email)
        self.search_text = search_text_of(self.name, self.phone_key, self.email)


class Contact(AuditedMixin, VersionedMixin, SoftDeleteMixin, TimestampMixin, db.Model):
    __tablename__ = "contacts"
    audit_kind = _l("Contact")
    audit_labels = {
        "name": _lp("person", "Name"),
        "title": _l("Job title"),
        "wechat": _l("WeChat"),
        "preferred_channel": _l("Preferred channel"),
        "is_primary": _l("Primary contact"),
    }
    audit_choices = {"preferred_channel": CHANNEL_LABELS}
    __audit_exclude__ = frozenset(
        {"created_at", "updated_at", "version", "search_text", "phone_key"}
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    title: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    phone: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    phone_key: Mapped[str] = mapped_column(String(40), nullable=False, default="", index=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    wechat: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    preferred_channel: Mapped[str] = mapped_column(String(20), nullable=False, default="phone")
    is_primary: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    locale: Mapped[str] = mapped_column(String(10), nullable=False, default="zh_CN")
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    search_text: Mapped[str] = mapped_column(String(1000), nullable=False, default="")

    account: Mapped[Account] = relationship(lazy="joined", foreign_keys=[account_id])

    __table_args__ = (
        Index("ix_contacts_account_live", "account_id", "deleted_at"),
        Index("ix_contacts_live_name", "deleted_at", "name"),
        # A search too short for the trigram index reads search_text from here, not the rows.
        Index("ix_contacts_search_text", "search_text"),
        Index("ix_contacts_email", "email"),
        Index("ix_contacts_wechat", "wechat"),
    )

    def __str__(self) -> str:
        return self.name

    def refresh_keys(self) -> None:
        self.phone_key = normalise_phone(self.phone)
        self.search_text = search_text_of(self.name, self.phone_key, self.email, self.wechat)


class Interaction(AuditedMixin, VersionedMixin, SoftDeleteMixin, TimestampMixin, db.Model):
    __tablename__ = "interactions"
    audit_kind = _l("Interaction")
    audit_labels = {
        "direction": _l("Direction"),
        "occurred_at": _l("When"),
        "summary": _l("Summary"),
        "outcome": _l("Outcome"),
    }
    audit_choices = {"kind": INTERACTION_KIND_LABELS, "direction": DIRECTION_LABELS}

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default=InteractionKind.CALL)
    direction: Mapped[str] = mapped_column(String(10), nullable=False, default="outbound")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    outcome: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    next_step: Mapped[str] = mapped_column(String(300), nullable=False, default="")

    account: Mapped[Account] = relationship(foreign_keys=[account_id])
    contact: Mapped[Contact | None] = relationship(lazy="joined", foreign_keys=[contact_id])
    author: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[author_id])

    __table_args__ = (
        Index("ix_interactions_account_time", "account_id", "occurred_at"),
        Index("ix_interactions_contact", "contact_id"),
    )

    @property
    def audit_label(self) -> str:
        return f"{self.kind} {self.occurred_at:%Y-%m-%d}" if self.occurred_at else self.kind


class Task(AuditedMixin, VersionedMixin, SoftDeleteMixin, TimestampMixin, db.Model):
    __tablename__ = "tasks"
    audit_kind = _l("Task")
    audit_labels = {
        "due_at": _l("Due"),
        "priority": _l("Priority"),
        "interaction_id": _l("Interaction"),
        "done_at": _l("Done on"),
        "done_by_id": _l("Done by"),
    }
    audit_choices = {"priority": PRIORITY_LABELS}
    # The keys behind a system-written title or note; the panel shows the text itself.
    audit_hidden = frozenset({"title_key", "title_params", "notes_key", "notes_params"})

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    # A title the system wrote: a key of customers.task_titles and its parameters, shown in
    # the reader's language. Empty for a title a person typed, which shows as typed.
    title_key: Mapped[str | None] = mapped_column(String(60))
    title_params: Mapped[dict | None] = mapped_column(JSON)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    priority: Mapped[str] = mapped_column(String(10), nullable=False, default=Priority.NORMAL)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id"))
    kind: Mapped[str] = mapped_column(String(30), nullable=False, default="follow_up")
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    notes_key: Mapped[str | None] = mapped_column(String(60))  # as title_key, for the notes
    notes_params: Mapped[dict | None] = mapped_column(JSON)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    owner: Mapped[User] = relationship(lazy="joined", foreign_keys=[owner_id])
    account: Mapped[Account | None] = relationship(lazy="joined", foreign_keys=[account_id])
    contact: Mapped[Contact | None] = relationship(lazy="joined", foreign_keys=[contact_id])

    __table_args__ = (
        # "My tasks": open ones of one owner, by due time.
        Index("ix_tasks_owner_open_due", "owner_id", "done_at", "deleted_at", "due_at"),
        Index("ix_tasks_account", "account_id"),
        # PostgreSQL does not order by due_at after IS NULL columns: open tasks get their own.
        Index(
            "ix_tasks_open_due",
            "owner_id",
            "due_at",
            "id",
            sqlite_where=text("done_at IS NULL AND deleted_at IS NULL"),
            postgresql_where=text("done_at IS NULL AND deleted_at IS NULL"),
        ),
    )

    @property
    def audit_label(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        """The title in the reader's language (a generated one), or as typed."""
        if not self.title_key:
            return self.title
        from salesweb.customers.task_titles import render

        return render(self.title_key, self.title_params, self.title)

    @property
    def display_notes(self) -> str:
        """The notes in the reader's language (generated ones), or as typed."""
        if not self.notes_key:
            return self.notes
        from salesweb.customers.task_titles import render

        return render(self.notes_key, self.notes_params, self.notes)

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def is_overdue(self, now: datetime | None = None) -> bool:
        return not self.is_done and self.due_at < (now or utcnow())

    def complete(self, user: User) -> None:
        if self.is_done:
            raise DomainError(str(_l("This task is already done.")))
        self.done_at, self.done_by_id = utcnow(), user.id

    def reopen(self) -> None:
        if not self.is_done:
            raise DomainError(str(_l("This task is not done.")))
        self.done_at, self.done_by_id = None, None


class Order(AuditedMixin, VersionedMixin, SoftDeleteMixin, TimestampMixin, db.Model):
    __tablename__ = "orders"
    audit_kind = _l("Order")
    audit_labels = {
        "ordered_on": _l("Order date"),
        "total": _l("Total"),
        "base_total": _l("Total in base currency"),
        "paid": _l("Paid"),
        "tax": _l("Tax"),
    }
    audit_money = {"total": "currency", "base_total": "", "tax": "currency"}

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    ordered_on: Mapped[date] = mapped_column(Date, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="CNY")
    # Tax on top of the lines (an order built from a quote carries the quote's tax).
    tax: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"))
    total: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"))
    # The total in the base currency at the rate of the order date, so lifetime value adds up.
    base_total: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"))
    paid: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")

    account: Mapped[Account] = relationship(foreign_keys=[account_id])
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )

    __table_args__ = (Index("ix_orders_account_date", "account_id", "ordered_on"),)

    @property
    def audit_label(self) -> str:
        return self.external_id or f"#{self.id}"

    def recompute_total(self) -> None:
        """The lines and the tax on them."""
        lines = sum((line.line_total for line in self.lines), Decimal("0"))
        self.total = lines + (self.tax or Decimal("0"))


class OrderLine(db.Model):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), nullable=False, index=True)
    product: Mapped[str] = mapped_column(String(200), nullable=False)
    quantity: Mapped[Decimal] = mapped_column(Numeric(18, 3), nullable=False)
    unit_price: Mapped[Decimal] = mapped_column(Money, nullable=False)
    line_total: Mapped[Decimal] = mapped_column(Money, nullable=False)

    order: Mapped[Order] = relationship(back_populates="lines")


class OwnershipNotice(db.Model):
    """Tells a former owner, at their next sign-in, that accounts went back to the pool."""

    __tablename__ = "ownership_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    reason: Mapped[str] = mapped_column(String(30), nullable=False, default="reclaimed")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship(foreign_keys=[account_id])

    __table_args__ = (Index("ix_ownership_notices_user_seen", "user_id", "seen_at"),)
