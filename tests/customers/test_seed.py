"""The demo company's customers: believable, complete, and the same after a second run."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import case, func, select

from salesweb.auth.models import User
from salesweb.core import seeding
from salesweb.core.models import AuditLog, ExchangeRate, utcnow
from salesweb.customers import seed as customer_seed
from salesweb.customers import services
from salesweb.customers.models import Account, Contact, Interaction, Order, OrderLine, Task

COUNTED = (Account, Contact, Interaction, Task, Order, OrderLine, ExchangeRate, User, AuditLog)


def _seed_all(db) -> None:
    """What `flask seed-demo` does, without leaving the test's transaction."""
    for _name, seeder in seeding.seeders():
        seeder()
        db.session.flush()


def _count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _counts(db) -> dict[str, int]:
    return {model.__name__: _count(db, model) for model in COUNTED}


def test_customers_seeder_is_registered_after_users():
    names = [name for name, _ in seeding.seeders()]
    assert names.index("users and teams") < names.index("customers")


def test_demo_customers_are_complete_and_safe_to_run_twice(db):
    _seed_all(db)
    first = _counts(db)
    _seed_all(db)
    assert _counts(db) == first

    demo = Account.external_id.like(f"{customer_seed.PREFIX}%")
    accounts = _count(db, Account, demo)
    assert 55 <= accounts <= 65
    assert _count(db, Account, demo, Account.owner_id.is_(None)) >= 5
    assert {row for row in db.session.scalars(select(Account.type).where(demo).distinct())} == {
        "prospect",
        "customer",
        "partner",
        "churned",
    }
    # Every account has 1-3 contacts, exactly one of them primary.
    per_account = db.session.execute(
        select(
            Contact.account_id,
            func.count(),
            func.sum(case((Contact.is_primary, 1), else_=0)),
        ).group_by(Contact.account_id)
    ).all()
    assert len(per_account) == accounts
    assert all(1 <= n <= 3 and primaries == 1 for _, n, primaries in per_account)
    kinds = set(db.session.scalars(select(Interaction.kind).distinct()))
    assert kinds == {"call", "email", "meeting", "visit", "wechat", "social", "other"}
    # last_interaction_at is the newest interaction, as log_interaction keeps it.
    newest = (
        select(func.max(Interaction.occurred_at))
        .where(Interaction.account_id == Account.id)
        .scalar_subquery()
    )
    assert _count(db, Account, demo, Account.last_interaction_at != newest) == 0

    rep = db.session.scalar(select(User).where(User.email == "rep@example.com"))
    now = utcnow()
    overdue = _count(db, Task, services.open_task_filter(rep.id), Task.due_at < now)
    assert overdue >= 3
    assert _count(db, Task, services.open_task_filter(rep.id), Task.due_at >= now) >= 1
    assert _count(db, Task, Task.owner_id == rep.id, Task.done_at.is_not(None)) >= 1

    assert _count(db, Order) >= 30
    assert _count(db, Order, Order.base_total <= 0) == 0
    assert _count(db, Order, Order.currency == "USD") >= 3
    assert _count(db, Order, Order.currency == "CNY") > _count(db, Order, Order.currency != "CNY")
    assert _count(db, OrderLine) >= _count(db, Order)


def test_reclaim_finds_the_two_quiet_accounts_of_rep(db):
    _seed_all(db)
    rep = db.session.scalar(select(User).where(User.email == "rep@example.com"))
    quiet = set(
        db.session.scalars(
            select(Account.name).where(
                Account.owner_id.is_not(None),
                Account.last_interaction_at < utcnow() - timedelta(days=90),
            )
        )
    )
    assert quiet == set(customer_seed.IDLE)

    assert services.reclaim_idle_accounts(90) == 2
    assert (
        _count(db, Account, Account.name.in_(customer_seed.IDLE), Account.owner_id.is_(None)) == 2
    )
    assert _count(db, Account, Account.owner_id == rep.id) > 0


def test_the_plan_is_the_same_every_time():
    assert customer_seed.build_plan() == customer_seed.build_plan()
