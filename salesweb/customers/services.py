"""Use cases for accounts, contacts, interactions, tasks, the pool and orders.

Services take objects and the acting user, flush, and never commit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from salesweb.auth.models import User
from salesweb.auth.permissions import can_see_owner
from salesweb.core import audit
from salesweb.core.errors import DomainError
from salesweb.core.models import check_version, utcnow
from salesweb.core.money import CENT, to_base
from salesweb.customers import task_titles
from salesweb.customers.models import (
    PUBLIC_MAIL_DOMAINS,
    Account,
    AccountType,
    Contact,
    Interaction,
    Order,
    OrderLine,
    OwnershipNotice,
    Task,
    email_domain,
    normalise_name,
    normalise_phone,
)
from salesweb.customers.permissions import (
    can_choose_account_owner,
    can_give_accounts_to,
    can_own_accounts,
    can_own_beyond_pool_cap,
)
from salesweb.extensions import db

ACCOUNT_FIELDS = (
    "name",
    "type",
    "industry",
    "segment",
    "region",
    "country",
    "employees",
    "annual_revenue",
    "revenue_currency",
    "source",
    "tags",
    "phone",
    "email",
    "website",
    "address",
    "credit_limit",
    "credit_currency",
    "notes",
    "external_id",
)
CONTACT_FIELDS = (
    "name",
    "title",
    "phone",
    "email",
    "wechat",
    "preferred_channel",
    "is_primary",
    "locale",
    "notes",
    "external_id",
)


class DuplicatesFound(DomainError):
    """Likely duplicates exist; the caller shows them and may confirm to save anyway."""

    def __init__(self, matches: list[Account]) -> None:
        super().__init__(_("This looks like an account that already exists."), field=None)
        self.matches = matches


# --- accounts --------------------------------------------------------------------------------


def find_duplicates(
    name: str, phone: str = "", email: str = "", exclude_id: int | None = None, limit: int = 5
) -> list[Account]:
    """Live accounts with the same normalised name, phone, or company e-mail domain."""
    clauses = []
    key = normalise_name(name)
    if key:
        clauses.append(Account.name_key == key)
    phone_key = normalise_phone(phone)
    if len(phone_key) >= 7:
        clauses.append(Account.phone_key == phone_key)
    domain = email_domain(email)
    if domain and domain not in PUBLIC_MAIL_DOMAINS:
        clauses.append(Account.email_domain == domain)
    if not clauses:
        return []
    stmt = select(Account).where(Account.deleted_at.is_(None), or_(*clauses))
    if exclude_id is not None:
        stmt = stmt.where(Account.id != exclude_id)
    return list(db.session.scalars(stmt.order_by(Account.name).limit(limit)))


def owned_count(user: User) -> int:
    """How many live accounts the user owns."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Account)
            .where(Account.owner_id == user.id, Account.deleted_at.is_(None))
        )
        or 0
    )


def _check_cap(owner: User) -> None:
    cap = current_app.config["SALESWEB_POOL_CAP"]
    if not can_own_beyond_pool_cap(owner) and owned_count(owner) >= cap:
        raise DomainError(
            _(
                "%(name)s already owns %(cap)d accounts, the most a rep may own.",
                name=owner.display_name,
                cap=cap,
            ),
            field="owner_id",
        )


def _set_owner(account: Account, owner: User | None) -> None:
    account.owner = owner
    account.owner_id = owner.id if owner else None
    account.owner_since = utcnow() if owner else None


def _apply(obj: Any, fields: tuple[str, ...], data: dict[str, Any]) -> None:
    for key in fields:
        if key in data:
            setattr(obj, key, data[key])


def owner_for_new_account(actor: User, owner_id: int | None) -> User | None:
    """Who owns the account `actor` adds: a rep themself; a manager or administrator whoever
    they chose among the people they may give accounts to, or no one (0: the public pool)."""
    if not can_choose_account_owner(actor):
        return actor
    if not owner_id:
        return None
    owner = db.session.get(User, owner_id)
    if owner is None or assignment_problem(actor, owner) or not can_see_owner(actor, owner):
        raise DomainError(_("Choose an owner from the list."), field="owner_id")
    return owner


