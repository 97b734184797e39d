"""Deal pages, moving on every path (form, board, CLI), win and lose, processes, rates."""

import io
import json

from sqlalchemy import func, select

from salesweb.core.models import ExchangeRate
from salesweb.pipeline.models import Deal, DealStatus, DealStepDone, ProcessVersion
from tests.conftest import HX, by_id, count_queries, parse
from tests.factories import make_account, make_team, make_user
from tests.pipeline.factories import make_deal, make_process
from tests.pipeline.helpers import stage, tick_all

EN = {"Accept-Language": "en"}


def test_create_deal_from_account_and_field_errors(client, login_as, db, app):
    rep = login_as("rep")
    with app.test_request_context():
        make_process()
    account = make_account(owner=rep)
    db.session.commit()
    form = client.get(f"/pipeline/deals/new?account_id={account.id}")
    assert by_id(form, "deal-form") is not None
    before = db.session.scalar(select(func.count()).select_from(Deal))
    bad = client.post(
        f"/pipeline/deals/new?account_id={account.id}",
        headers=EN,
        data={
            "title": "",
            "account_id": str(account.id),
            "contact_id": "0",
            "amount": "-5",
            "currency": "CNY",
            "expected_close": "31/31/2026",
        },
    )
    assert bad.status_code == 422
    for name in ("title", "amount", "expected_close"):
        assert by_id(bad, f"{name}-error") is not None, name
    bad_currency = client.post(
        f"/pipeline/deals/new?account_id={account.id}",
        headers=EN,
        data={"title": "X", "account_id": str(account.id), "contact_id": "0", "currency": "XXX"},
    )
    assert bad_currency.status_code == 422 and by_id(bad_currency, "currency-error") is not None
    assert db.session.scalar(select(func.count()).select_from(Deal)) == before
    ok = client.post(
        f"/pipeline/deals/new?account_id={account.id}",
        data={
            "title": "新项目",
            "account_id": str(account.id),
            "contact_id": "0",
            "amount": "12000",
            "currency": "CNY",
            "expected_close": "2026-12-31",
        },
    )
    assert ok.status_code == 303
    deal = db.session.scalar(select(Deal).where(Deal.title == "新项目"))
    assert deal.owner_id == rep.id and deal.stage.key == "lead"


def test_other_reps_deal_is_404(client, login_as, db, app):
    login_as("rep")
    with app.test_request_context():
        deal = make_deal(make_user())
    db.session.commit()
    for url in (f"/pipeline/deals/{deal.id}", f"/pipeline/deals/{deal.id}/edit"):
        assert client.get(url).status_code == 404
    assert (
        client.post(f"/pipeline/deals/{deal.id}/move", data={"stage_key": "needs"}).status_code
        == 404
    )


def test_move_refusal_lists_missing_with_links_then_passes(client, login_as, db, app):
    rep = login_as("rep")
    with app.test_request_context():
        deal = make_deal(rep, stage_key="needs")
    db.session.commit()
    proposal = stage(make_process(), "proposal")
    refused = client.post(
        f"/pipeline/deals/{deal.id}/move",
        headers={**HX, **EN},
        data={"stage_key": "proposal", "version": deal.version, "via": "board"},
    )
    assert refused.status_code == 422
    items = parse(refused).xpath("//li")
    assert len(items) == 2 and all(li.xpath(".//a/@href") for li in items)
    assert "Needs survey completed" in refused.get_data(as_text=True)
    page_refusal = client.post(
        f"/pipeline/deals/{deal.id}/move",
        headers=EN,
        data={"stage_id": proposal.id, "version": deal.version},
    )
    assert page_refusal.status_code == 422 and by_id(page_refusal, "refusal") is not None
    for step in deal.stage.steps:
        toggled = client.post(
            f"/pipeline/deals/{deal.id}/steps/{step.id}", headers=HX, data={"done": "1"}
        )
        assert toggled.status_code == 200 and "checklistChanged" in toggled.headers["HX-Trigger"]
    db.session.refresh(deal)
    moved = client.post(
        f"/pipeline/deals/{deal.id}/move",
        headers=HX,
        data={"stage_key": "proposal", "version": deal.version, "via": "board"},
    )
    assert moved.status_code == 200 and json.loads(moved.headers["HX-Trigger"]) == {
        "dealMoved": True
    }
    db.session.refresh(deal)
    assert deal.stage.key == "proposal"


