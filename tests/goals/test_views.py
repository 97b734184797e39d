"""The goals pages: page or fragment, refusals with field messages and nothing saved, the
manager's split-publish round, conflicts, who sees what, drill-down and the panels."""

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from salesweb.core.models import today
from salesweb.goals.models.target import Target, TargetStatus
from salesweb.goals.periods import Period, PeriodKind
from salesweb.goals.services import targets as svc
from salesweb.pipeline.models import DealStatus
from tests.conftest import HX, by_id, parse
from tests.factories import make_team, make_user
from tests.goals.factories import make_target
from tests.pipeline.factories import make_deal

D = Decimal


def _team(n=2):
    team = make_team()
    manager = make_user(role="manager", team_id=team.id)
    team.manager_id = manager.id
    reps = [make_user(role="rep", team_id=team.id) for _ in range(n)]
    return team, manager, reps


def _count(db):
    return db.session.scalar(select(func.count()).select_from(Target))


def test_list_is_a_page_or_its_results_fragment(client, db, login_as):
    team, manager, reps = _team()
    make_target(manager, level="team", team_id=team.id)
    login_as(user=manager)
    page = client.get("/goals/?period=2026-Q3")
    assert page.status_code == 200 and b"<html" in page.data
    assert by_id(page, "target-table") is not None
    fragment = client.get("/goals/?period=2026-Q3&level=team", headers=HX)
    assert fragment.status_code == 200 and b"<html" not in fragment.data
    assert by_id(fragment, "target-table") is not None
    assert "HX-Request" in fragment.headers["Vary"]


def _create(client, **fields):
    data = {"measure": "won_amount", "period_key": "2026-Q3", "level": "team", "value": "100"}
    return client.post("/goals/targets/new", data=data | fields)


def test_bad_input_is_answered_next_to_the_field_and_nothing_is_saved(client, db, login_as):
    team, manager, reps = _team()
    _other, _m, strangers = _team()
    login_as(user=manager)
    before = _count(db)
    cases = [
        ({"team_id": team.id, "value": "-5"}, "value-error"),
        ({"team_id": team.id, "period_key": "2026-Q5"}, "period_key-error"),
        ({"level": "person", "user_id": strangers[0].id}, "user_id-error"),
        ({"team_id": team.id, "value": ""}, "value-error"),
        ({"team_id": team.id, "value": "abc"}, "value-error"),
    ]
    for fields, error in cases:
        response = _create(client, **fields)
        assert response.status_code == 422, fields
        assert by_id(response, error) is not None, fields
        assert by_id(response, "period_key").get("value") == fields.get("period_key", "2026-Q3")
    assert _count(db) == before
    assert _create(client, team_id=team.id).status_code == 303
    assert _count(db) == before + 1


def test_manager_splits_fails_to_publish_fixes_and_publishes_and_the_rep_sees_it(
    client, db, login_as
):
    team, manager, reps = _team(2)
    target = make_target(manager, level="team", team_id=team.id, value=D("900"))
    db.session.commit()
    login_as(user=manager)
    url = f"/goals/targets/{target.id}/split?by=owners"
    keys = [svc.part_field(f"user:{p.id}") for p in (manager, *reps)]
    missing = client.post(url, data={keys[0]: "300", keys[1]: "300"})
    assert missing.status_code == 422 and by_id(missing, f"{keys[2]}-error") is not None
    assert client.post(url, data=dict.fromkeys(keys, "200")).status_code == 303
    refused = client.post(f"/goals/targets/{target.id}/publish", data={"version": target.version})
    assert refused.status_code == 422
    assert "300" in parse(refused).get_element_by_id("publish-form").text_content()
    assert db.session.get(Target, target.id).status == TargetStatus.DRAFT
    assert client.post(url, data=dict.fromkeys(keys, "300")).status_code == 303
    done = client.post(f"/goals/targets/{target.id}/publish", data={"version": target.version})
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.get(Target, target.id).status == TargetStatus.PUBLISHED
    login_as(user=reps[0])
    mine = client.get("/goals/?period=2026-Q3")
    rows = parse(mine).xpath('//table[@id="target-table"]/tbody/tr')
    assert len(rows) == 1 and "300" in rows[0].text_content()


