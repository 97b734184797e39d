"""Plain factory functions: make_<noun>(**overrides) adds a valid object and flushes."""

from __future__ import annotations

import itertools

from salesweb.auth.models import Role, Team, User
from salesweb.extensions import db

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery"


def make_team(**overrides) -> Team:
    n = next(_seq)
    team = Team(
        name=overrides.pop("name", f"Team {n}"), region=overrides.pop("region", "East"), **overrides
    )
    db.session.add(team)
    db.session.flush()
    return team


def make_user(role: str = Role.REP, password: str | None = PASSWORD, **overrides) -> User:
    n = next(_seq)
    user = User(
        email=overrides.pop("email", f"user{n}@example.com"),
        display_name=overrides.pop("display_name", f"User {n}"),
        role=role,
        locale=overrides.pop("locale", "en"),
        timezone=overrides.pop("timezone", "Asia/Shanghai"),
        **overrides,
    )
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def make_account(owner=None, **overrides):
    from salesweb.customers.models import Account

    n = next(_seq)
    account = Account(
        name=overrides.pop("name", f"Account {n} 有限公司"),
        type=overrides.pop("type", "customer"),
        industry=overrides.pop("industry", "Manufacturing"),
        region=overrides.pop("region", "East"),
        owner_id=owner.id if owner else None,
        **overrides,
    )
    account.tags = Account.pack_tags(overrides.get("tags", account.tags or ""))
    account.refresh_keys()
    db.session.add(account)
    db.session.flush()
    return account


def make_contact(account, **overrides):
    from salesweb.customers.models import Contact

    n = next(_seq)
    contact = Contact(
        account_id=account.id, name=overrides.pop("name", f"Contact {n}"), **overrides
    )
    contact.refresh_keys()
    db.session.add(contact)
    db.session.flush()
    return contact


def make_interaction(account, author=None, **overrides):
    from salesweb.core.models import utcnow
    from salesweb.customers.models import Interaction

    interaction = Interaction(
        account_id=account.id,
        author_id=author.id if author else None,
        kind=overrides.pop("kind", "call"),
        summary=overrides.pop("summary", "Talked about the renewal"),
        occurred_at=overrides.pop("occurred_at", utcnow()),
        **overrides,
    )
    db.session.add(interaction)
    if account.last_interaction_at is None or interaction.occurred_at > account.last_interaction_at:
        account.last_interaction_at = interaction.occurred_at
    db.session.flush()
    return interaction


def make_task(owner, **overrides):
    from datetime import timedelta

    from salesweb.core.models import utcnow
    from salesweb.customers.models import Task

    task = Task(
        title=overrides.pop("title", "Call back"),
        due_at=overrides.pop("due_at", utcnow() + timedelta(days=1)),
        owner_id=owner.id,
        **overrides,
    )
    db.session.add(task)
    db.session.flush()
    return task


def make_import_job(created_by=None, **overrides):
    """An import job record (no file behind it): for who-sees-which-job tests."""
    from salesweb.core.importing import ImportJob

    job = ImportJob(
        kind=overrides.pop("kind", "accounts"),
        stored_path=overrides.pop("stored_path", f"imports/{next(_seq)}.upload"),
        file_format=overrides.pop("file_format", "csv"),
        created_by_id=created_by.id if created_by else None,
        **overrides,
    )
    db.session.add(job)
    db.session.flush()
    return job