def test_stale_version_conflict_on_move(client, login_as, db, app):
    rep = login_as("rep")
    with app.test_request_context():
        deal = make_deal(rep, stage_key="proposal")
    db.session.commit()
    response = client.post(
        f"/pipeline/deals/{deal.id}/move",
        headers={**HX, **EN},
        data={"stage_key": "lead", "reason": "back", "version": deal.version - 1},
    )
    assert response.status_code == 422 and "Someone else changed" in response.get_data(as_text=True)


def test_win_and_lose_through_forms(client, login_as, db, app):
    rep = login_as("rep")
    with app.test_request_context():
        deal = make_deal(rep, stage_key="signing")
        other = make_deal(rep)
        tick_all(deal, rep)
    db.session.commit()
    won = client.post(
        f"/pipeline/deals/{deal.id}/win", data={"closed_on": "2026-11-20", "version": deal.version}
    )
    assert won.status_code == 303
    db.session.refresh(deal)
    assert deal.status == DealStatus.WON
    no_reason = client.post(
        f"/pipeline/deals/{other.id}/lose", headers=EN, data={"lost_reason_id": "999999"}
    )
    assert no_reason.status_code == 422
    from salesweb.pipeline import services

    with app.test_request_context():
        other_id = services.reason_by_code("other").id
    needs_text = client.post(
        f"/pipeline/deals/{other.id}/lose",
        headers=EN,
        data={"lost_reason_id": str(other_id), "lost_note": ""},
    )
    assert needs_text.status_code == 422 and "Describe the reason" in needs_text.get_data(
        as_text=True
    )
    lost = client.post(
        f"/pipeline/deals/{other.id}/lose",
        data={"lost_reason_id": str(other_id), "lost_note": "预算冻结"},
    )
    assert lost.status_code == 303
    db.session.refresh(other)
    assert other.status == DealStatus.LOST and other.lost_note == "预算冻结"


def test_board_columns_totals_and_team_filter(client, login_as, db, app):
    team = make_team()
    manager = make_user(role="manager", team=team)
    rep = make_user(team=team)
    outsider = make_user()
    with app.test_request_context():
        make_deal(rep, title="A", amount=100)
        make_deal(rep, title="B", amount=250)
        make_deal(outsider, title="Hidden", amount=999)
    db.session.commit()
    login_as(user=manager)
    board = client.get("/pipeline/board", headers=EN)
    column = by_id(board, "column-lead-sum")
    assert (
        column.xpath(".//span[@class='count']/text()") == ["2"]
        and "350.00" in column.text_content()
    )
    assert "Hidden" not in board.get_data(as_text=True)
    fragment = client.get(f"/pipeline/board?team={team.id}", headers=HX)
    assert "<html" not in fragment.get_data(as_text=True) and by_id(fragment, "board") is not None


def test_board_query_count_does_not_grow(client, login_as, db, app):
    from salesweb.extensions import db as ext

    rep = login_as("rep")
    with app.test_request_context():
        for i in range(3):
            make_deal(rep, title=f"d{i}")
    db.session.commit()
    with count_queries(ext.engines[None]) as few:
        client.get("/pipeline/board")
    with app.test_request_context():
        for i in range(25):
            make_deal(rep, title=f"more{i}")
    db.session.commit()
    with count_queries(ext.engines[None]) as many:
        client.get("/pipeline/board")
    assert len(many) == len(few) <= 12


def test_deal_page_and_list_query_counts(client, login_as, db, app):
    from salesweb.extensions import db as ext

    rep = login_as("rep")
    with app.test_request_context():
        deals = [make_deal(rep, title=f"d{i}") for i in range(30)]
    db.session.commit()
    with count_queries(ext.engines[None]) as page:
        assert client.get(f"/pipeline/deals/{deals[0].id}").status_code == 200
    with count_queries(ext.engines[None]) as listing:
        assert client.get("/pipeline/deals").status_code == 200
    assert len(page) <= 12 and len(listing) <= 12


