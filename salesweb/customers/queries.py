"""The account and contact list queries, shared by the list pages and the exports."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Select, func, literal, or_, select

from salesweb.auth.models import Role, User
from salesweb.auth.permissions import owner_filter, sees_everyone
from salesweb.core.i18n import select_timezone
from salesweb.core.pagination import live, no_index
from salesweb.core.params import parse_id
from salesweb.core.search import contains_any, like_pattern, relevance
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
# A search's order unless a column is picked: names that start with the term first, then the
# most recent (NULLS LAST spelled out: SQLite and PostgreSQL differ on where NULLs go).
RELEVANCE = "relevance"
ACCOUNT_RECENCY = (
    Account.last_interaction_at.desc().nulls_last(),
    Account.updated_at.desc(),
    Account.id.desc(),
)


def search_term(raw: str | None) -> str:
    """Width-folded, lower-case search text, at most 100 characters."""
    return unicodedata.normalize("NFKC", (raw or "").strip()).lower()[:100]


def _like(term: str) -> str:
    return like_pattern(term)


def _search_terms(term: str) -> list[str]:
    """The term, and its phone digits when it reads as a phone number written with separators
    (021-5555 0000 finds the key 2155550000 that search_text holds)."""
    digits = normalise_phone(term)
    return [term, digits] if len(digits) >= 4 and digits != term else [term]


def _picked_sort(args: Mapping[str, str], allowed: Mapping[str, object]) -> str:
    """The sort the user chose (kept by the search form), or "" for the default one."""
    key = args.get("sort", "")
    return key if key in allowed else ""


def _sort_key(args: Mapping[str, str], allowed: Mapping[str, object], q: str) -> str:
    """A search is ordered by relevance unless the user picked a column to sort on."""
    key = args.get("sort", "")
    if key in allowed:
        return key
    return RELEVANCE if q else "name"


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
        "sort": _sort_key(args, ACCOUNT_SORTS, search_term(args.get("q"))),
        "picked_sort": _picked_sort(args, ACCOUNT_SORTS),
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
        narrow = not pool and not sees_everyone(user)
        stmt = stmt.where(contains_any(Account, _search_terms(f["q"]), narrow=narrow))
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
    if f["sort"] == RELEVANCE:
        return stmt.order_by(relevance(Account, str(f["q"])), *ACCOUNT_RECENCY)
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
        "sort": _sort_key(args, CONTACT_SORTS, search_term(args.get("q"))),
        "picked_sort": _picked_sort(args, CONTACT_SORTS),
    }


def contact_list_stmt(user: User, args: Mapping[str, str]) -> Select:
    """Contacts of the accounts the user may see, searched over name, phone, e-mail, WeChat."""
    f = contact_filters(args)
    stmt = scope_contacts(select(Contact), user, joined=False)
    if f["q"]:
        narrow = not sees_everyone(user)
        stmt = stmt.where(contains_any(Contact, _search_terms(f["q"]), narrow=narrow))
    if f["sort"] == RELEVANCE:
        # Recency of a contact: its last change.
        recent = (Contact.updated_at.desc(), Contact.id.desc())
        return stmt.order_by(relevance(Contact, f["q"]), *recent)
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


def _distinct_live_values(column, limit: int) -> list[str]:
    """The distinct values of an indexed account column, in order, found by jumping through its
    index from one value to the next (a recursive query, one index seek per value) instead of
    reading every account: the whole company has few industries and regions but many accounts.
    """

    def after(previous):
        return (
            select(column)
            .where(column > previous, live(Account.deleted_at))
            .order_by(column)
            .limit(1)
            .scalar_subquery()
        )

    values = select(after(literal("")).label("v")).cte("used_values", recursive=True)
    values = values.union_all(select(after(values.c.v).label("v")).where(values.c.v.is_not(None)))
    stmt = select(values.c.v).where(values.c.v.is_not(None)).limit(limit)
    return list(db.session.scalars(stmt))


def account_filter_options(user: User) -> dict[str, list]:
    """Values for the account list's drop-downs: industries, regions and owners in scope."""

    def used(column) -> list[str]:
        if sees_everyone(user):
            return _distinct_live_values(column, 200)
        # A rep's or a team's accounts: the owner indexes (owner, deleted, industry or region)
        # hold these values, a short index-only read.
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
