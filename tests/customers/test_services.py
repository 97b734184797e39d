from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from salesweb.core.errors import ConflictError, DomainError
from salesweb.core.models import AuditLog, ExchangeRate, utcnow
from salesweb.customers import services
from salesweb.customers.models import Account, OwnershipNotice
from tests.factories import make_account, make_contact, make_interaction, make_team, make_user


def audit_actions(db, account):
    return db.session.scalars(
        select(AuditLog.action)
        .where(AuditLog.record_type == "accounts", AuditLog.record_id == str(account.id))
        .order_by(AuditLog.id)
    ).all()


def test_create_account_refuses_likely_duplicates_until_confirmed(db, app):
    rep = make_user()
    existing = make_account(
        name="上海明远精密机械有限公司", phone="021-5555 0000", email="info@mingyuan.cn"
    )
    with app.test_request_context():
        for data in (
            {"name": "上海明远精密机械"},
            {"name": "Other", "phone": "+86 21 5555 0000"},
            {"name": "Another", "email": "sales@mingyuan.cn"},
        ):
            with pytest.raises(services.DuplicatesFound) as exc:
                services.create_account(rep, {**data, "type": "prospect"}, owner=rep)
            assert exc.value.matches == [existing]
        # A free-mail domain says nothing about the company.
        make_account(name="Somebody", email="a@qq.com")
        services.create_account(rep, {"name": "Fresh", "email": "b@qq.com"}, owner=rep)
        account = services.create_account(
            rep, {"name": "上海明远精密机械"}, owner=rep, confirm_duplicates=True
        )
    assert account.name_key == existing.name_key and account.owner_id == rep.id


def test_rep_cap(db, app):
    app.config["SALESWEB_POOL_CAP"] = 2
    try:
        rep = make_user()
        make_account(owner=rep)
        make_account(owner=rep)
        pooled = make_account()
        with app.test_request_context(), pytest.raises(DomainError):
            services.claim_account(rep, pooled)
    finally:
        app.config["SALESWEB_POOL_CAP"] = 200
    assert pooled.owner_id is None


def test_claim_assign_release_are_audited(db, app):
    team = make_team()
    manager = make_user(role="manager", team=team)
    rep = make_user(team=team)
    outsider = make_user()
    account = make_account()
    with app.test_request_context():
        services.claim_account(rep, account)
        with pytest.raises(DomainError):
            services.claim_account(manager, account)
        with pytest.raises(DomainError) as exc:
            services.assign_account(manager, account, outsider)
        assert exc.value.field == "owner_id"
        services.assign_account(manager, account, manager)
        services.release_account(manager, account)
    assert account.owner_id is None
    assert audit_actions(db, account)[-3:] == ["claim", "assign", "release"]


def test_reclaim_is_idempotent_and_leaves_notice(db, app):
    rep = make_user()
    old = utcnow() - timedelta(days=120)
    idle = make_account(owner=rep, owner_since=old)
    make_interaction(idle, occurred_at=old)
    busy = make_account(owner=rep, owner_since=old)
    make_interaction(busy, occurred_at=utcnow() - timedelta(days=3))
    fresh = make_account(owner=rep, owner_since=utcnow() - timedelta(days=1))  # claimed yesterday
    with app.test_request_context():
        assert services.reclaim_idle_accounts(90) == 1
        assert services.reclaim_idle_accounts(90) == 0
    assert idle.owner_id is None and busy.owner_id == rep.id and fresh.owner_id == rep.id
    notice = db.session.scalar(select(OwnershipNotice).where(OwnershipNotice.account_id == idle.id))
    assert notice.user_id == rep.id and notice.seen_at is None
    assert "reclaim" in audit_actions(db, idle)


def test_first_contact_is_primary_and_only_one_primary(db, app):
    rep = make_user()
    account = make_account(owner=rep)
    with app.test_request_context():
        first = services.add_contact(rep, account, {"name": "王芳"})
        second = services.add_contact(rep, account, {"name": "Li Lei", "is_primary": True})
    db.session.refresh(first)
    assert second.is_primary and not first.is_primary


