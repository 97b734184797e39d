"""The account and contact list queries, shared by the list pages and the exports."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select

from salesweb.auth.models import Role, User
from salesweb.auth.permissions import owner_filter
from salesweb.core.i18n import select_timezone
from salesweb.core.pagination import no_index
from salesweb.core.params import parse_id
from salesweb.customers.models import Account, AccountType, Contact, Order, Task, normalise_phone
from salesweb.customers.permissions import (
    ACCOUNT_OWNERS,
    can_filter_accounts_by_owner,
    scope_accounts,
    scope_contacts,
    scope_deleted_accounts,
    scope_tasks,
)
from salesweb.extensions import db

ACCOUNT_SORTS = {
    "name": (Account.name.asc(),),
    "-name": (Account.name.desc(),),
    "last": (Account.last_interaction_at.asc(),),
    "-last": (Account.last_interaction_at.desc(),),
    "-updated": (Account.updated_at.desc(),),
}
CONTACT_SORTS = {"name": (Contact.name.asc(),), "-name": (Contact.name.desc(),)}


def search_term(raw: str | None) -> str:
    """Width-folded, lower-case search text, at most 100 characters."""
    return unicodedata.normalize("NFKC", (raw or "").strip()).lower()[:100]


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, ZoneInfo(select_timezone()))


def account_filters(args: Mapping[str, str]) -> dict[str, object]:
    """The recognised filters of an account list, cleaned; anything else is ignored."""
    owner = args.get("owner", "")
    return {
        "q": search_term(args.get("q")),
        "owner": owner if owner in ("me", "pool") or parse_id(owner) else "",
        "type": args.get("type", "")
        if args.get("type", "") in {t.value for t in AccountType}
        else "",
        "industry": (args.get("industry") or "").strip()[:80],
        "region": (args.get("region") or "").strip()[:80],
        "tag": (args.get("tag") or "").strip()[:40],
        "last_before": _day(args.get("last_before")),
        "last_after": _day(args.get("last_after")),
        "sort": args.get("sort", "name") if args.get("sort", "name") in ACCOUNT_SORTS else "name",
        "imported": parse_id(args.get("imported")),
    }


def account_list_stmt(user: User, args: Mapping[str, str], pool: bool = False) -> Select:
    """The accounts the user may see, filtered and sorted as the list's query string says.

    With pool=True: the public pool, which every salesperson may see.
    """
    f = account_filters(args)
    if pool:
        stmt = select(Account).where(Account.deleted_at.is_(None), Account.owner_id.is_(None))
        f["owner"] = ""
    else:
        stmt = scope_accounts(select(Account), user)
    if f["q"]:
        term = f["q"]
        digits = normalise_phone(term)
        clauses = [Account.search_text.like(_like(term), escape="\\")]
        if len(digits) >= 4 and digits != term:
            clauses.append(Account.phone_key.like(_like(digits), escape="\\"))
        stmt = stmt.where(or_(*clauses))
    if f["owner"] == "me":
        stmt = stmt.where(Account.owner_id == user.id)
    elif f["owner"] == "pool":
        stmt = stmt.where(Account.owner_id.is_(None))
    elif f["owner"]:
        stmt = stmt.where(Account.owner_id == int(f["owner"]))
    scoped = user.role in (Role.REP, Role.MANAGER) and not pool
    if f["type"]:
        # Scoped lists are found through the owner indexes; the broad type index misleads SQLite.
        stmt = stmt.where((no_index(Account.type) if scoped else Account.type) == f["type"])
    for column in ("industry", "region"):
        if f[column]:
            stmt = stmt.where(getattr(Account, column) == f[column])
    if f["tag"]:
        stmt = stmt.where(Account.tags.like(_like(f",{f['tag']},"), escape="\\"))
    if f["last_before"]:
        stmt = stmt.where(
            or_(
                Account.last_interaction_at.is_(None),
                Account.last_interaction_at < _start_of(f["last_before"]),
            )
        )
    if f["last_after"]:
        stmt = stmt.where(Account.last_interaction_at >= _start_of(f["last_after"]))
    if f["imported"]:
        stmt = stmt.where(Account.import_job_id == f["imported"])
    if user.role == Role.MANAGER and not pool:
        # A team is a small share of all accounts: sort the team's rows, do not walk the index.
        return stmt.order_by(*_team_sort(f["sort"]), Account.id)
    return stmt.order_by(*ACCOUNT_SORTS[f["sort"]], Account.id)


def _team_sort(key: str) -> tuple:
    column = {
        "name": Account.name,
        "-name": Account.name,
        "last": Account.last_interaction_at,
        "-last": Account.last_interaction_at,
        "-updated": Account.updated_at,
    }[key]
    term = no_index(column)
    return (term.desc() if key.startswith("-") else term.asc(),)


def contact_filters(args: Mapping[str, str]) -> dict[str, object]:
    return {
        "q": search_term(args.get("q")),
        "sort": args.get("sort", "name") if args.get("sort", "name") in CONTACT_SORTS else "name",
    }


def contact_list_stmt(user: User, args: Mapping[str, str]) -> Select:
    """Contacts of the accounts the user may see, searched over name, phone, e-mail, WeChat."""
    f = contact_filters(args)
    stmt = scope_contacts(select(Contact).join(Account, Account.id == Contact.account_id), user)
    if f["q"]:
        term = f["q"]
        digits = normalise_phone(term)
        clauses = [Contact.search_text.like(_like(term), escape="\\")]
        if len(digits) >= 4 and digits != term:
            clauses.append(Contact.phone_key.like(_like(digits), escape="\\"))
        stmt = stmt.where(or_(*clauses))
    return stmt.order_by(*CONTACT_SORTS[f["sort"]], Contact.id)


def imported_account_counts(user: User, job_id: int) -> tuple[int, int]:
    """Of the live accounts an import created or changed: (how many are in the public pool,
    how many the user's account list shows), in one query."""
    clause = owner_filter(user, Account.owner_id)
    listed = func.count() if clause is None else func.count().filter(clause)
    row = db.session.execute(
        select(func.count().filter(Account.owner_id.is_(None)), listed).where(
            Account.import_job_id == job_id, Account.deleted_at.is_(None)
        )
    ).one()
    return row[0], row[1]


def owner_choices(user: User, pool_label: bool = False) -> list[tuple[int, str]]:
    """People the user may give accounts or tasks to: self (rep), team (manager), all (admin)."""
    stmt = select(User.id, User.display_name).where(
        User.active.is_(True), User.role.in_(ACCOUNT_OWNERS)
    )
    clause = owner_filter(user, User.id)
    if clause is not None:
        stmt = stmt.where(clause)
    rows = db.session.execute(stmt.order_by(User.display_name)).all()
    choices = [(r.id, r.display_name) for r in rows]
    return ([(0, _("— public pool (no owner) —"))] if pool_label else []) + choices


def account_filter_options(user: User) -> dict[str, list]:
    """Values for the account list's drop-downs: industries, regions and owners in scope."""

    def used(column) -> list[str]:
        stmt = scope_accounts(select(column).distinct(), user).order_by(column).limit(200)
        return [v for v in db.session.scalars(stmt) if v]

    return {
        "industries": used(Account.industry),
        "regions": used(Account.region),
        "owners": owner_choices(user) if can_filter_accounts_by_owner(user) else [],
    }


def open_tasks_of(account_id: int, limit: int = 10) -> list[Task]:
    """The account's open tasks, the soonest due first."""
    stmt = (
        select(Task)
        .where(Task.account_id == account_id, Task.done_at.is_(None), Task.deleted_at.is_(None))
        .order_by(Task.due_at)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def recent_orders_of(account_id: int, limit: int = 5) -> list[Order]:
    """The account's latest live orders."""
    stmt = (
        select(Order)
        .where(Order.account_id == account_id, Order.deleted_at.is_(None))
        .order_by(Order.ordered_on.desc(), Order.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def deleted_accounts_stmt(user: User) -> Select:
    """The deleted accounts the user may restore, the most recently deleted first."""
    stmt = scope_deleted_accounts(select(Account), user)
    return stmt.order_by(Account.deleted_at.desc(), Account.id)


def task_list_stmt(user: User, owner_id: int, show: str) -> Select:
    """One person's tasks within the user's scope: open ones overdue first, or done ones."""
    stmt = scope_tasks(select(Task), user).where(Task.owner_id == owner_id)
    if show == "done":
        return stmt.where(Task.done_at.is_not(None)).order_by(Task.done_at.desc(), Task.id.desc())
    # Ascending due time puts the overdue ones first, the most overdue at the top.
    return stmt.where(Task.done_at.is_(None)).order_by(Task.due_at, Task.id)


# --- workbench (h4)


def tasks_due_by_today_stmt(user: User) -> Select:
    """The user's own open tasks due before tomorrow (today's and the overdue ones), the most
    overdue first: the task list's open view, cut at the end of the company's day."""
    from datetime import timedelta

    from salesweb.core.models import today

    tomorrow = _start_of(today() + timedelta(days=1))
    return task_list_stmt(user, user.id, "open").where(Task.due_at < tomorrow)