def create_account(
    actor: User,
    data: dict[str, Any],
    owner: User | None = None,
    confirm_duplicates: bool = False,
    *,
    chosen_owner_id: int | None = None,
) -> Account:
    """Create an account; refuses with the likely duplicates unless the user confirmed.

    `owner` is for trusted callers (seed, tests); a person's choice on the account form comes
    as `chosen_owner_id` and is checked against what the actor may do (owner_for_new_account).
    """
    if chosen_owner_id is not None:
        owner = owner_for_new_account(actor, chosen_owner_id)
    if not confirm_duplicates:
        matches = find_duplicates(
            data.get("name", ""), data.get("phone", ""), data.get("email", "")
        )
        if matches:
            raise DuplicatesFound(matches)
    account = Account()
    _apply(account, ACCOUNT_FIELDS, data)
    account.tags = Account.pack_tags(data.get("tags", ""))
    if owner is not None:
        _check_cap(owner)
    _set_owner(account, owner)
    account.refresh_keys()
    db.session.add(account)
    db.session.flush()
    return account


def update_account(
    actor: User, account: Account, data: dict[str, Any], version: int | None
) -> Account:
    """Change an account's details (not its owner: see claim, assign, release)."""
    check_version(account, version)
    _apply(account, ACCOUNT_FIELDS, data)
    if "tags" in data:
        account.tags = Account.pack_tags(data["tags"])
    account.refresh_keys()
    db.session.flush()
    return account


def delete_account(actor: User, account: Account) -> None:
    """Soft delete: the account leaves every list and can be restored by a manager or admin."""
    if account.is_deleted:
        raise DomainError(_("This account is already deleted."))
    account.soft_delete()
    db.session.flush()


def restore_account(actor: User, account: Account) -> None:
    """Bring a deleted account back into every list."""
    if not account.is_deleted:
        raise DomainError(_("This account is not deleted."))
    account.restore()
    db.session.flush()


# --- the public pool -------------------------------------------------------------------------


def claim_account(actor: User, account: Account) -> Account:
    """A salesperson takes an account from the pool, within the cap."""
    if account.owner_id is not None:
        raise DomainError(_("Someone has already claimed this account."))
    _check_cap(actor)
    _set_owner(account, actor)
    audit.name_change(account, "claim")
    db.session.flush()
    return account


def assignment_problem(actor: Any, owner: Any) -> str | None:
    """Why `actor` may not give accounts to `owner`, or None. Both are users or any objects with
    role, team_id and active (the importer checks rows against a preloaded table of owners)."""
    if not owner.active or not can_own_accounts(owner):
        return _("Choose an active sales rep or manager.")
    if actor is not None and not can_give_accounts_to(actor, owner):
        return _("You can only assign accounts to your own team.")
    return None


def assign_account(actor: User, account: Account, owner: User | None) -> Account:
    """A manager gives an account to a member of the team (or returns it to the pool)."""
    if owner is not None:
        problem = assignment_problem(actor, owner)
        if problem:
            raise DomainError(problem, field="owner_id")
        if owner.id != account.owner_id:
            _check_cap(owner)
    _set_owner(account, owner)
    audit.name_change(account, "assign")
    db.session.flush()
    return account


def release_account(actor: User, account: Account) -> Account:
    """The owner gives an account back to the pool."""
    _set_owner(account, None)
    audit.name_change(account, "release")
    db.session.flush()
    return account


def reclaim_idle_accounts(days: int, now: datetime | None = None, batch: int = 500) -> int:
    """Return owned accounts with no interaction for `days` days to the pool; idempotent.

    The clock starts at the last interaction, or when the owner got the account, whichever is
    later, so a freshly claimed account is not taken back the same night.
    """
    cutoff = (now or utcnow()) - timedelta(days=days)
    last_touch = func.coalesce(Account.last_interaction_at, Account.owner_since, Account.created_at)
    stmt = (
        select(Account)
        .where(
            Account.owner_id.is_not(None),
            Account.deleted_at.is_(None),
            or_(Account.owner_since.is_(None), Account.owner_since < cutoff),
            last_touch < cutoff,
        )
        .order_by(Account.id)
        .limit(batch)
    )
    total = 0
    while True:
        accounts = list(db.session.scalars(stmt))
        if not accounts:
            return total
        for account in accounts:
            previous = account.owner_id
            db.session.add(OwnershipNotice(user_id=previous, account_id=account.id))
            _set_owner(account, None)
            audit.name_change(account, "reclaim")
        db.session.flush()
        total += len(accounts)


def unseen_notices(user: User) -> list[OwnershipNotice]:
    """The notices of accounts taken back to the pool that the user has not seen yet."""
    return list(
        db.session.scalars(
            select(OwnershipNotice)
            .where(OwnershipNotice.user_id == user.id, OwnershipNotice.seen_at.is_(None))
            .order_by(OwnershipNotice.created_at)
        )
    )


def mark_notices_seen(notices: list[OwnershipNotice]) -> None:
    """Remember that the user has seen these notices."""
    now = utcnow()
    for notice in notices:
        notice.seen_at = now
    db.session.flush()


