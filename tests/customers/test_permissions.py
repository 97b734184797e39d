"""Allow/deny tables of every customers permission: role x situation -> allowed.

Every actor is in the east team. "own" is owned by the actor, "mate" by a rep of the same
team, "other" by a rep of another team, "pool" by no one; "deleted" is the mate's record,
deleted, and "deleted_other" the other team's, deleted.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from salesweb.core.models import utcnow
from salesweb.customers import permissions as perms
from salesweb.customers.models import Account, Contact, Task
from tests.factories import make_account, make_contact, make_task, make_team, make_user

ROLES = ("rep", "manager", "admin", "compliance")
ACCOUNT_SITUATIONS = ("own", "mate", "other", "pool", "deleted", "deleted_other")
TASK_SITUATIONS = ("own", "mate", "other", "deleted")
ALL = set(ACCOUNT_SITUATIONS)

# rule -> role -> the situations in which the rule allows; every other situation is denied.
ACCOUNT_RULES: dict[str, dict[str, set[str]]] = {
    "can_view_account": {
        "rep": {"own", "pool"},
        "manager": {"own", "mate", "pool", "deleted"},
        "admin": ALL,
        "compliance": {"own", "mate", "other", "pool"},
    },
    "can_edit_account": {
        "rep": {"own"},
        "manager": {"own", "mate"},
        "admin": {"own", "mate", "other", "pool"},
        "compliance": set(),
    },
    "can_delete_account": {
        "rep": {"own"},
        "manager": {"own", "mate"},
        "admin": {"own", "mate", "other", "pool"},
        "compliance": set(),
    },
    # Whether the account is deleted at all is the route's and the service's question.
    "can_restore_account": {
        "rep": set(),
        "manager": {"own", "mate", "deleted"},
        "admin": ALL,
        "compliance": set(),
    },
    "can_claim_account": {
        "rep": {"pool"},
        "manager": {"pool"},
        "admin": set(),
        "compliance": set(),
    },
    "can_assign_account": {
        "rep": set(),
        "manager": {"own", "mate", "pool"},
        "admin": {"own", "mate", "other", "pool"},
        "compliance": set(),
    },
    "can_release_account": {
        "rep": {"own"},
        "manager": {"own", "mate"},
        "admin": {"own", "mate", "other"},
        "compliance": set(),
    },
}

TASK_RULES: dict[str, dict[str, set[str]]] = {
    "can_view_task": {
        "rep": {"own"},
        "manager": {"own", "mate"},
        "admin": {"own", "mate", "other"},
        "compliance": {"own", "mate", "other"},
    },
    "can_edit_task": {
        "rep": {"own"},
        "manager": {"own", "mate"},
        "admin": {"own", "mate", "other"},
        "compliance": set(),
    },
}

# Rules that depend on the role alone: the roles they allow.
ROLE_RULES: dict[str, set[str]] = {
    "can_create_account": {"rep", "manager", "admin"},
    "can_see_deleted_accounts": {"manager", "admin"},
    "can_own_accounts": {"rep", "manager"},
    "can_own_beyond_pool_cap": {"manager", "admin", "compliance"},
    "can_choose_account_owner": {"manager", "admin"},
    "can_filter_accounts_by_owner": {"manager", "admin", "compliance"},
    "can_create_task": {"rep", "manager", "admin"},
    "can_list_others_tasks": {"manager", "admin"},
    "can_view_pool": {"rep", "manager", "admin"},
    "can_import_accounts": {"manager", "admin"},
}


def table(rules: dict[str, dict[str, set[str]]], situations: tuple[str, ...]) -> list:
    return [
        pytest.param(
            rule, role, situation, situation in allowed[role], id=f"{rule}-{role}-{situation}"
        )
        for rule, allowed in rules.items()
        for role in ROLES
        for situation in situations
    ]


@pytest.fixture
def people(db):
    east, west = make_team(), make_team()
    return {
        **{role: make_user(role=role, team=east, password=None) for role in ROLES},
        "mate": make_user(team=east, password=None),
        "other": make_user(team=west, password=None),
    }


def owner_in(people, actor, situation: str):
    """Who owns the record in this situation."""
    return {
        "own": actor,
        "mate": people["mate"],
        "other": people["other"],
        "pool": None,
        "deleted": people["mate"],
        "deleted_other": people["other"],
    }[situation]


def deleted_in(situation: str):
    return utcnow() if situation.startswith("deleted") else None


@pytest.mark.parametrize(
    ("rule", "role", "situation", "expected"), table(ACCOUNT_RULES, ACCOUNT_SITUATIONS)
)
def test_account_rules(people, rule, role, situation, expected):
    actor = people[role]
    account = make_account(
        owner=owner_in(people, actor, situation), deleted_at=deleted_in(situation)
    )
    assert getattr(perms, rule)(actor, account) is expected


@pytest.mark.parametrize(
    ("rule", "role", "situation", "expected"), table(TASK_RULES, TASK_SITUATIONS)
)
def test_task_rules(people, rule, role, situation, expected):
    actor = people[role]
    task = make_task(owner_in(people, actor, situation), deleted_at=deleted_in(situation))
    assert getattr(perms, rule)(actor, task) is expected


@pytest.mark.parametrize(
    ("rule", "role", "expected"),
    [
        pytest.param(rule, role, role in allowed, id=f"{rule}-{role}")
        for rule, allowed in ROLE_RULES.items()
        for role in ROLES
    ],
)
def test_role_rules(people, rule, role, expected):
    assert getattr(perms, rule)(people[role]) is expected


# A manager gives accounts only within the team; who may hand out at all is the route's rule.
@pytest.mark.parametrize(
    ("role", "receiver", "expected"),
    [
        ("rep", "mate", True),
        ("rep", "other", True),
        ("manager", "mate", True),
        ("manager", "other", False),
        ("admin", "mate", True),
        ("admin", "other", True),
        ("compliance", "mate", True),
        ("compliance", "other", True),
    ],
)
def test_can_give_accounts_to(people, role, receiver, expected):
    assert perms.can_give_accounts_to(people[role], people[receiver]) is expected


# --- scopes: which records each role sees ----------------------------------------------------


@pytest.fixture
def book(people):
    """Accounts, contacts and tasks of the east rep, the mate, the manager, the other team."""
    owners = {"rep": people["rep"], "mate": people["mate"], "manager": people["manager"]}
    owners["other"] = people["other"]
    accounts = {name: make_account(owner=owner) for name, owner in owners.items()}
    accounts["pool"] = make_account()
    accounts["deleted"] = make_account(owner=people["mate"], deleted_at=utcnow())
    accounts["deleted_other"] = make_account(owner=people["other"], deleted_at=utcnow())
    contacts = {name: make_contact(account) for name, account in accounts.items()}
    contacts["deleted_contact"] = make_contact(accounts["rep"], deleted_at=utcnow())
    tasks = {name: make_task(owner) for name, owner in owners.items()}
    tasks["deleted_task"] = make_task(people["rep"], deleted_at=utcnow())
    return {"accounts": accounts, "contacts": contacts, "tasks": tasks}


def seen(db, stmt, model, records: dict) -> set[str]:
    names = {record.id: name for name, record in records.items()}
    ids = db.session.scalars(stmt.where(model.id.in_(names)))
    return {names[i] for i in ids}


LIVE_ACCOUNTS = {"rep", "mate", "manager", "other", "pool"}


@pytest.mark.parametrize(
    ("role", "include_pool", "expected"),
    [
        ("rep", False, {"rep"}),
        ("rep", True, {"rep", "pool"}),
        ("manager", False, {"rep", "mate", "manager"}),
        ("manager", True, {"rep", "mate", "manager", "pool"}),
        ("admin", False, LIVE_ACCOUNTS),
        ("admin", True, LIVE_ACCOUNTS),
        ("compliance", False, LIVE_ACCOUNTS),
        ("compliance", True, LIVE_ACCOUNTS),
    ],
)
def test_scope_accounts(db, people, book, role, include_pool, expected):
    stmt = perms.scope_accounts(select(Account.id), people[role], include_pool=include_pool)
    assert seen(db, stmt, Account, book["accounts"]) == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("rep", set()),
        ("manager", {"deleted"}),
        ("admin", {"deleted", "deleted_other"}),
        ("compliance", set()),
    ],
)
def test_scope_deleted_accounts(db, people, book, role, expected):
    stmt = perms.scope_deleted_accounts(select(Account.id), people[role])
    assert seen(db, stmt, Account, book["accounts"]) == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("rep", {"rep"}),
        ("manager", {"rep", "mate", "manager"}),
        ("admin", LIVE_ACCOUNTS),
        ("compliance", LIVE_ACCOUNTS),
    ],
)
def test_scope_contacts(db, people, book, role, expected):
    stmt = select(Contact.id).join(Account, Account.id == Contact.account_id)
    stmt = perms.scope_contacts(stmt, people[role])
    assert seen(db, stmt, Contact, book["contacts"]) == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("rep", {"rep"}),
        ("manager", {"rep", "mate", "manager"}),
        ("admin", {"rep", "mate", "manager", "other"}),
        ("compliance", {"rep", "mate", "manager", "other"}),
    ],
)
def test_scope_tasks(db, people, book, role, expected):
    stmt = perms.scope_tasks(select(Task.id), people[role])
    assert seen(db, stmt, Task, book["tasks"]) == expected
