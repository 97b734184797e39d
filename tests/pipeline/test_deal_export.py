"""Deal export: the filtered deal list as CSV and XLSX, in the viewer's scope, streamed."""

from __future__ import annotations

import csv
import io
import types
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from salesweb.extensions import db as _db
from salesweb.pipeline import services
from salesweb.pipeline.models import DealInteraction, LostReason
from tests.conftest import HX, by_id, count_queries
from tests.factories import make_account, make_interaction, make_team, make_user
from tests.pipeline.factories import make_deal, make_process

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
URL = "/pipeline/deals/export"


@pytest.fixture
def process(app, db):
    with app.test_request_context():
        return make_process()


def export(client, url, headers=EN):
    """The export's response, its stream read at once, in the context the test client gives the
    request (a server reads the stream where it ran the request)."""
    return client.get(url, headers=headers, buffered=True)


def get_csv(client, url, headers=EN):
    response = export(client, url, headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert ".csv" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")  # the BOM: Excel then reads the file as UTF-8
    return list(csv.reader(io.StringIO(body[1:])))


def get_xlsx(client, url, headers=EN):
    response = export(client, url, headers)
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert ".xlsx" in response.headers["Content-Disposition"]
    data = response.get_data()
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    rows = [list(r) for r in workbook.active.iter_rows(values_only=True)]
    workbook.close()
    return rows


def column(rows, name):
    index = rows[0].index(name)
    return [r[index] for r in rows[1:]]


def by_number(rows, deal):
    """The exported row of a deal, as a header -> cell mapping."""
    index = rows[0].index("Deal number")
    for row in rows[1:]:
        if str(row[index]) == str(deal.id):
            return dict(zip(rows[0], row, strict=True))
    raise AssertionError(f"deal {deal.id} not exported")


HEADER = [
    "Deal number",
    "External ID",
    "Title",
    "Account",
    "Owner",
    "Team",
    "Stage",
    "Status",
    "Amount",
    "Currency",
    "Amount in base currency (CNY)",
    "Exchange rate",
    "Rate date",
    "Rate source",
    "Probability (%)",
    "Expected close date",
    "Actual close date",
    "Lost reason",
    "Note on the loss",
    "Source",
    "Created",
    "Last activity",
]


def a_lost_deal(process):
    """A lost USD deal of a rep in a named team, with every exported column filled."""
    team = make_team(name="华东一组")
    rep = make_user(role="rep", team_id=team.id, display_name="李娜", timezone="Asia/Shanghai")
    account = make_account(owner=rep, name="上海星河科技有限公司")
    deal = make_deal(
        owner=rep,
        account=account,
        process=process,
        title="ERP 升级",
        amount=Decimal("1250.50"),
        currency="USD",
        expected_close=date(2026, 3, 31),
        source="展会",
    )
    deal.external_id = "D-0001"
    deal.rate, deal.rate_date, deal.rate_source = Decimal("7.1"), date(2026, 3, 1), "manual"
    deal.base_amount = Decimal("8878.55")
    reason = _db.session.scalars(select(LostReason).order_by(LostReason.position)).first()
    services.lose_deal(rep, deal, reason, "价格太高")
    deal.closed_on = date(2026, 4, 2)
    deal.created_at = datetime(2026, 1, 5, 1, 30, tzinfo=UTC)
    deal.updated_at = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)
    _db.session.flush()
    return deal, reason


# --- content ---------------------------------------------------------------------------------


def test_csv_has_every_column_of_the_deal_in_the_readers_language(client, db, process, login_as):
    deal, reason = a_lost_deal(process)
    login_as("admin", timezone="Asia/Shanghai")
    rows = get_csv(client, f"{URL}?status=all")
    assert rows[0] == HEADER
    row = by_number(rows, deal)
    assert row["External ID"] == "D-0001"
    assert row["Title"] == "ERP 升级"
    assert row["Account"] == "上海星河科技有限公司"
    assert (row["Owner"], row["Team"]) == ("李娜", "华东一组")
    assert row["Stage"] == deal.stage.name_en
    assert row["Status"] == "Lost"
    assert (row["Amount"], row["Currency"]) == ("1250.50", "USD")
    assert row["Amount in base currency (CNY)"] == "8878.55"
    assert Decimal(row["Exchange rate"]) == Decimal("7.1")
    assert (row["Rate date"], row["Rate source"]) == ("2026-03-01", "manual")
    assert row["Probability (%)"] == str(deal.probability)
    assert (row["Expected close date"], row["Actual close date"]) == ("2026-03-31", "2026-04-02")
    assert (row["Lost reason"], row["Note on the loss"]) == (reason.label_en, "价格太高")
    assert row["Source"] == "展会"
    # Stored in UTC, written in the reader's time zone (Shanghai is UTC+8).
    assert row["Created"] == "2026-01-05 09:30:00"
    assert row["Last activity"] == "2026-04-02 10:00:00"


