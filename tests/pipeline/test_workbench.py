"""The pipeline's workbench panels: deals past their stage's time limit, quotes waiting (mine,
or mine to decide), stage approvals waiting for my role, and the team's losses."""

from __future__ import annotations

from datetime import timedelta

from salesweb.core.models import utcnow
from salesweb.pipeline import services
from tests.conftest import HX, parse
from tests.factories import make_team, make_user
from tests.pipeline.factories import make_deal, make_process, make_quote

EN = {"Accept-Language": "en", **HX}


def ids(response, list_id: str) -> list[str]:
    return [li.get("id") for li in parse(response).xpath(f"//ul[@id='{list_id}']/li")]


def count(response, key: str) -> str:
    return parse(response).get_element_by_id(f"panel-{key}-count").text_content().strip()


def waited(deal, days: int) -> None:
    deal.stage_entered_at = utcnow() - timedelta(days=days, hours=1)


def test_stuck_deals_are_the_ones_past_their_stage_limit_in_my_scope(client, login_as, db):
    team = make_team()
    rep = login_as("rep", team_id=team.id)
    late = make_deal(rep, stage_key="needs")
    waited(late, late.stage.sla_days + 1)
    on_time = make_deal(rep, stage_key="needs")
    waited(on_time, on_time.stage.sla_days)  # exactly the limit: not past it yet
    lost = make_deal(rep, stage_key="needs")
    waited(lost, 60)
    services.lose_deal(rep, lost, services.lost_reasons()[0])
    colleague = make_deal(make_user(role="rep", team_id=team.id), stage_key="needs")
    waited(colleague, 60)
    db.session.commit()
    assert late.past_sla() and not on_time.past_sla()
    response = client.get("/pipeline/workbench/stuck-deals", headers=EN)
    assert ids(response, "stuck-deal") == [f"stuck-deal-{late.id}"]
    assert count(response, "stuck-deals") == "1"
    # The manager of the team sees the colleague's too, the longest waiting first.
    login_as("manager", team_id=team.id)
    response = client.get("/pipeline/workbench/stuck-deals", headers=EN)
    assert ids(response, "stuck-deal") == [f"stuck-deal-{colleague.id}", f"stuck-deal-{late.id}"]


def test_stuck_deals_empty_state_and_page_without_htmx(client, login_as):
    login_as("rep")
    response = client.get("/pipeline/workbench/stuck-deals", headers={"Accept-Language": "en"})
    body = response.get_data(as_text=True)
    assert "<html" in body and "No deal has outstayed its stage" in body
    assert count(response, "stuck-deals") == "0"


def test_quotes_waiting_for_a_manager_mine_and_to_decide(client, login_as, db):
    team = make_team()
    rep = make_user(role="rep", team_id=team.id)
    pending = make_quote(make_deal(rep), discount="30", status="pending_approval")
    make_quote(make_deal(rep), discount="0")  # a draft waits for nobody
    other = make_quote(make_deal(make_user(role="rep")), discount="30", status="pending_approval")
    db.session.commit()
    login_as(user=rep)
    mine = client.get("/pipeline/workbench/my-quotes", headers=EN)
    assert ids(mine, "my-quote-rows") == [f"my-quote-{pending.id}"]
    login_as("manager", team_id=team.id)
    to_decide = client.get("/pipeline/workbench/quote-approvals", headers=EN)
    assert ids(to_decide, "quote-approval-rows") == [f"quote-approval-{pending.id}"]
    assert f"quote-approval-{other.id}" not in to_decide.get_data(as_text=True)


def channel_process():
    from sqlalchemy import select

    from salesweb.extensions import db
    from salesweb.pipeline.models import SalesProcess

    make_process()
    return db.session.scalar(select(SalesProcess).where(SalesProcess.name_en == "Channel sales"))


def test_stage_approvals_wait_until_given(client, login_as, db):
    team = make_team()
    rep = make_user(role="rep", team_id=team.id)
    channel = channel_process()
    deal = make_deal(rep, stage_key="qualify", process=channel)  # waits for a manager
    make_deal(rep, stage_key="lead", process=channel)
    make_deal(make_user(role="rep"), stage_key="qualify", process=channel)  # another team's
    db.session.commit()
    manager = login_as("manager", team_id=team.id)
    response = client.get("/pipeline/workbench/stage-approvals", headers=EN)
    assert ids(response, "stage-approval") == [f"stage-approval-{deal.id}"]
    services.approve_stage(manager, deal)
    db.session.commit()
    response = client.get("/pipeline/workbench/stage-approvals", headers=EN)
    assert ids(response, "stage-approval") == []
    # A compliance officer's list holds the stages waiting for compliance: none here.
    login_as("compliance")
    response = client.get("/pipeline/workbench/stage-approvals", headers=EN)
    assert count(response, "stage-approvals") == "0"


def test_team_losses_by_reason(client, login_as, db):
    team = make_team()
    rep = make_user(role="rep", team_id=team.id)
    make_process()
    reasons = services.lost_reasons()
    for reason in (reasons[0], reasons[0], reasons[1]):
        services.lose_deal(rep, make_deal(rep), reason, note="x")
    services.lose_deal(None, make_deal(make_user(role="rep")), reasons[2], note="x")
    db.session.commit()
    login_as("manager", team_id=team.id)
    response = client.get("/pipeline/workbench/losses", headers=EN)
    assert ids(response, "loss-rows") == [f"loss-{reasons[0].id}", f"loss-{reasons[1].id}"]
    assert count(response, "losses") == "3"


def test_a_panel_without_a_list_page_opens_itself_with_every_row(client, login_as, db):
    rep = login_as("rep")
    for _ in range(7):
        make_quote(make_deal(rep), discount="30", status="pending_approval")
    db.session.commit()
    url = "/pipeline/workbench/my-quotes"
    fragment = client.get(url, headers=EN)
    assert len(ids(fragment, "my-quote-rows")) == 5 and count(fragment, "my-quotes") == "7"
    assert parse(fragment).xpath("//p[@class='panel-more']/a/@href") == [url]
    page = client.get(url, headers={"Accept-Language": "en"})
    assert "<html" in page.get_data(as_text=True)
    assert len(ids(page, "my-quote-rows")) == 7
    assert parse(page).xpath("//p[@class='panel-more']") == []  # no link to itself
