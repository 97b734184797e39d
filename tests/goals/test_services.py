"""Targets: splits to the cent, reconciling, publishing, revisions and conflicts."""

from decimal import Decimal

import pytest

from salesweb.core.errors import ConflictError, DomainError
from salesweb.goals import queries
from salesweb.goals.models.target import TargetStatus
from salesweb.goals.services import targets as svc
from tests.factories import make_team, make_user
from tests.goals.factories import make_target

D = Decimal


def test_split_amount_is_exact_to_the_cent_and_deterministic():
    parts = svc.split_amount(D("100.00"), [D(1)] * 3, D("0.01"))
    assert parts == [D("33.34"), D("33.33"), D("33.33")]
    assert sum(parts) == D("100.00")
    assert svc.split_amount(D("10"), [D(1), D(2)], D(1)) == [D(3), D(7)]
    assert svc.split_amount(D("0.05"), [D(0), D(0)], D("0.01")) == [D("0.03"), D("0.02")]
    weighted = svc.split_amount(D("999.99"), [D("3.3"), D("1.1"), D("5.6")], D("0.01"))
    assert sum(weighted) == D("999.99")


def _team_with(n):
    team = make_team()
    manager = make_user(role="manager", team_id=team.id)
    team.manager_id = manager.id
    reps = [make_user(role="rep", team_id=team.id, display_name=f"Rep {i}") for i in range(n)]
    return team, manager, reps


def test_even_split_of_a_team_target_reconciles_and_publishes(db):
    team, manager, reps = _team_with(2)
    target = make_target(manager, level="team", team_id=team.id, value=D("1000.00"))
    parts = svc.suggest_split(target, svc.OWNERS, "even")
    assert [p.value for p in parts] == [D("333.34"), D("333.33"), D("333.33")]  # 2 reps + manager
    svc.save_split(manager, target, svc.OWNERS, {p.key: p.value for p in parts})
    kids = queries.children_of([target.id])[target.id]
    assert svc.reconciled(target, kids)
    published = svc.publish_target(manager, target, target.version)
    assert {t.status for t in published} == {TargetStatus.PUBLISHED}
    assert len(published) == 4


def test_publish_refused_while_parts_differ_unless_intended_with_note(db):
    team, manager, reps = _team_with(1)
    target = make_target(manager, level="team", team_id=team.id, value=D("100"))
    values = {p.key: D("40") for p in svc.split_parts(target, svc.OWNERS)}
    svc.save_split(manager, target, svc.OWNERS, values)
    with pytest.raises(DomainError) as refused:
        svc.publish_target(manager, target, target.version)
    assert refused.value.field == "difference_intended"
    with pytest.raises(DomainError):
        svc.publish_target(manager, target, target.version, intended=True, note=" ")
    svc.publish_target(manager, target, target.version, intended=True, note="Stretch for Q3")
    assert target.is_published and target.difference_note == "Stretch for Q3"


def test_a_split_leaving_a_part_without_a_number_saves_nothing(db):
    team, manager, reps = _team_with(1)
    target = make_target(manager, level="team", team_id=team.id)
    keys = [p.key for p in svc.split_parts(target, svc.OWNERS)]
    with pytest.raises(DomainError) as refused:
        svc.save_split(manager, target, svc.OWNERS, {keys[0]: D("5")})
    assert refused.value.field == svc.part_field(keys[1])


def test_year_splits_into_quarters_evenly(db):
    target = make_target(period_key="2026", value=D("1000000.01"))
    parts = svc.suggest_split(target, svc.PERIODS, "even")
    assert [p.period.key for p in parts] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert sum(p.value for p in parts) == D("1000000.01")


def test_bad_input_is_refused_with_its_field(db):
    team, manager, reps = _team_with(1)
    other_team, _m, strangers = _team_with(1)
    cases = [
        ({"value": D("-1")}, "value"),
        ({"period_key": "2026-Q5"}, "period_key"),
        ({"level": "person", "user_id": strangers[0].id}, "user_id"),
        ({"level": "company"}, "level"),
        (
            {"measure": "won_count", "value": D("1.5"), "level": "person", "user_id": reps[0].id},
            "value",
        ),
    ]
    for overrides, field in cases:
        data = {"level": "team", "team_id": team.id} | overrides
        with pytest.raises(DomainError) as refused:
            make_target(manager, **data)
        assert refused.value.field == field, overrides


def test_a_published_change_keeps_a_revision_and_stale_edits_conflict(db):
    admin = make_user(role="admin")
    target = make_target(admin, value=D("100"))
    svc.publish_target(admin, target, target.version)
    stale = target.version
    with pytest.raises(DomainError) as refused:
        svc.update_target(admin, target, stale, value=D("120"))
    assert refused.value.field == "reason"
    svc.update_target(admin, target, stale, value=D("120"), reason="New product line")
    db.session.flush()
    revision = queries.target_revisions(target.id)[0]
    assert (revision.old_value, revision.new_value, revision.why) == (
        D("100"),
        D("120"),
        "New product line",
    )
    with pytest.raises(ConflictError):
        svc.update_target(admin, target, stale, value=D("130"), reason="again")
