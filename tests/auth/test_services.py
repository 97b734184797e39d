"""Sign-in with lockout, passwords, users and teams."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from salesweb.auth import models as auth_models
from salesweb.auth import services
from salesweb.auth.models import Role, User
from salesweb.core.errors import ConflictError, DomainError
from salesweb.core.models import AuditLog, utcnow
from tests.factories import PASSWORD, make_team, make_user


def test_authenticate_is_case_insensitive_on_email(db, app):
    user = make_user(email="mixed@example.com")
    with app.test_request_context():
        assert services.authenticate("  MIXED@Example.com ", PASSWORD) == user
        assert user.last_sign_in_at is not None


def test_five_failures_lock_for_fifteen_minutes(db, app):
    user = make_user()
    with app.test_request_context():
        for _ in range(5):
            assert services.authenticate(user.email, "wrong-password") is None
        db.session.refresh(user)
        assert user.is_locked()
        assert user.locked_until - utcnow() > timedelta(minutes=14)
        # Even the right password is refused while locked.
        assert services.authenticate(user.email, PASSWORD) is None
    actions = db.session.scalars(
        select(AuditLog.action).where(
            AuditLog.record_type == "users", AuditLog.record_id == str(user.id)
        )
    ).all()
    assert (
        actions.count("sign_in_failed") == 4
        and "locked" in actions
        and "sign_in_refused" in actions
    )


def test_lock_expires(db, app):
    user = make_user(locked_until=utcnow() - timedelta(seconds=1))
    with app.test_request_context():
        assert services.authenticate(user.email, PASSWORD) == user


def test_failed_sign_in_does_not_bump_version(db, app):
    user = make_user()
    version = user.version
    with app.test_request_context():
        services.authenticate(user.email, "nope")
    db.session.refresh(user)
    assert user.version == version and user.failed_logins == 1


def test_failures_older_than_the_window_do_not_count(db, app):
    old = make_user(failed_logins=4, first_failed_at=utcnow() - timedelta(minutes=16))
    recent = make_user(failed_logins=4, first_failed_at=utcnow() - timedelta(minutes=5))
    with app.test_request_context():
        services.authenticate(old.email, "wrong-password")
        services.authenticate(recent.email, "wrong-password")
    db.session.refresh(old)
    db.session.refresh(recent)
    # Four stale failures are forgotten: this one starts a new window.
    assert old.failed_logins == 1 and not old.is_locked()
    assert old.first_failed_at > utcnow() - timedelta(minutes=1)
    assert recent.is_locked() and recent.failed_logins == 0


def test_failure_window_is_configurable(db, app):
    user = make_user(failed_logins=4, first_failed_at=utcnow() - timedelta(minutes=16))
    app.config["SALESWEB_LOCKOUT_WINDOW_MINUTES"] = 60
    try:
        with app.test_request_context():
            services.authenticate(user.email, "wrong-password")
    finally:
        app.config["SALESWEB_LOCKOUT_WINDOW_MINUTES"] = 15
    db.session.refresh(user)
    assert user.is_locked()


def test_right_password_refused_when_a_parallel_failure_locked_meanwhile(db, app, monkeypatch):
    user = make_user()
    db.session.flush()

    def checked_while_another_request_locks(self, password):
        # Another request's fifth failure locks the account after this one read the user.
        db.session.execute(
            update(User)
            .where(User.id == self.id)
            .values(locked_until=utcnow() + timedelta(minutes=15))
        )
        return True

    monkeypatch.setattr(User, "check_password", checked_while_another_request_locks)
    with app.test_request_context():
        assert services.authenticate(user.email, PASSWORD) is None
    db.session.refresh(user)
    assert user.is_locked() and user.last_sign_in_at is None


@pytest.mark.parametrize("case", ["unknown", "locked", "inactive", "no password"])
def test_refused_sign_ins_still_check_a_password_hash(db, app, monkeypatch, case):
    """The answer takes as long as for a real account: a dummy hash of the same cost is checked."""
    overrides = {
        "unknown": {},
        "locked": {"locked_until": utcnow() + timedelta(minutes=5)},
        "inactive": {"active": False},
        "no password": {"password": None},
    }[case]
    user = make_user(**overrides)
    email = "nobody@example.com" if case == "unknown" else user.email
    checked = []
    real = auth_models.check_password_hash
    monkeypatch.setattr(
        auth_models, "check_password_hash", lambda h, p: checked.append(h) or real(h, p)
    )
    with app.test_request_context():
        assert services.authenticate(email, PASSWORD) is None
    dummy = auth_models._dummy_password_hash()
    assert checked == [dummy]
    assert dummy.split("$")[0] == user_hash_method()


def user_hash_method() -> str:
    """The algorithm and cost real passwords are hashed with."""
    return generate_password_hash("x").split("$")[0]


def test_end_all_sessions_rotates_token_without_version_bump(db, app):
    user = make_user()
    token, version = user.session_token, user.version
    with app.test_request_context():
        services.end_all_sessions(user)
    db.session.refresh(user)
    assert user.session_token != token and user.version == version


def test_inactive_user_cannot_sign_in(db, app):
    user = make_user(active=False)
    with app.test_request_context():
        assert services.authenticate(user.email, PASSWORD) is None


def test_user_without_password_cannot_sign_in(db, app):
    user = make_user(password=None)
    with app.test_request_context():
        assert services.authenticate(user.email, "") is None


def test_change_own_password_rotates_session_token(db, app):
    user = make_user()
    old_token = user.session_token
    with app.test_request_context():
        with pytest.raises(DomainError) as wrong:
            services.change_own_password(user, "not-it", "another-good-password")
        assert wrong.value.field == "current"
        with pytest.raises(DomainError) as short:
            services.change_own_password(user, PASSWORD, "short")
        assert short.value.field == "new"
        services.change_own_password(user, PASSWORD, "another-good-password")
    assert user.session_token != old_token
    assert user.check_password("another-good-password")


def test_create_user_refuses_duplicate_email_any_case(db):
    make_user(email="dup@example.com")
    with pytest.raises(DomainError) as exc:
        services.create_user(None, email="DUP@example.com", display_name="X", role=Role.REP)
    assert exc.value.field == "email"


def test_update_user_detects_stale_version(db):
    admin = make_user(role=Role.ADMIN)
    user = make_user()
    with pytest.raises(ConflictError):
        services.update_user(admin, user, version=user.version + 1, display_name="Changed")


def test_admin_cannot_lock_themselves_out(db):
    admin = make_user(role=Role.ADMIN)
    with pytest.raises(DomainError) as exc:
        services.update_user(admin, admin, version=admin.version, role=Role.REP)
    assert exc.value.field == "role"
    with pytest.raises(DomainError):
        services.set_active(admin, admin, False)


def test_deactivate_ends_sessions_and_keeps_record(db):
    admin = make_user(role=Role.ADMIN)
    user = make_user()
    token = user.session_token
    services.set_active(admin, user, False)
    assert not user.active and user.session_token != token
    assert db.session.get(User, user.id) is not None


def test_reset_password_lifts_lock(db, app):
    admin = make_user(role=Role.ADMIN)
    user = make_user(locked_until=utcnow() + timedelta(minutes=10))
    with app.test_request_context():
        services.reset_password(admin, user, "brand-new-password")
    assert not user.is_locked() and user.check_password("brand-new-password")


def test_team_names_are_unique_and_manager_joins(db):
    manager = make_user(role=Role.MANAGER)
    team = services.create_team(None, name="East", region="华东", manager=manager)
    assert manager.team == team
    with pytest.raises(DomainError):
        services.create_team(None, name="east")


def test_update_team_conflict(db):
    admin = make_user(role=Role.ADMIN)
    team = make_team()
    with pytest.raises(ConflictError):
        services.update_team(admin, team, version=99, name="X", region="", manager=None)


def test_a_sign_in_is_recorded_as_done_by_the_person_a_failure_by_no_one(db, app):
    user = make_user()
    with app.test_request_context():
        services.authenticate(user.email, "wrong-password")
        services.authenticate(user.email, PASSWORD)
    db.session.flush()
    rows = db.session.scalars(
        select(AuditLog).where(AuditLog.record_id == str(user.id)).order_by(AuditLog.id)
    ).all()
    by_action = {row.action: row for row in rows}
    assert (by_action["sign_in"].actor_id, by_action["sign_in"].actor_label) == (
        user.id,
        user.email,
    )
    assert by_action["sign_in_failed"].actor_id is None