def test_the_second_of_two_managers_editing_one_target_gets_a_conflict(client, db, login_as):
    admin = make_user(role="admin")
    target = make_target(admin, value=D("100"))
    db.session.commit()
    opened = target.version
    login_as(user=admin)
    url = f"/goals/targets/{target.id}/edit"
    assert client.post(url, data={"value": "110", "version": opened}).status_code == 303
    second = client.post(url, data={"value": "120", "version": opened})
    assert second.status_code == 422
    assert "Someone else changed" in second.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Target, target.id).value == D("110")


def test_who_sees_what(client, db, login_as):
    team, manager, reps = _team(2)
    _other, other_manager, strangers = _team(1)
    own = make_target(manager, level="person", user_id=reps[0].id)
    svc.publish_target(manager, own, own.version)
    theirs = make_target(other_manager, level="person", user_id=strangers[0].id)
    draft = make_target(manager, level="person", user_id=reps[0].id, period_key="2026-Q4")
    db.session.commit()
    login_as(user=reps[0])
    assert client.get(f"/goals/targets/{own.id}").status_code == 200
    assert client.get(f"/goals/targets/{draft.id}").status_code == 404  # drafts stay with managers
    assert client.get(f"/goals/targets/{theirs.id}").status_code == 404
    assert client.get(f"/goals/targets/{own.id}/edit").status_code == 403
    login_as(user=manager)
    assert client.get(f"/goals/targets/{theirs.id}").status_code == 404
    assert client.get(f"/goals/targets/{draft.id}/edit").status_code == 200
    login_as("compliance")
    assert client.get("/goals/").status_code == 403
    assert client.get("/goals/attainment").status_code == 403


def test_the_drill_down_lists_exactly_the_deals_counted(client, db, login_as):
    team, manager, reps = _team(1)
    period = Period.parse("2026-Q3")
    counted = []
    for closed_on, status in [
        (date(2026, 7, 1), DealStatus.WON),
        (date(2026, 9, 30), DealStatus.WON),
        (date(2026, 10, 1), DealStatus.WON),
        (date(2026, 8, 1), DealStatus.LOST),
    ]:
        deal = make_deal(owner=reps[0], amount=D("100"))
        deal.status, deal.closed_on = status, closed_on
        if status == DealStatus.WON and period.contains(closed_on):
            counted.append(deal.id)
    make_target(manager, level="person", user_id=reps[0].id, value=D("1000"))
    db.session.commit()
    login_as(user=manager)
    board = client.get("/goals/attainment?period=2026-Q3")
    link = by_id(board, f"drill-person-{reps[0].id}")
    assert "200" in link.text_content()
    listed = client.get(link.get("href"))
    ids = [
        int(tr.get("id").split("-")[1])
        for tr in parse(listed).xpath('//table[@id="deal-table"]/tbody/tr')
    ]
    assert sorted(ids) == sorted(counted)
    team_link = by_id(board, f"drill-team-{team.id}")
    assert "200" in team_link.text_content()


def test_the_attainment_moves_when_a_deal_is_won(client, db, login_as):
    team, manager, reps = _team(1)
    quarter = Period.containing(today(), PeriodKind.QUARTER)
    target = make_target(manager, level="person", user_id=reps[0].id, period_key=quarter.key,
                         value=D("1000"))  # fmt: skip
    svc.publish_target(manager, target, target.version)
    deal = make_deal(owner=reps[0], amount=D("250"))
    db.session.commit()
    login_as(user=reps[0])
    before = client.get("/goals/panels/mine", headers=HX)
    assert b"<html" not in before.data and "0%" in by_id(before, f"mine-{target.id}").text_content()
    deal.status, deal.closed_on = DealStatus.WON, today() - timedelta(days=0)
    db.session.commit()
    after = client.get("/goals/panels/mine", headers=HX)
    assert "25%" in by_id(after, f"mine-{target.id}").text_content()


def test_team_panel_lists_the_people(client, db, login_as):
    team, manager, reps = _team(2)
    db.session.commit()
    login_as(user=manager)
    panel = client.get("/goals/panels/team", headers=HX)
    assert panel.status_code == 200 and b"<html" not in panel.data
    assert by_id(panel, f"team-panel-person-{reps[0].id}") is not None