# --- contacts --------------------------------------------------------------------------------


def _only_primary(contact: Contact) -> None:
    if contact.is_primary:
        for other in db.session.scalars(
            select(Contact).where(
                Contact.account_id == contact.account_id,
                Contact.id != contact.id,
                Contact.is_primary.is_(True),
            )
        ):
            other.is_primary = False


def add_contact(actor: User, account: Account, data: dict[str, Any]) -> Contact:
    """Add a contact; the first contact of an account becomes its primary contact."""
    contact = Contact(account=account, account_id=account.id)
    _apply(contact, CONTACT_FIELDS, data)
    has_contacts = db.session.scalar(
        select(func.count())
        .select_from(Contact)
        .where(Contact.account_id == account.id, Contact.deleted_at.is_(None))
    )
    if not has_contacts:
        contact.is_primary = True
    contact.refresh_keys()
    db.session.add(contact)
    db.session.flush()
    _only_primary(contact)
    db.session.flush()
    return contact


def update_contact(
    actor: User, contact: Contact, data: dict[str, Any], version: int | None
) -> Contact:
    """Change a contact; a new primary contact takes the place of the old one."""
    check_version(contact, version)
    _apply(contact, CONTACT_FIELDS, data)
    contact.refresh_keys()
    _only_primary(contact)
    db.session.flush()
    return contact


def delete_contact(actor: User, contact: Contact) -> None:
    """Soft delete a contact; it stops being the primary contact."""
    contact.soft_delete()
    contact.is_primary = False
    db.session.flush()


# --- interactions and tasks ------------------------------------------------------------------


@dataclass
class NextTask:
    title: str
    due_at: datetime
    priority: str = "normal"


def log_interaction(
    actor: User, account: Account, data: dict[str, Any], next_task: NextTask | None = None
) -> tuple[Interaction, Task | None]:
    """Record a contact moment; optionally create the follow-up task in the same step."""
    contact = data.get("contact")
    if contact is not None and contact.account_id != account.id:
        raise DomainError(_("This contact belongs to another account."), field="contact_id")
    interaction = Interaction(
        account_id=account.id,
        contact_id=contact.id if contact else None,
        author_id=actor.id,
        kind=data["kind"],
        direction=data.get("direction", "outbound"),
        occurred_at=data.get("occurred_at") or utcnow(),
        summary=data["summary"],
        outcome=data.get("outcome", ""),
        next_step=data.get("next_step", ""),
    )
    db.session.add(interaction)
    if account.last_interaction_at is None or interaction.occurred_at > account.last_interaction_at:
        account.last_interaction_at = interaction.occurred_at
    db.session.flush()
    task = None
    if next_task is not None:
        task = create_task(
            actor,
            title=next_task.title,
            due_at=next_task.due_at,
            priority=next_task.priority,
            owner=account.owner or actor,
            account=account,
            contact=contact,
            interaction=interaction,
        )
    return interaction, task


def create_task(
    actor: User,
    *,
    title: str = "",
    due_at: datetime,
    owner: User,
    priority: str = "normal",
    account: Account | None = None,
    contact: Contact | None = None,
    interaction: Interaction | None = None,
    kind: str = "follow_up",
    notes: str = "",
    title_key: str | None = None,
    title_params: dict[str, Any] | None = None,
    notes_key: str | None = None,
    notes_params: dict[str, Any] | None = None,
) -> Task:
    """Create a follow-up task for someone the actor may give work to; a generated title
    (`title_key`, see customers.task_titles) is read in each reader's language."""
    if contact is not None and account is not None and contact.account_id != account.id:
        raise DomainError(_("This contact belongs to another account."), field="contact_id")
    for key in (title_key, notes_key):
        if key is not None and not task_titles.known(key):
            raise ValueError(f"unknown task text key {key!r}")
    if title_key is not None:
        title = title or task_titles.render(title_key, title_params, "")
    if notes_key is not None:
        notes = notes or task_titles.render(notes_key, notes_params, "")
    task = Task(
        title=title.strip()[:200],
        title_key=title_key,
        title_params=title_params if title_key is not None else None,
        notes_key=notes_key,
        notes_params=notes_params if notes_key is not None else None,
        due_at=due_at,
        owner_id=owner.id,
        priority=priority,
        account_id=account.id if account else None,
        contact_id=contact.id if contact else None,
        interaction_id=interaction.id if interaction else None,
        kind=kind,
        notes=notes,
    )
    db.session.add(task)
    db.session.flush()
    return task