def test_headers_and_labels_follow_the_language(client, db, process, login_as):
    deal, reason = a_lost_deal(process)
    login_as("admin", locale="zh_CN")
    rows = get_csv(client, f"{URL}?status=all", headers=ZH)
    assert rows[0][:3] == ["商机编号", "外部编号", "商机名称"]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert deal.stage.name_zh in row.values()
    assert reason.label_zh in row.values()


def test_xlsx_has_the_same_rows_with_numbers_and_dates_as_cells(client, db, process, login_as):
    deal, _ = a_lost_deal(process)
    login_as("admin", timezone="Asia/Shanghai")
    rows = get_xlsx(client, f"{URL}?format=xlsx&status=all")
    assert rows[0] == HEADER
    row = by_number(rows, deal)
    assert row["Deal number"] == deal.id
    assert Decimal(str(row["Amount"])) == Decimal("1250.50")
    assert row["Currency"] == "USD"
    assert row["Rate date"] == datetime(2026, 3, 1)  # a date cell, not text
    assert row["Created"] == datetime(2026, 1, 5, 9, 30)
    assert row["Title"] == "ERP 升级"


def test_last_activity_is_the_latest_interaction_when_it_is_newer(client, db, process, login_as):
    admin = login_as("admin", timezone="UTC")
    deal = make_deal(owner=admin, process=process)
    deal.updated_at = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
    when = datetime(2026, 2, 3, 9, 15, tzinfo=UTC)
    talk = make_interaction(deal.account, author=admin, occurred_at=when)
    old = make_interaction(deal.account, author=admin, occurred_at=when - timedelta(days=9))
    for interaction in (talk, old):
        db.session.add(DealInteraction(deal_id=deal.id, interaction_id=interaction.id))
    db.session.flush()
    row = by_number(get_csv(client, URL), deal)
    assert row["Last activity"] == "2026-02-03 09:15:00"


def test_formula_cells_are_neutralised_in_both_formats(client, db, process, login_as):
    admin = login_as("admin")
    account = make_account(owner=admin, name='=HYPERLINK("http://evil","x")')
    deal = make_deal(owner=admin, account=account, process=process, title="@SUM(A1)")
    deal.source = "+86 cmd"
    db.session.flush()
    for rows in (get_csv(client, URL), get_xlsx(client, f"{URL}?format=xlsx")):
        row = by_number(rows, deal)
        assert row["Title"] == "'@SUM(A1)"
        assert row["Account"] == '\'=HYPERLINK("http://evil","x")'
        assert row["Source"] == "'+86 cmd"


def test_an_empty_list_exports_the_header_alone(client, db, process, login_as):
    login_as("rep")
    assert get_csv(client, URL) == [HEADER]
    assert get_xlsx(client, f"{URL}?format=xlsx") == [HEADER]


# --- scope and filters -----------------------------------------------------------------------


def test_a_rep_exports_only_their_own_deals(client, db, process, login_as):
    rep = login_as("rep")
    mine = make_deal(owner=rep, process=process, title="Mine")
    make_deal(owner=make_user(role="rep"), process=process, title="Theirs")
    for rows in (get_csv(client, URL), get_xlsx(client, f"{URL}?format=xlsx")):
        assert column(rows, "Title") == ["Mine"]
        assert column(rows, "Deal number") in ([str(mine.id)], [mine.id])
    # Asking for someone else's deals by filter does not widen the scope.
    other = make_user(role="rep")
    make_deal(owner=other, process=process, title="Other")
    assert column(get_csv(client, f"{URL}?owner={other.id}"), "Title") == []


def test_a_manager_exports_their_teams_deals(client, db, process, login_as):
    team = make_team()
    manager = login_as("manager", team_id=team.id)
    mate = make_user(role="rep", team_id=team.id)
    make_deal(owner=mate, process=process, title="Team deal")
    make_deal(owner=manager, process=process, title="Own deal")
    make_deal(owner=make_user(role="rep", team_id=make_team().id), process=process, title="Away")
    assert sorted(column(get_csv(client, URL), "Title")) == ["Own deal", "Team deal"]


def test_the_lists_filters_and_sort_are_kept(client, db, process, login_as):
    admin = login_as("admin")
    rep = make_user(role="rep")
    make_deal(owner=admin, process=process, title="Alpha pump", amount=Decimal("500"))
    make_deal(owner=admin, process=process, title="Beta pump", amount=Decimal("5000"))
    make_deal(owner=rep, process=process, title="Gamma pump", amount=Decimal("9000"))
    lost = make_deal(owner=admin, process=process, title="Delta pump")
    reason = db.session.scalars(select(LostReason)).first()
    services.lose_deal(admin, lost, reason, "x")
    db.session.flush()
    assert column(get_csv(client, f"{URL}?q=pump&sort=title"), "Title") == [
        "Alpha pump",
        "Beta pump",
        "Gamma pump",
    ]  # open deals only, as the list shows by default
    assert column(get_csv(client, f"{URL}?status=lost"), "Title") == ["Delta pump"]
    assert column(get_csv(client, f"{URL}?min=1000&sort=-amount"), "Title") == [
        "Gamma pump",
        "Beta pump",
    ]
    assert column(get_csv(client, f"{URL}?owner={rep.id}"), "Title") == ["Gamma pump"]
    assert column(get_xlsx(client, f"{URL}?format=xlsx&owner=me&sort=title"), "Title") == [
        "Alpha pump",
        "Beta pump",
    ]