def test_log_interaction_updates_last_contact_and_creates_task(db, app):
    rep = make_user()
    account = make_account(owner=rep)
    contact = make_contact(account)
    other = make_contact(make_account())
    when = utcnow() - timedelta(hours=2)
    with app.test_request_context():
        interaction, task = services.log_interaction(
            rep,
            account,
            {"kind": "call", "summary": "谈续约", "occurred_at": when, "contact": contact},
            next_task=services.NextTask("Send quote", utcnow() + timedelta(days=2)),
        )
        with pytest.raises(DomainError):
            services.log_interaction(
                rep, account, {"kind": "call", "summary": "x", "contact": other}
            )
    assert account.last_interaction_at == when
    assert (
        task.owner_id == rep.id
        and task.interaction_id == interaction.id
        and task.contact_id == contact.id
    )


def test_update_account_conflict(db, app):
    rep = make_user()
    account = make_account(owner=rep)
    with app.test_request_context(), pytest.raises(ConflictError):
        services.update_account(rep, account, {"name": "X"}, version=account.version + 1)


def test_soft_delete_and_restore(db, app):
    account = make_account()
    admin = make_user(role="admin")
    with app.test_request_context():
        services.delete_account(admin, account)
        with pytest.raises(DomainError):
            services.delete_account(admin, account)
        services.restore_account(admin, account)
    assert audit_actions(db, account)[-2:] == ["delete", "restore"]
    assert db.session.get(Account, account.id) is not None


def test_orders_convert_to_base_and_sum_in_sql(db, app):
    rep = make_user()
    account = make_account(owner=rep)
    db.session.add(ExchangeRate(currency="USD", valid_on=date(2026, 1, 1), rate=Decimal("7.1")))
    db.session.flush()
    with app.test_request_context():
        services.create_order(
            rep,
            account,
            ordered_on=date(2026, 3, 1),
            currency="CNY",
            lines=[services.LineInput("GTX Basic", Decimal("2"), Decimal("550.00"))],
        )
        services.create_order(
            rep,
            account,
            ordered_on=date(2026, 4, 1),
            currency="USD",
            external_id="SO-1",
            lines=[services.LineInput("GTX Pro", Decimal("1"), Decimal("100.00"))],
        )
        with pytest.raises(DomainError):
            services.create_order(
                rep,
                account,
                ordered_on=date(2025, 1, 1),
                currency="USD",
                lines=[services.LineInput("x", Decimal("1"), Decimal("1"))],
            )
        with pytest.raises(DomainError):
            services.create_order(
                rep,
                account,
                ordered_on=date(2026, 4, 1),
                currency="CNY",
                external_id="SO-1",
                lines=[services.LineInput("x", Decimal("1"), Decimal("1"))],
            )
        with pytest.raises(DomainError):
            services.create_order(
                rep,
                account,
                ordered_on=date(2026, 4, 1),
                currency="CNY",
                lines=[services.LineInput("x", Decimal("0"), Decimal("1"))],
            )
    summary = services.purchase_summary(account.id)
    assert summary.lifetime_value == Decimal("1810.00")
    assert summary.last_purchase == date(2026, 4, 1) and summary.orders == 2


@pytest.mark.parametrize(
    ("role", "chosen", "expected"),
    [
        ("rep", "mate", "actor"),  # a rep owns what they add, whatever the form says
        ("rep", "pool", "actor"),
        ("manager", "mate", "mate"),
        ("manager", "pool", None),
        ("manager", "other", "refused"),
        ("manager", "admin", "refused"),  # administrators do not own accounts
        ("admin", "other", "other"),
        ("admin", "pool", None),
    ],
)
def test_the_service_decides_who_owns_a_new_account(db, app, role, chosen, expected):
    east, west = make_team(), make_team()
    people = {
        "actor": make_user(role=role, team=east, password=None),
        "mate": make_user(team=east, password=None),
        "other": make_user(team=west, password=None),
        "admin": make_user(role="admin", team=east, password=None),
    }
    chosen_id = 0 if chosen == "pool" else people[chosen].id
    with app.test_request_context():
        if expected == "refused":
            with pytest.raises(DomainError) as exc:
                services.create_account(people["actor"], {"name": "New"}, chosen_owner_id=chosen_id)
            assert exc.value.field == "owner_id"
            return
        account = services.create_account(
            people["actor"], {"name": "New"}, chosen_owner_id=chosen_id
        )
    assert account.owner is (people[expected] if expected else None)
