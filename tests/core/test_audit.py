"""The audit trail: create, update, soft delete, masking, actor and history."""

from sqlalchemy import select

from salesweb.core import audit
from salesweb.core.audit import MASKED
from salesweb.core.models import AuditLog
from tests.factories import make_team, make_user


def rows_for(db, record_type, record_id):
    return db.session.scalars(
        select(AuditLog)
        .where(AuditLog.record_type == record_type, AuditLog.record_id == str(record_id))
        .order_by(AuditLog.id)
    ).all()


def test_create_writes_row_with_new_values_and_masks_secrets(db):
    user = make_user(display_name="Ada")
    (row,) = rows_for(db, "users", user.id)
    assert row.action == "create"
    assert row.changes["display_name"] == [None, "Ada"]
    assert row.changes["password_hash"] == [None, MASKED]
    assert row.actor_label == "system"


def test_update_writes_old_and_new(db):
    team = make_team(name="Old name")
    team.name = "New name"
    db.session.flush()
    rows = rows_for(db, "teams", team.id)
    assert [r.action for r in rows] == ["create", "update"]
    assert rows[-1].changes == {"name": ["Old name", "New name"]}


def test_update_with_no_real_change_writes_nothing(db):
    team = make_team(name="Same")
    team.name = "Same"
    db.session.flush()
    assert [r.action for r in rows_for(db, "teams", team.id)] == ["create"]


def test_explicit_event_and_history(db, app):
    user = make_user()
    audit.log_event("password_reset", user)
    db.session.flush()
    history = audit.history_for("users", user.id)
    assert [r.action for r in history] == ["password_reset", "create"]


def test_audit_rows_roll_back_with_the_change(db):
    team = make_team(name="Rolled back")
    team_id = team.id
    db.session.rollback()
    assert rows_for(db, "teams", team_id) == []


def test_signed_in_actor_and_address_are_recorded(client, login_as, db):
    admin = login_as("admin")
    target = make_user(display_name="Before")
    db.session.commit()
    response = client.post(
        f"/auth/users/{target.id}",
        data={
            "email": target.email,
            "display_name": "After",
            "role": "rep",
            "team_id": "0",
            "locale": "en",
            "timezone": "Asia/Shanghai",
            "active": "y",
            "version": target.version,
        },
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert response.status_code == 303
    row = rows_for(db, "users", target.id)[-1]
    assert row.actor_id == admin.id and row.actor_label == admin.email
    assert row.ip == "10.1.2.3"
    assert row.changes == {"display_name": ["Before", "After"]}