def test_the_team_filter_keeps_the_teams_deals(client, db, process, login_as):
    login_as("admin")
    north, south = make_team(name="North"), make_team(name="South")
    make_deal(owner=make_user(team_id=north.id), process=process, title="N")
    make_deal(owner=make_user(team_id=south.id), process=process, title="S")
    rows = get_csv(client, f"{URL}?team={north.id}")
    assert column(rows, "Title") == ["N"]
    assert column(rows, "Team") == ["North"]


# --- streaming -------------------------------------------------------------------------------


def test_csv_streams_and_queries_do_not_grow_with_rows(client, db, process, login_as, monkeypatch):
    from salesweb.pipeline.views import exports

    monkeypatch.setattr(exports, "CHUNK", 2)
    admin = login_as("admin")
    for n in range(3):
        make_deal(owner=admin, process=process, title=f"Chunk {n}")
    db.session.commit()

    def run():
        with count_queries(_db.engines[None]) as seen:
            response = export(client, f"{URL}?sort=title")
        # Streamed: sent as it is written, so no length is known beforehand.
        assert "Content-Length" not in response.headers
        body = response.get_data(as_text=True)
        return seen, list(csv.reader(io.StringIO(body[1:])))

    run()  # warm-up
    few, rows = run()
    assert column(rows, "Title") == ["Chunk 0", "Chunk 1", "Chunk 2"]
    for n in range(3, 9):
        make_deal(owner=admin, process=process, title=f"Chunk {n}")
    db.session.commit()
    many, rows = run()
    assert column(rows, "Title") == [f"Chunk {n}" for n in range(9)]  # no gap between chunks
    assert len(many) == len(few), "\n\n".join(many)
    assert sum("FROM deals" in s for s in many) == 1, "one statement for every chunk"


def test_export_rows_is_a_generator_reading_in_chunks(app, db, process):
    from salesweb.pipeline.queries import deal_export_stmt
    from salesweb.pipeline.views.exports import Reader, export_rows

    admin = make_user(role="admin")
    for n in range(5):
        make_deal(owner=admin, process=process, title=f"Row {n}")
    with app.test_request_context(headers=EN):
        stmt = deal_export_stmt(admin, {"sort": "title"})
        with count_queries(_db.engines[None]) as seen:
            rows = export_rows(app, stmt, Reader.current(), chunk=2)
        assert isinstance(rows, types.GeneratorType) and seen == []  # nothing read yet
        with count_queries(_db.engines[None]) as seen:
            first = next(rows)
            rest = list(rows)
    assert first[2] == "Row 0" and [r[2] for r in rest] == [f"Row {n}" for n in range(1, 5)]
    assert len(seen) == 1


# --- the route -------------------------------------------------------------------------------


def test_an_unknown_format_is_a_bad_request(client, db, login_as):
    login_as("admin")
    assert export(client, f"{URL}?format=pdf").status_code == 400


def test_bad_filter_values_are_dropped_not_failed(client, db, process, login_as):
    admin = login_as("admin")
    make_deal(owner=admin, process=process, title="Kept")
    rows = get_csv(client, f"{URL}?min=abc&close_before=31/31/2026&sort=drop&team=x&owner=-1")
    assert column(rows, "Title") == ["Kept"]


def test_export_needs_sign_in(client, db):
    response = export(client, URL)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["admin", "manager", "rep", "compliance"])
def test_every_signed_in_role_may_export(client, db, login_as, role):
    login_as(role)
    assert export(client, URL).status_code == 200


def test_the_list_links_carry_the_filters_and_follow_htmx_swaps(client, db, process, login_as):
    login_as("admin")
    page = client.get("/pipeline/deals?status=won&q=pump&page=2")
    link = by_id(page, "export-csv")
    assert link.get("hx-boost") == "false" and link.get("download") is not None
    href = link.get("href")
    assert href.startswith(URL) and "status=won" in href and "q=pump" in href
    assert "format=csv" in href and "page=" not in href
    assert "format=xlsx" in by_id(page, "export-xlsx").get("href")
    # The filter form swaps #results only: the links are inside it, so they change with it.
    fragment = client.get("/pipeline/deals?status=lost", headers=HX)
    assert "<html" not in fragment.get_data(as_text=True)
    assert "status=lost" in by_id(fragment, "export-xlsx").get("href")