def test_cli_move_obeys_exit_criteria(app, db):
    with app.test_request_context():
        rep = make_user()
        deal = make_deal(rep, stage_key="needs")
    db.session.commit()
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["pipeline", "move", str(deal.id), "Proposal"])
    assert refused.exit_code != 0 and "完成需求调研" in refused.output  # the default locale, zh_CN
    with app.test_request_context():
        tick_all(deal, rep)
    db.session.commit()
    moved = runner.invoke(args=["pipeline", "move", str(deal.id), "方案制定"])
    assert moved.exit_code == 0, moved.output
    db.session.refresh(deal)
    assert deal.stage.key == "proposal"
    assert db.session.scalar(select(DealStepDone.id).limit(1)) is not None


def test_admin_edits_stage_new_version(client, login_as, db, app):
    login_as("admin")
    with app.test_request_context():
        process = make_process()
    db.session.commit()
    data = {
        "name_zh": "需求分析",
        "name_en": "Needs analysis",
        "probability": "25",
        "sla_days": "10",
        "responsible_role": "rep",
        "steps": "完成需求调研 | Needs survey completed | required\n确认预算 | Budget confirmed | optional",
        "required_fields": ["amount", "expected_close"],
        "needs_checklist": "y",
        "approval_role": "",
        "note": "budget optional",
    }
    response = client.post(f"/pipeline/processes/{process.id}/stages/needs", data=data)
    assert response.status_code == 303
    db.session.refresh(process)
    assert process.current_version.number == 2
    needs = process.current_version.stage_by_key("needs")
    assert needs.probability == 25 and [s.required for s in needs.steps] == [True, False]
    bad = client.post(
        f"/pipeline/processes/{process.id}/stages/needs",
        headers=EN,
        data={**data, "required_fields": ["amount", "shoe_size"], "steps": "only one part"},
    )
    assert bad.status_code == 422
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(ProcessVersion)
            .where(ProcessVersion.process_id == process.id)
        )
        == 2
    )


def test_process_admin_pages_name_fields_not_keys(client, login_as, db, app):
    login_as("admin")
    with app.test_request_context():
        process = make_process()
    db.session.commit()
    page = client.get(f"/pipeline/processes/{process.id}", headers=EN)
    table = " ".join(parse(page).get_element_by_id("stage-table").text_content().split())
    assert "Deal fields filled in: Account" in table
    assert "account_id" not in table and "expected_close" not in table
    form = client.get(f"/pipeline/processes/{process.id}/stages/lead", headers=EN)
    boxes = parse(form).xpath("//input[@name='required_fields']")
    labels = {
        b.get("value"): parse(form).xpath(f"//label[@for='{b.get('id')}']")[0].text_content()
        for b in boxes
    }
    assert labels["account_id"] == "Account" and labels["expected_close"] == "Expected close date"
    checked = [b.get("value") for b in boxes if b.get("checked") is not None]
    assert checked == ["account_id"]


def test_rates_manual_and_csv(client, login_as, db):
    login_as("admin")
    ok = client.post(
        "/pipeline/rates",
        data={"currency": "usd", "valid_on": "2026-11-01", "rate": "7.12", "source": "PBOC"},
    )
    assert ok.status_code == 303
    bad = client.post(
        "/pipeline/rates",
        headers=EN,
        data={"currency": "CNY", "valid_on": "2026-11-01", "rate": "1"},
    )
    assert bad.status_code == 422 and by_id(bad, "currency-error") is not None
    csv_bytes = b"currency,valid_on,rate,source\nEUR,2026-11-01,7.8,ECB\nGBP,not-a-date,9\nXXX,2026-11-01,1\n"
    response = client.post(
        "/pipeline/rates/upload",
        headers=EN,
        data={"file": (io.BytesIO(csv_bytes), "rates.csv")},
        content_type="multipart/form-data",
    )
    report = by_id(response, "rate-report").text_content()
    assert "taken: 1 rejected: 2 read: 3" in report
    assert db.session.scalar(select(func.count()).select_from(ExchangeRate)) == 2


def _selected(response, select_id: str) -> list[str]:
    return by_id(response, select_id).xpath("option[@selected]/@value")