def _keep_generated(task: Task, field: str, data: dict[str, Any]) -> dict[str, Any]:
    """A generated text sent back unchanged keeps following the reader's language; changed,
    it becomes the person's own text."""
    if getattr(task, f"{field}_key") is None or field not in data:
        return data
    if data[field] == getattr(task, f"display_{field}"):
        return {k: v for k, v in data.items() if k != field}
    setattr(task, f"{field}_key", None)
    setattr(task, f"{field}_params", None)
    return data


def update_task(actor: User, task: Task, data: dict[str, Any], version: int | None) -> Task:
    """Change a task; a generated title or note that the person rewrote becomes their text."""
    check_version(task, version)
    data = _keep_generated(task, "title", _keep_generated(task, "notes", data))
    _apply(task, ("title", "due_at", "priority", "notes", "owner_id"), data)
    db.session.flush()
    return task


def complete_task(actor: User, task: Task) -> Task:
    """Mark done; listeners (for example after-sales surveys) hear `task_done`."""
    task.complete(actor)
    db.session.flush()
    from salesweb.customers.signals import task_done

    task_done.send(current_app._get_current_object(), task=task, actor=actor)
    return task


def reopen_task(actor: User, task: Task) -> Task:
    """Mark a done task open again."""
    task.reopen()
    db.session.flush()
    return task


# --- orders ----------------------------------------------------------------------------------


@dataclass
class LineInput:
    product: str
    quantity: Decimal
    unit_price: Decimal
    # The line's total when it is not quantity x unit price (a quote's line after its discount).
    line_total: Decimal | None = None


def create_order(
    actor: User | None,
    account: Account,
    *,
    ordered_on: date,
    currency: str,
    lines: list[LineInput],
    external_id: str | None = None,
    paid: bool = True,
    notes: str = "",
    tax: Decimal = Decimal("0"),
) -> Order:
    """Record a purchase (its lines and the tax on them); its total is also kept in the base
    currency for lifetime value."""
    if not lines:
        raise DomainError(_("An order needs at least one line."), field="lines")
    if tax < 0:
        raise DomainError(_("The tax cannot be negative."), field="tax")
    if external_id and db.session.scalar(select(Order.id).where(Order.external_id == external_id)):
        raise DomainError(_("Another order already has this number."), field="external_id")
    order = Order(
        account_id=account.id,
        ordered_on=ordered_on,
        currency=currency.upper(),
        external_id=external_id,
        paid=paid,
        notes=notes,
        tax=tax.quantize(CENT),
    )
    for line in lines:
        if line.quantity <= 0:
            raise DomainError(_("Quantities must be greater than zero."), field="lines")
        if line.unit_price < 0:
            raise DomainError(_("Prices cannot be negative."), field="lines")
        order.lines.append(
            OrderLine(
                product=line.product,
                quantity=line.quantity,
                unit_price=line.unit_price,
                line_total=(
                    line.quantity * line.unit_price if line.line_total is None else line.line_total
                ).quantize(CENT),
            )
        )
    order.recompute_total()
    order.base_total = to_base(order.total, order.currency, ordered_on).base_amount
    db.session.add(order)
    db.session.flush()
    return order


audit.register_actions({"became_customer": _l("became a customer with a won deal")})


def become_customer(actor: User | None, account: Account) -> bool:
    """A won deal makes a prospect (or a churned account) a customer; partners stay partners.
    Only a person turns a customer back into a prospect or churned (the account form, audited).
    True when the type changed."""
    if account.type not in (AccountType.PROSPECT, AccountType.CHURNED):
        return False
    account.type = AccountType.CUSTOMER
    audit.name_change(account, "became_customer")
    db.session.flush()
    return True


@dataclass(frozen=True)
class PurchaseSummary:
    lifetime_value: Decimal
    last_purchase: date | None
    orders: int


def purchase_summary(account_id: int) -> PurchaseSummary:
    """Lifetime value (base currency) and last purchase, aggregated in SQL."""
    total, last, count = db.session.execute(
        select(
            func.coalesce(func.sum(Order.base_total), 0),
            func.max(Order.ordered_on),
            func.count(Order.id),
        ).where(Order.account_id == account_id, Order.deleted_at.is_(None))
    ).one()
    return PurchaseSummary(Decimal(total or 0), last, count)


def open_task_filter(user_id: int) -> ColumnElement[bool]:
    """The WHERE clause of a person's open, live tasks."""
    return and_(Task.owner_id == user_id, Task.done_at.is_(None), Task.deleted_at.is_(None))


# --- accounts an import left in the pool, to the owners of their deals -----------------------

