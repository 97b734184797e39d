"""Data scopes: rep sees own, manager own team, compliance and admin everyone."""

from sqlalchemy import select

from salesweb.auth.models import Role, User
from salesweb.auth.permissions import can_see_owner, scope_owned
from tests.factories import make_team, make_user


def visible_ids(db, viewer):
    stmt = scope_owned(select(User.id), viewer, User.id)
    return set(db.session.scalars(stmt))


def test_scopes(db):
    east, west = make_team(), make_team()
    manager = make_user(role=Role.MANAGER, team=east)
    rep = make_user(team=east)
    peer = make_user(team=east)
    outsider = make_user(team=west)
    admin = make_user(role=Role.ADMIN)
    compliance = make_user(role=Role.COMPLIANCE)

    assert visible_ids(db, rep) == {rep.id}
    assert visible_ids(db, manager) == {manager.id, rep.id, peer.id}
    everyone = set(db.session.scalars(select(User.id)))
    assert visible_ids(db, admin) == everyone == visible_ids(db, compliance)

    assert can_see_owner(rep, rep) and not can_see_owner(rep, peer)
    assert can_see_owner(manager, peer) and not can_see_owner(manager, outsider)
    assert can_see_owner(compliance, outsider) and can_see_owner(admin, outsider)
    assert not can_see_owner(rep, None)


def test_manager_without_team_sees_only_own(db):
    manager = make_user(role=Role.MANAGER)
    make_user()
    assert visible_ids(db, manager) == {manager.id}