def _rep_deal(login_as, app, db, **data):
    """A rep signed in, with one deal of theirs."""
    rep = login_as("rep")
    with app.test_request_context():
        deal = make_deal(rep, **data)
    db.session.commit()
    return rep, deal


def test_lose_asks_to_confirm_naming_the_deal_with_no_reason_chosen(client, login_as, db, app):
    _rep, deal = _rep_deal(login_as, app, db, title="华东扩容项目")
    page = client.get(f"/pipeline/deals/{deal.id}", headers=EN)
    # One click on the deal page only opens the confirmation: no lose form posts from there.
    assert by_id(page, "lose-form") is None
    assert by_id(page, "lose-open").get("href") == f"/pipeline/deals/{deal.id}/lose"
    confirm = client.get(f"/pipeline/deals/{deal.id}/lose", headers=EN)
    assert confirm.status_code == 200 and parse(confirm).xpath("//html")
    assert "华东扩容项目" in by_id(confirm, "lose-confirm-title").text_content()
    assert "华东扩容项目" in by_id(confirm, "lose-submit").text_content()
    options = by_id(confirm, "lost_reason_id").xpath("option/@value")
    assert options[0] == "0" and _selected(confirm, "lost_reason_id") in ([], ["0"])
    panel = client.get(f"/pipeline/deals/{deal.id}/lose", headers={**HX, **EN})
    assert "<html" not in panel.get_data(as_text=True) and by_id(panel, "lose-form") is not None


def test_lose_without_a_reason_is_refused_next_to_the_field(client, login_as, db, app):
    _rep, deal = _rep_deal(login_as, app, db, title="Kept open")
    for data in ({"lost_reason_id": "0"}, {}):
        refused = client.post(
            f"/pipeline/deals/{deal.id}/lose", headers=EN, data={**data, "version": deal.version}
        )
        assert refused.status_code == 422
        assert "Choose why the deal was lost" in by_id(refused, "lost_reason_id-error").text
        assert "Kept open" in by_id(refused, "lose-confirm-title").text_content()
    db.session.refresh(deal)
    assert deal.status == DealStatus.OPEN and deal.lost_reason_id is None


def test_move_form_offers_the_next_stage(client, login_as, db, app):
    rep = login_as("rep")
    with app.test_request_context():
        deal = make_deal(rep, stage_key="needs")
        last = make_deal(rep, stage_key="signing")
    db.session.commit()
    proposal = stage(make_process(), "proposal")
    page = client.get(f"/pipeline/deals/{deal.id}")
    assert _selected(page, "stage_id") == [str(proposal.id)]
    # The last open stage has nowhere forward to go: nothing is offered, so nothing moves back.
    at_end = client.get(f"/pipeline/deals/{last.id}")
    assert _selected(at_end, "stage_id") == ["0"]
    refused = client.post(
        f"/pipeline/deals/{last.id}/move", headers=EN, data={"stage_id": "0", "version": 1}
    )
    assert refused.status_code == 422
    db.session.refresh(last)
    assert last.stage.key == "signing"


def test_refusal_banner_follows_the_checklist(client, login_as, db, app):
    rep, deal = _rep_deal(login_as, app, db, stage_key="needs")
    proposal = stage(make_process(), "proposal")
    refused = client.post(
        f"/pipeline/deals/{deal.id}/move",
        headers=EN,
        data={"stage_id": proposal.id, "version": deal.version},
    )
    banner = by_id(refused, "refusal")
    url = f"/pipeline/deals/{deal.id}/refusal?stage_id={proposal.id}"
    assert banner.get("hx-get") == url and "checklistChanged" in banner.get("hx-trigger")
    still = client.get(url, headers={**HX, **EN})
    assert "cannot be left yet" in by_id(still, "refusal-message").text_content()
    with app.test_request_context():
        tick_all(deal, rep)
    db.session.commit()
    cleared = client.get(url, headers={**HX, **EN})
    assert by_id(cleared, "refusal-message") is None
    assert "Proposal" in by_id(cleared, "refusal-cleared").text_content()
    assert by_id(cleared, "refusal").get("hx-get") == url
    assert client.get(url).status_code == 303
