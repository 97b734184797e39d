"""Who sees and changes accounts, contacts, interactions, tasks and orders."""

from __future__ import annotations

from sqlalchemy import Select, or_

from salesweb.auth.models import Role, User
from salesweb.auth.permissions import (
    ADMINS,
    MANAGERS,
    can_see_owner,
    owner_filter,
    sees_everyone,
)
from salesweb.core.importing import ImportJob
from salesweb.customers.models import Account, Contact, Task

WRITERS = (Role.ADMIN, Role.MANAGER, Role.REP)


def scope_accounts(stmt: Select, user: User, include_pool: bool = False) -> Select:
    """Live accounts the user may see: own (rep), team's (manager), all (compliance, admin)."""
    stmt = stmt.where(Account.deleted_at.is_(None))
    clause = owner_filter(user, Account.owner_id)
    if clause is None:
        return stmt
    if include_pool:
        clause = or_(clause, Account.owner_id.is_(None))
    return stmt.where(clause)


def scope_contacts(stmt: Select, user: User) -> Select:
    """Contacts of the accounts the user may see; the select must join Account."""
    stmt = stmt.where(Contact.deleted_at.is_(None), Account.deleted_at.is_(None))
    clause = owner_filter(user, Account.owner_id)
    return stmt if clause is None else stmt.where(clause)


def scope_tasks(stmt: Select, user: User) -> Select:
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
    if user.role not in WRITERS or account.is_deleted:
        return False
    if user.role == Role.ADMIN:
        return True
    return account.owner_id is not None and can_see_owner(user, account.owner)


def can_create_account(user: User) -> bool:
    return user.role in WRITERS


def can_delete_account(user: User, account: Account) -> bool:
    return can_edit_account(user, account)


def can_restore_account(user: User, account: Account) -> bool:
    if user.role == Role.ADMIN:
        return True
    return (
        user.role == Role.MANAGER
        and account.owner is not None
        and can_see_owner(user, account.owner)
    )


def can_claim_account(user: User, account: Account) -> bool:
    return (
        user.role in (Role.REP, Role.MANAGER)
        and account.owner_id is None
        and not account.is_deleted
    )


def can_assign_account(user: User, account: Account) -> bool:
    """Managers hand out pool and team accounts; administrators any account."""
    if account.is_deleted:
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.MANAGER:
        return False
    return account.owner_id is None or can_see_owner(user, account.owner)


def can_release_account(user: User, account: Account) -> bool:
    return account.owner_id is not None and can_edit_account(user, account)


def can_view_task(user: User, task: Task) -> bool:
    return not task.is_deleted and (sees_everyone(user) or can_see_owner(user, task.owner))


def can_edit_task(user: User, task: Task) -> bool:
    if task.is_deleted or user.role not in WRITERS:
        return False
    return user.role == Role.ADMIN or can_see_owner(user, task.owner)


def can_view_pool(user: User) -> bool:
    return user.role in (Role.ADMIN, Role.MANAGER, Role.REP)


def can_import_accounts(user: User) -> bool:
    return user.role in (Role.ADMIN, Role.MANAGER)


TEMPLATE_PERMISSIONS = {
    "can_view_account": can_view_account,
    "can_edit_account": can_edit_account,
    "can_create_account": can_create_account,
    "can_delete_account": can_delete_account,
    "can_restore_account": can_restore_account,
    "can_claim_account": can_claim_account,
    "can_assign_account": can_assign_account,
    "can_release_account": can_release_account,
    "can_edit_task": can_edit_task,
    "can_import_accounts": can_import_accounts,
}


# --- imports (h3)

IMPORTERS = MANAGERS  # upload files and follow their own imports


def can_view_import(user: User, job: ImportJob) -> bool:
    """An import job is seen by the person who started it, and by administrators."""
    return job.created_by_id == user.id or user.role in ADMINS


def scope_imports(stmt: Select, user: User) -> Select:
    """The import jobs a user sees listed: their own, every one for administrators."""
    if user.role in ADMINS:
        return stmt
    return stmt.where(ImportJob.created_by_id == user.id)
