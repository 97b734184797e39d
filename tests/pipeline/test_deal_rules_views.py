"""The deal rules as the pages apply them: who owns a new deal, who approves a stage, how a move
is told apart (deal page or board), what a malformed move gets, whose checklist is ticked."""

from __future__ import annotations

from sqlalchemy import select

from salesweb.pipeline import services
from salesweb.pipeline.models import Deal, DealApproval, StageCriterion, StageHistory
from tests.conftest import HX, by_id, parse
from tests.factories import make_account, make_team, make_user
from tests.pipeline.factories import make_deal, make_process
from tests.pipeline.helpers import tick_all

EN = {"Accept-Language": "en"}


def _create(client, account, **data):
    return client.post(
        "/pipeline/deals/new",
        headers=EN,
        data={
            "title": "Owned",
            "account_id": str(account.id),
            "contact_id": "0",
            "currency": "CNY",
            **data,
        },
    )


def test_the_service_decides_who_owns_a_make_deal(client, login_as, db, app):
    team = make_team()
    manager = login_as("manager", team=team)
    mate, stranger = make_user(team=team), make_user(team=make_team())
    with app.test_request_context():
        make_process()
    account = make_account(owner=mate)
    db.session.commit()
    assert by_id(client.get("/pipeline/deals/new"), "owner_id") is not None
    assert _create(client, account, owner_id=str(mate.id)).status_code == 303
    assert _create(client, account, title="Mine").status_code == 303  # nobody chosen: the manager
    refused = _create(client, account, title="Theirs", owner_id=str(stranger.id))
    assert refused.status_code == 422 and by_id(refused, "owner_id-error") is not None
    owners = dict(db.session.execute(select(Deal.title, Deal.owner_id)).all())
    assert owners == {"Owned": mate.id, "Mine": manager.id}


def test_a_rep_owns_the_deals_they_open_and_is_not_offered_an_owner(client, login_as, db, app):
    rep = login_as("rep")
    with app.test_request_context():
        make_process()
    account = make_account(owner=rep)
    db.session.commit()
    assert by_id(client.get("/pipeline/deals/new"), "owner_id") is None
    assert _create(client, account).status_code == 303
    assert db.session.scalar(select(Deal.owner_id)) == rep.id


def _waiting_for_a_manager(app, db, owner):
    with app.test_request_context():
        deal = make_deal(owner)
        deal.stage.criteria = [StageCriterion(kind="role_approval", params={"role": "manager"})]
    db.session.commit()
    return deal


def _approve_forms(response, deal):
    return parse(response).xpath(f"//form[@action='/pipeline/deals/{deal.id}/approve']")


def test_only_the_awaited_role_is_offered_and_allowed_the_approval(client, login_as, db, app):
    team = make_team()
    rep = login_as("rep", team=team)
    deal = _waiting_for_a_manager(app, db, rep)
    assert _approve_forms(client.get(f"/pipeline/deals/{deal.id}"), deal) == []
    assert client.post(f"/pipeline/deals/{deal.id}/approve").status_code == 403
    login_as("compliance")
    assert _approve_forms(client.get(f"/pipeline/deals/{deal.id}"), deal) == []
    assert client.post(f"/pipeline/deals/{deal.id}/approve").status_code == 403
    login_as("manager", team=team)
    assert len(_approve_forms(client.get(f"/pipeline/deals/{deal.id}"), deal)) == 1
    done = client.post(f"/pipeline/deals/{deal.id}/approve", data={"comment": "OK"})
    assert done.status_code == 303
    assert db.session.scalar(select(DealApproval.role)) == "manager"


def test_a_move_records_how_it_was_made_and_a_malformed_one_changes_nothing(
    client, login_as, db, app
):
    rep = login_as("rep")
    with app.test_request_context():
        deal = make_deal(rep)
        tick_all(deal, rep)
    db.session.commit()
    for data in (
        {"stage_key": "needs", "via": "cli"},  # only people move deals here
        {"stage_key": "needs", "version": "x"},
        {"stage_key": "nowhere"},
        {},  # the page preselects a stage; a move still has to name it
    ):
        refused = client.post(f"/pipeline/deals/{deal.id}/move", headers={**HX, **EN}, data=data)
        assert refused.status_code == 422, data
        assert by_id(refused, f"move-refused-{deal.id}") is not None, data
    db.session.refresh(deal)
    assert deal.stage.key == "lead"
    moved = client.post(
        f"/pipeline/deals/{deal.id}/move",
        headers=HX,
        data={"stage_key": "needs", "version": deal.version, "via": "board"},
    )
    assert moved.status_code == 200
    vias = db.session.scalars(
        select(StageHistory.via).where(StageHistory.deal_id == deal.id).order_by(StageHistory.id)
    ).all()
    assert vias == ["form", "board"]


def test_a_closed_deals_checklist_is_not_ticked(client, login_as, db, app):
    rep = login_as("rep")
    with app.test_request_context():
        deal = make_deal(rep)
        step = deal.stage.steps[0]
        services.lose_deal(rep, deal, services.lost_reasons()[0])
    db.session.commit()
    page = client.get(f"/pipeline/deals/{deal.id}")
    assert by_id(page, f"step-toggle-{step.id}") is None
    url = f"/pipeline/deals/{deal.id}/steps/{step.id}"
    assert client.post(url, data={"done": "1"}).status_code == 403
