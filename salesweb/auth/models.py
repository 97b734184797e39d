"""Users and teams."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from functools import cache

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from salesweb.core.models import AuditedMixin, TimestampMixin, UTCDateTime, VersionedMixin, utcnow
from salesweb.extensions import db


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    REP = "rep"
    COMPLIANCE = "compliance"


ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.MANAGER: _l("Sales manager"),
    Role.REP: _l("Sales rep"),
    Role.COMPLIANCE: _l("Compliance officer"),
}


def new_session_token() -> str:
    return secrets.token_hex(16)


@cache
def _dummy_password_hash() -> str:
    # Same algorithm and cost as real hashes, made once per process.
    return generate_password_hash(secrets.token_urlsafe(16))


def check_dummy_password(password: str) -> bool:
    """Spend what a real password check costs, so that the answer's timing does not tell
    whether an address has an account (or is locked, inactive, without password)."""
    check_password_hash(_dummy_password_hash(), password)
    return False


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


class Team(AuditedMixin, VersionedMixin, TimestampMixin, db.Model):
    __tablename__ = "teams"
    audit_kind = _l("Team")
    audit_labels = {"name": _l("Team name"), "region": _l("Region"), "manager_id": _l("Manager")}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    region: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", use_alter=True, ondelete="SET NULL"), index=True
    )

    # post_update: a team and its manager can be created in one flush despite the FK cycle.
    manager: Mapped[User | None] = relationship(
        foreign_keys=[manager_id], lazy="joined", post_update=True
    )
    members: Mapped[list[User]] = relationship(
        back_populates="team", foreign_keys="User.team_id", order_by="User.display_name"
    )

    def __str__(self) -> str:
        return self.name


class User(UserMixin, AuditedMixin, VersionedMixin, TimestampMixin, db.Model):
    __tablename__ = "users"
    audit_kind = _l("User")
    audit_labels = {
        "display_name": _l("Display name"),
        "role": _l("Role"),
        "team_id": _l("Team"),
        "timezone": _l("Time zone"),
        "active": _l("Can sign in"),
        "locked_until": _l("Locked until"),
    }
    audit_choices = {"role": ROLE_LABELS}
    __audit_exclude__ = frozenset(
        {
            "created_at",
            "updated_at",
            "version",
            "failed_logins",
            "first_failed_at",
            "last_sign_in_at",
            "locked_until",
        }
    )
    __audit_mask__ = frozenset({"password_hash", "session_token"})

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(120), nullable=False)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), nullable=False, default=Role.REP, index=True)
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    locale: Mapped[str] = mapped_column(String(10), nullable=False, default="zh_CN")
    timezone: Mapped[str] = mapped_column(String(64), nullable=False, default="Asia/Shanghai")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, index=True)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Failures older than the lockout window no longer count: the window starts here.
    first_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    session_token: Mapped[str] = mapped_column(
        String(64), nullable=False, default=new_session_token
    )

    team: Mapped[Team | None] = relationship(
        back_populates="members", foreign_keys=[team_id], lazy="joined"
    )

    def __str__(self) -> str:
        return self.display_name

    @property
    def audit_label(self) -> str:
        return self.email

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        # The token changes with the password, which ends every other session.
        return f"{self.id}:{self.session_token}"

    @property
    def role_label(self) -> str:
        return str(ROLE_LABELS.get(Role(self.role), self.role))

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.session_token = new_session_token()

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            return check_dummy_password(password)
        return check_password_hash(self.password_hash, password)

    def is_locked(self, now: datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or utcnow())
