"""The board at company scale: each column shows its newest cards and a "more" link that brings
the next ones (htmx) or opens the column's own page (no JavaScript); the totals count every
open deal, not only the cards shown; the whole company's board stays small and sends few
statements whatever its size. Speed itself is measured by bench/, never asserted here."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from salesweb.core.models import utcnow
from salesweb.pipeline.queries import CARDS_PER_COLUMN, Cursor
from tests.conftest import HX, count_queries, parse
from tests.factories import make_account, make_team, make_user
from tests.pipeline.factories import make_deal, make_process
from tests.querycount import MAX_STATEMENTS

EN = {"Accept-Language": "en"}
OPEN_STAGES = ("lead", "needs", "proposal", "quote", "negotiation", "signing")
BOARD_BYTES = 60 * 1024
_TEAMS = itertools.count(1)


def _deals(app, owner, n: int, stage_key: str = "lead", same_time_from: int | None = None):
    """n open deals of `owner` in one stage, the first the most recently changed; from index
    `same_time_from` on they share one updated_at (the id decides their order)."""
    start = utcnow() - timedelta(hours=1)
    deals = []
    with app.test_request_context():
        account = make_account(owner=owner)
        for i in range(n):
            deal = make_deal(owner, account, stage_key, title=f"{stage_key} deal {i:02d}")
            tie = same_time_from is not None and i >= same_time_from
            deal.updated_at = start - timedelta(minutes=same_time_from if tie else i)
            deals.append(deal)
    return deals


def _card_ids(tree, stage_key: str | None = None) -> list[int]:
    scope = f"//ol[@data-stage-key='{stage_key}']" if stage_key else ""
    return [int(li.get("id").removeprefix("card-")) for li in tree.xpath(f"{scope}//li[@id]")]


def _more_link(tree, stage_key: str | None = None):
    scope = f"//ol[@data-stage-key='{stage_key}']" if stage_key else ""
    links = tree.xpath(f"{scope}//li[@class='board-more']/a")
    return links[0] if links else None


def _expected_order(deals) -> list[int]:
    return [d.id for d in sorted(deals, key=lambda d: (d.updated_at, d.id), reverse=True)]


def test_a_column_shows_its_newest_cards_and_more_brings_the_rest_in_order(
    client, login_as, db, app
):
    rep = login_as("rep")
    deals = _deals(app, rep, 2 * CARDS_PER_COLUMN + 5, same_time_from=CARDS_PER_COLUMN - 3)
    db.session.commit()
    expected = _expected_order(deals)

    board = parse(client.get("/pipeline/board", headers=EN))
    seen = _card_ids(board, "lead")
    assert seen == expected[:CARDS_PER_COLUMN]
    count = board.get_element_by_id("column-lead-sum").xpath(".//span[@class='count']/text()")
    assert count == [str(len(deals))]  # the total counts every deal, not the cards shown

    link = _more_link(board, "lead")
    while link is not None:
        assert link.get("hx-get") == link.get("href")
        assert link.get("hx-target") == "closest li" and link.get("hx-swap") == "outerHTML"
        page = client.get(link.get("hx-get"), headers=HX)
        assert page.status_code == 200 and "<html" not in page.get_data(as_text=True)
        fragment = parse(page)
        seen += _card_ids(fragment)
        link = _more_link(fragment)
    assert seen == expected  # every card once, in the board's order, ties by id


def test_without_javascript_more_opens_the_column_page(client, login_as, db, app):
    rep = login_as("rep")
    deals = _deals(app, rep, CARDS_PER_COLUMN + 2, "proposal")
    db.session.commit()
    board = parse(client.get("/pipeline/board", headers=EN))
    page = client.get(_more_link(board, "proposal").get("href"), headers=EN)
    assert page.status_code == 200
    tree = parse(page)
    assert tree.xpath("//h1[@id='column-proposal-title']")
    assert _card_ids(tree) == _expected_order(deals)[CARDS_PER_COLUMN:]
    assert _more_link(tree) is None
    back = tree.xpath("//a[contains(@href, '/pipeline/board?')]")
    assert back and "process=" in back[0].get("href")
    # a card's move link is the deal page's move form, named by the deal
    card = tree.xpath("//li[contains(@class, 'deal-card')]")[0]
    move = card.xpath(".//a[@data-move]")[0]
    assert move.get("href").endswith("#move-form")
    assert move.get("aria-labelledby") == f"move-to-label {card.xpath('.//a')[0].get('id')}"
    assert tree.get_element_by_id("move-to-label") is not None


def test_more_keeps_the_filters_and_a_bad_cursor_starts_the_column_again(client, login_as, db, app):
    team = make_team()
    manager = login_as("manager", team_id=team.id)
    mine, theirs = make_user(team_id=team.id), make_user(team_id=team.id)
    kept = _deals(app, mine, CARDS_PER_COLUMN + 3)
    _deals(app, theirs, 4)
    db.session.commit()
    board = parse(client.get(f"/pipeline/board?owner={mine.id}", headers=EN))
    link = _more_link(board, "lead").get("href")
    assert f"owner={mine.id}" in link
    rest = parse(client.get(link, headers=HX))
    assert _card_ids(rest) == _expected_order(kept)[CARDS_PER_COLUMN:]

    again = client.get("/pipeline/board/column?stage=lead&after=yesterday~x", headers=HX)
    assert (
        _card_ids(parse(again)) == _expected_order(kept + _deals_of(db, theirs))[:CARDS_PER_COLUMN]
    )
    assert manager.role == "manager"


def _deals_of(db, owner):
    from sqlalchemy import select

    from salesweb.pipeline.models import Deal

    return list(db.session.scalars(select(Deal).where(Deal.owner_id == owner.id)))


@pytest.mark.parametrize("stage_key", ["", "won", "nonsense"])
def test_a_column_that_is_not_an_open_stage_is_not_found(client, login_as, db, app, stage_key):
    login_as("rep")
    with app.test_request_context():
        make_process()
    db.session.commit()
    assert client.get(f"/pipeline/board/column?stage={stage_key}").status_code == 404


def test_another_persons_cards_never_come_through_more(client, login_as, db, app):
    rep = login_as("rep")
    other = make_user()
    _deals(app, other, CARDS_PER_COLUMN + 2)
    db.session.commit()
    page = client.get("/pipeline/board/column?stage=lead", headers=HX)
    assert page.status_code == 200 and _card_ids(parse(page)) == []
    assert rep.role == "rep"


def test_cursor_round_trip():
    moment = utcnow()
    cursor = Cursor(moment, 42)
    assert Cursor.parse(str(cursor)) == cursor
    assert Cursor.parse(moment.replace(tzinfo=None).isoformat() + "~42") == cursor
    for bad in (None, "", "~", "2026-13-01~4", "2026-12-01T00:00:00~", "2026-12-01~-3"):
        assert Cursor.parse(bad) is None


def _company(app, people: int, per_stage: int) -> None:
    """A company board: `people` sellers in five teams, `per_stage` deals in every open stage
    with long Chinese titles and account names."""
    teams = [make_team(name=f"华东销售{next(_TEAMS)}部") for _t in range(5)]
    sellers = [
        make_user(team_id=teams[i % 5].id, display_name=f"销售代表{i:03d}号 王晓明")
        for i in range(people)
    ]
    with app.test_request_context():
        accounts = [
            make_account(owner=s, name=f"上海明远精密机械股份有限公司第{i}分公司")
            for i, s in enumerate(sellers[:12])
        ]
        for k, stage_key in enumerate(OPEN_STAGES):
            for i in range(per_stage):
                account = accounts[(k + i) % len(accounts)]
                make_deal(
                    account.owner,
                    account,
                    stage_key,
                    title=f"{account.name} · 设备联网软件（年费）与工业网关 IG-500 第{i}期",
                    amount=123456789,
                )


def test_the_whole_companys_board_stays_small_and_few_statements(client, login_as, db, app):
    from salesweb.extensions import db as ext

    admin = login_as("admin")
    _company(app, people=60, per_stage=CARDS_PER_COLUMN + 8)
    db.session.commit()
    client.get("/pipeline/board")
    with count_queries(ext.engines[None]) as seen:
        board = client.get("/pipeline/board")
    body = board.get_data()
    assert board.status_code == 200
    assert len(body) < BOARD_BYTES, f"{len(body)} bytes"
    assert len(seen) <= MAX_STATEMENTS, "\n\n".join(seen)
    tree = parse(board)
    for stage_key in OPEN_STAGES:
        assert len(_card_ids(tree, stage_key)) == CARDS_PER_COLUMN
        assert _more_link(tree, stage_key) is not None
    # one move form for the whole board, none per card
    assert len(tree.xpath("//form[contains(@action, '/move')]")) == 0
    assert len(tree.xpath("//dialog[@id='move-dialog']//form")) == 1
    assert admin.role == "admin"


def test_board_statements_do_not_grow_with_the_company(client, login_as, db, app):
    from salesweb.extensions import db as ext

    login_as("admin")
    _company(app, people=10, per_stage=3)
    db.session.commit()
    client.get("/pipeline/board")
    with count_queries(ext.engines[None]) as few:
        client.get("/pipeline/board")
        client.get("/pipeline/board/column?stage=lead", headers=HX)
    _company(app, people=30, per_stage=CARDS_PER_COLUMN + 4)
    db.session.commit()
    with count_queries(ext.engines[None]) as many:
        client.get("/pipeline/board")
        client.get("/pipeline/board/column?stage=lead", headers=HX)
    assert len(many) == len(few), "\n\n".join(many)


def test_board_totals_and_cards_come_from_the_index(app, db):
    """The stage totals and each column's cards read the deals index alone: no deal row is
    read to count or to pick the cards (only the cards shown are then loaded by id)."""
    from salesweb.auth.models import User
    from salesweb.pipeline import queries

    with app.test_request_context():
        process = make_process()
    admin = make_user(role="admin")
    db.session.flush()
    engine = db.session.get_bind()
    statements: list = []

    from sqlalchemy import event

    def seen(conn, cursor, statement, parameters, context, executemany):
        if "FROM deals" in statement:
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with app.test_request_context():
            user = db.session.get(User, admin.id)
            columns = queries.board_columns(user, {}, process.id)
            stage_ids = {s.id: s.key for s in process.current_version.stages}
            queries.board_cards(user, {}, stage_ids)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert columns.totals == {}
    totals_sql, totals_params = statements[0]
    cards_sql, cards_params = statements[1]
    if engine.dialect.name != "sqlite":
        # PostgreSQL chooses by its statistics, which an empty test table does not have; its
        # plans on the bench data (an index-only scan of ix_deals_board) are in bench/README.md.
        return
    conn = db.session.connection()
    plan = " ".join(
        str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + totals_sql, totals_params)
    )
    assert "COVERING INDEX ix_deals_board" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
    cards_plan = " ".join(
        str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + cards_sql, cards_params)
    )
    assert "COVERING INDEX ix_deals_board" in cards_plan, cards_plan
    assert "TEMP B-TREE" not in cards_plan, cards_plan