# customers may not import the areas that hold deals: they say who owns them here, at setup.
# A source takes a select of account ids and returns a select of rows (account_id, owner_id,
# deals, latest): how many live deals of the account the person owns, and the latest date.
_DEAL_OWNER_SOURCES: list[Callable[[Select], Select]] = []

KEPT_NO_DEALS = "no_deals"
KEPT_NOT_YOURS = "not_yours"  # the person with most deals may not get it from this actor
KEPT_AT_CAP = "at_cap"
KEPT_LABELS = {
    KEPT_NO_DEALS: _l("No deals"),
    KEPT_NOT_YOURS: _l("Their deals' owner is not someone you may give accounts to"),
    KEPT_AT_CAP: _l("Their deals' owner already owns as many accounts as a rep may"),
}


def register_deal_owners(source: Callable[[Select], Select]) -> None:
    """A higher area that keeps deals says who owns the deals of accounts."""
    _DEAL_OWNER_SOURCES.append(source)


@dataclass(frozen=True)
class PoolPick:
    account: Account
    owner: User
    deals: int
    tie: bool  # someone else owns as many of its deals: the tie rule chose


@dataclass
class PoolPlan:
    picks: list[PoolPick]
    kept: dict[str, int]

    def by_owner(self) -> list[tuple[User, int]]:
        """Each person who gets accounts and how many, most first."""
        people = {pick.owner.id: pick.owner for pick in self.picks}
        counts = Counter(pick.owner.id for pick in self.picks)
        return sorted(
            ((people[i], n) for i, n in counts.items()), key=lambda c: (-c[1], c[0].display_name)
        )


def _deal_votes(account_ids: Select) -> dict[int, list[tuple[int, str, int]]]:
    """Account id -> (deals, latest date as text, owner id) of each person owning its deals."""
    votes: dict[int, list[tuple[int, str, int]]] = {}
    for source in _DEAL_OWNER_SOURCES:
        for account_id, owner_id, deals, latest in db.session.execute(source(account_ids)):
            votes.setdefault(account_id, []).append((deals, str(latest or ""), owner_id))
    return votes


def pool_owner_plan(actor: User, job_id: int) -> PoolPlan:
    """Who gets each account that import `job_id` left in the pool (and still there): the
    person who owns most of its deals; on a tie, the one whose latest deal is the most recent,
    then the first by name. Accounts whose person may not take them stay, with the reason."""
    pooled = select(Account.id).where(
        Account.import_job_id == job_id,
        Account.owner_id.is_(None),
        Account.deleted_at.is_(None),
    )
    votes = _deal_votes(pooled)
    owner_ids = {owner_id for rows in votes.values() for *_, owner_id in rows}
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(owner_ids)))}
    owned: dict[int, int] = dict(
        db.session.execute(
            select(Account.owner_id, func.count())
            .where(Account.owner_id.in_(owner_ids), Account.deleted_at.is_(None))
            .group_by(Account.owner_id)
        ).all()
    )
    cap = current_app.config["SALESWEB_POOL_CAP"]
    plan = PoolPlan([], {KEPT_NO_DEALS: 0, KEPT_NOT_YOURS: 0, KEPT_AT_CAP: 0})
    accounts = db.session.scalars(
        select(Account).where(Account.id.in_(pooled)).order_by(Account.name, Account.id)
    )
    for account in accounts:
        rows = sorted(votes.get(account.id, []), key=lambda r: people[r[2]].display_name)
        rows.sort(key=lambda r: (r[0], r[1]), reverse=True)  # stable: names break the last tie
        if not rows:
            plan.kept[KEPT_NO_DEALS] += 1
            continue
        deals, _latest, owner_id = rows[0]
        owner = people[owner_id]
        if assignment_problem(actor, owner) or not can_see_owner(actor, owner):
            plan.kept[KEPT_NOT_YOURS] += 1
        elif not can_own_beyond_pool_cap(owner) and owned.get(owner.id, 0) >= cap:
            plan.kept[KEPT_AT_CAP] += 1
        else:
            owned[owner.id] = owned.get(owner.id, 0) + 1
            tie = len(rows) > 1 and rows[1][0] == deals
            plan.picks.append(PoolPick(account, owner, deals, tie))
    return plan


def give_pooled_accounts_to_deal_owners(actor: User, job_id: int) -> PoolPlan:
    """Give each account of the import still in the pool to the person who owns most of its
    deals (see pool_owner_plan), one audited assignment per account."""
    plan = pool_owner_plan(actor, job_id)
    if not plan.picks:
        raise DomainError(_("None of these accounts can be given to the owner of its deals."))
    for pick in plan.picks:
        _set_owner(pick.account, pick.owner)
        audit.name_change(pick.account, "assign")
    db.session.flush()
    return plan
