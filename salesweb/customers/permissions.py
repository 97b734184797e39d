"""Who sees and changes accounts, contacts, interactions, tasks and orders."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, false, or_

from salesweb.auth.models import Role, User
from salesweb.auth.permissions import (
    ADMINS,
    MANAGERS,
    SELLERS,
    can_see_owner,
    leads,
    owner_filter,
    sees_everyone,
)
from salesweb.core.importing import ImportJob
from salesweb.customers.models import Account, Contact, Task

WRITERS = SELLERS  # work accounts, contacts, interactions, tasks and orders
# Administrators hand accounts out; only the people who sell keep them, so only they claim.
ACCOUNT_OWNERS = tuple(role for role in SELLERS if role not in ADMINS)
ASSIGNERS = MANAGERS  # give accounts to people, choose the owner of a new account
IMPORTERS = MANAGERS  # upload files and follow their own imports
RESTORERS = MANAGERS  # see deleted accounts and bring them back
POOL_USERS = SELLERS


def scope_accounts(stmt: Select, user: User, include_pool: bool = False) -> Select:
    """Live accounts the user may see: own (rep), team's (manager), all (compliance, admin)."""
    stmt = stmt.where(Account.deleted_at.is_(None))
    clause = owner_filter(user, Account.owner_id)
    if clause is None:
        return stmt
    if include_pool:
        clause = or_(clause, Account.owner_id.is_(None))
    return stmt.where(clause)


def scope_deleted_accounts(stmt: Select, user: User) -> Select:
    """Deleted accounts the user may restore: all (admin), the team's (manager), none else."""
    stmt = stmt.where(Account.deleted_at.is_not(None))
    if not can_see_deleted_accounts(user):
        return stmt.where(false())
    clause = owner_filter(user, Account.owner_id)
    return stmt if clause is None else stmt.where(clause)


def scope_contacts(stmt: Select, user: User) -> Select:
    """Contacts of the accounts the user may see; the select must join Account."""
    stmt = stmt.where(Contact.deleted_at.is_(None), Account.deleted_at.is_(None))
    clause = owner_filter(user, Account.owner_id)
    return stmt if clause is None else stmt.where(clause)


def scope_tasks(stmt: Select, user: User) -> Select:
    """Live tasks of the people the user may see."""
    stmt = stmt.where(Task.deleted_at.is_(None))
    clause = owner_filter(user, Task.owner_id)
    return stmt if clause is None else stmt.where(clause)


def can_view_account(user: User, account: Account) -> bool:
    """Pool accounts are open to every salesperson, so they can decide to claim one."""
    if account.is_deleted:
        return can_restore_account(user, account)
    if account.owner_id is None:
        return True
    return can_see_owner(user, account.owner)


def can_edit_account(user: User, account: Account) -> bool:
    """Sellers change the live accounts they see; pool accounts are claimed first."""
    if user.role not in WRITERS or account.is_deleted:
        return False
    if user.role == Role.ADMIN:
        return True
    return account.owner_id is not None and can_see_owner(user, account.owner)


def can_create_account(user: User) -> bool:
    """Every seller adds accounts."""
    return user.role in WRITERS


def can_delete_account(user: User, account: Account) -> bool:
    """Whoever may change an account may delete it (a manager can restore it)."""
    return can_edit_account(user, account)


def can_see_deleted_accounts(user: User) -> bool:
    """Managers and administrators keep the list of deleted accounts."""
    return user.role in RESTORERS


def can_restore_account(user: User, account: Account) -> bool:
    """Administrators restore any account, a manager the team's."""
    if not can_see_deleted_accounts(user):
        return False
    if user.role == Role.ADMIN:
        return True
    return account.owner is not None and can_see_owner(user, account.owner)


def can_own_accounts(user: Any) -> bool:
    """Reps and managers own accounts (any object with a role: the importer passes rows)."""
    return user.role in ACCOUNT_OWNERS


def can_own_beyond_pool_cap(user: Any) -> bool:
    """Only reps are held to the most accounts one person may own."""
    return user.role != Role.REP


def can_give_accounts_to(actor: Any, owner: Any) -> bool:
    """A manager gives accounts only to the people they answer for; administrators to anyone."""
    return actor.role != Role.MANAGER or leads(actor, owner)


def can_claim_account(user: User, account: Account) -> bool:
    """An owner of accounts takes a live one from the pool."""
    return can_own_accounts(user) and account.owner_id is None and not account.is_deleted


def can_choose_account_owner(user: User) -> bool:
    """Managers and administrators say who owns a new account; a rep owns what they add."""
    return user.role in ASSIGNERS


def can_assign_account(user: User, account: Account) -> bool:
    """Managers hand out pool and team accounts; administrators any account."""
    if account.is_deleted or user.role not in ASSIGNERS:
        return False
    if user.role == Role.ADMIN:
        return True
    return account.owner_id is None or can_see_owner(user, account.owner)


def can_release_account(user: User, account: Account) -> bool:
    """An owned account goes back to the pool by whoever may change it."""
    return account.owner_id is not None and can_edit_account(user, account)


def can_filter_accounts_by_owner(user: User) -> bool:
    """Everyone but reps, whose account list holds only their own accounts."""
    return user.role != Role.REP


def can_view_task(user: User, task: Task) -> bool:
    """A live task of someone the user may see."""
    return not task.is_deleted and (sees_everyone(user) or can_see_owner(user, task.owner))


def can_create_task(user: User) -> bool:
    """Every seller plans follow-ups."""
    return user.role in WRITERS


def can_edit_task(user: User, task: Task) -> bool:
    """Sellers change the live tasks of the people they see; administrators all."""
    if task.is_deleted or user.role not in WRITERS:
        return False
    return user.role == Role.ADMIN or can_see_owner(user, task.owner)


def can_list_others_tasks(user: User) -> bool:
    """Managers and administrators open the task list of someone they see."""
    return user.role in MANAGERS


def can_view_pool(user: User) -> bool:
    """Every seller browses the public pool."""
    return user.role in POOL_USERS


def can_import_accounts(user: User) -> bool:
    """Managers and administrators bring in files of accounts, contacts and deals."""
    return user.role in IMPORTERS


TEMPLATE_PERMISSIONS = {
    "can_view_account": can_view_account,
    "can_edit_account": can_edit_account,
    "can_create_account": can_create_account,
    "can_delete_account": can_delete_account,
    "can_restore_account": can_restore_account,
    "can_claim_account": can_claim_account,
    "can_assign_account": can_assign_account,
    "can_release_account": can_release_account,
    "can_see_deleted_accounts": can_see_deleted_accounts,
    "can_own_accounts": can_own_accounts,
    "can_own_beyond_pool_cap": can_own_beyond_pool_cap,
    "can_choose_account_owner": can_choose_account_owner,
    "can_filter_accounts_by_owner": can_filter_accounts_by_owner,
    "can_create_task": can_create_task,
    "can_edit_task": can_edit_task,
    "can_list_others_tasks": can_list_others_tasks,
    "can_import_accounts": can_import_accounts,
}


# --- imports (h3)


def can_view_import(user: User, job: ImportJob) -> bool:
    """An import job is seen by the person who started it, and by administrators."""
    return job.created_by_id == user.id or user.role in ADMINS


def scope_imports(stmt: Select, user: User) -> Select:
    """The import jobs a user sees listed: their own, every one for administrators."""
    if user.role in ADMINS:
        return stmt
    return stmt.where(ImportJob.created_by_id == user.id)
