"""Importing users, products and deals: the shared data set through `flask import`, re-imports
that move deals through their exit criteria, bad input, and the upload pages."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from salesweb.auth.models import Role, Team, User
from salesweb.core.importing import ImportJob, ImportReject, Status
from salesweb.core.models import AuditLog, ExchangeRate
from salesweb.customers.models import Account
from salesweb.pipeline import importers as _importers  # noqa: F401 - registers the kinds
from salesweb.pipeline import services
from salesweb.pipeline.models import Deal, LostReason, Product, StageHistory
from salesweb.pipeline.seed import seed_reference
from tests.conftest import by_id
from tests.datasets import crm_dataset
from tests.factories import make_account, make_team, make_user

DATA = crm_dataset()
EN = {"Accept-Language": "en"}
STAGE_MAPS = ["--map-stage", "Prospecting=客户开发", "--map-stage", "Engaging=需求分析"]
PRODUCT_MAP = ["--map-value", "product:GTXPro=GTX Pro"]
USD = ["--set", "currency=USD"]  # the data set's amounts: never assumed, always said


@pytest.fixture(autouse=True)
def uploads_in_tmp_and_english(app, tmp_path, monkeypatch):
    """Stored uploads go to a temporary folder; command-line reasons are said in English."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.setitem(app.config, "SALESWEB_DEFAULT_LOCALE", "en")


@pytest.fixture
def reference(db):
    """The default process, lost reasons and rates, without the seeded price list."""
    seed_reference()
    db.session.execute(delete(Product))
    day = date(2016, 10, 1)
    while day < date(2018, 1, 7):  # weekly: every deal date has a rate at most 6 days old
        db.session.add(ExchangeRate(currency="USD", valid_on=day, rate=Decimal("6.9"), source="t"))
        day += timedelta(days=7)
    db.session.commit()


def count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def run(app, *args: str):
    result = app.test_cli_runner().invoke(args=["import", *args])
    return result


def last_line(result) -> str:
    return result.output.strip().splitlines()[-1]


def import_file(app, tmp_path, kind: str, text: str, *args: str):
    path = tmp_path / f"{kind}-{len(list(tmp_path.iterdir()))}.csv"
    path.write_text(text, encoding="utf-8")
    return run(app, kind, str(path), *args)


def last_job(db) -> ImportJob:
    return db.session.scalar(select(ImportJob).order_by(ImportJob.id.desc()).limit(1))


def reasons_of(db, job: ImportJob) -> dict[int, str]:
    rows = db.session.scalars(select(ImportReject).where(ImportReject.job_id == job.id))
    return {r.row_number: r.reason for r in rows}


def import_people_products_accounts(app) -> None:
    for args in (
        ["users", str(DATA / "sales_teams.csv")],
        ["products", str(DATA / "products.csv"), "--set", "currency=USD"],
        [
            "accounts",
            str(DATA / "accounts.csv"),
            "--map",
            "revenue=annual_revenue_millions",
            "--set",
            "revenue_currency=USD",
        ],
    ):
        result = run(app, *args)
        assert result.exit_code == 0, result.output


# --- the shared data set ---------------------------------------------------------------------


def test_the_shared_data_set_imports_in_order_and_again_without_duplicates(app, db, reference):
    users = run(app, "users", str(DATA / "sales_teams.csv"))
    assert users.exit_code == 0, users.output
    assert last_line(users) == "taken: 35 rejected: 0 read: 35"
    assert count(db, User, User.role == Role.REP) == 35
    assert count(db, User, User.role == Role.MANAGER) == 6
    assert count(db, User, User.password_hash.is_not(None)) == 0  # no one signs in yet
    assert count(db, User, User.email.like("%@imported.invalid")) == 41
    teams = {t.name: t for t in db.session.scalars(select(Team))}
    assert len(teams) == 6 and {t.region for t in teams.values()} == {"Central", "East", "West"}
    assert teams["Central · Dustin Brinkmann"].manager.display_name == "Dustin Brinkmann"
    assert all(t.manager.role == Role.MANAGER for t in teams.values())
    moses = db.session.scalar(select(User).where(User.display_name == "Moses Frase"))
    assert moses.team.name == "Central · Dustin Brinkmann"
    assert moses.email == "moses.frase@imported.invalid"
    assert not moses.check_password("")
    again = run(app, "users", str(DATA / "sales_teams.csv"))
    assert last_line(again) == "taken: 35 rejected: 0 read: 35"
    assert last_job(db).created_records == 0 and count(db, User) == 41 and count(db, Team) == 6

    products = run(app, "products", str(DATA / "products.csv"), "--set", "currency=USD")
    assert last_line(products) == "taken: 7 rejected: 0 read: 7", products.output
    pro = db.session.scalar(select(Product).where(Product.name == "GTX Pro"))
    assert (pro.sku, pro.series, pro.list_price, pro.currency) == (
        "GTX-PRO",
        "GTX",
        Decimal("4821.00"),
        "USD",
    )
    accounts = run(
        app,
        "accounts",
        str(DATA / "accounts.csv"),
        "--map",
        "revenue=annual_revenue_millions",
        "--set",
        "revenue_currency=USD",
    )
    assert last_line(accounts) == "taken: 85 rejected: 0 read: 85"

    deals = run(app, "deals", str(DATA / "sales_pipeline.csv"), *STAGE_MAPS, *PRODUCT_MAP, *USD)
    assert deals.exit_code == 0, deals.output
    assert last_line(deals) == "taken: 7375 rejected: 1425 read: 8800"
    job = last_job(db)
    assert job.created_records == 7375
    reasons = set(reasons_of(db, job).values())
    assert len(reasons) == 1 and "No account" in reasons.pop()
    assert count(db, Deal) == 7375
    assert count(db, Deal, Deal.status == "won") == 4238
    assert count(db, Deal, Deal.status == "lost") == 2473
    unknown = services.reason_by_code("unknown_imported")
    assert count(db, Deal, Deal.status == "lost", Deal.lost_reason_id == unknown.id) == 2473
    assert count(db, StageHistory) == 7375 + 4238 + 2473
    assert count(db, StageHistory, StageHistory.via != "import") == 0
    created = count(db, AuditLog, AuditLog.record_type == "deals", AuditLog.action == "create")
    assert created == 7375

    won = db.session.scalar(select(Deal).where(Deal.external_id == "1C1I7A6R"))
    assert won.title == "Cancity · GTX Plus Basic" and won.owner.display_name == "Moses Frase"
    assert (won.status, won.stage.key, won.probability) == ("won", "after_sales", 100)
    assert (won.engaged_on, won.closed_on) == (date(2016, 10, 20), date(2017, 3, 1))
    assert (won.amount, won.currency, won.product_name) == (
        Decimal("1054.00"),
        "USD",
        "GTX Plus Basic",
    )
    assert won.base_amount == (won.amount * won.rate).quantize(Decimal("0.01"))
    assert won.created_at == datetime(2016, 10, 19, 16, tzinfo=UTC)  # 00:00 in Shanghai
    history = list(
        db.session.scalars(
            select(StageHistory)
            .where(StageHistory.deal_id == won.id)
            .order_by(StageHistory.entered_at)
        )
    )
    assert [(h.stage.key, h.status) for h in history] == [("lead", "open"), ("after_sales", "won")]
    assert history[0].left_at == history[1].entered_at == datetime(2017, 2, 28, 16, tzinfo=UTC)
    gtx_pro = db.session.scalar(select(Deal).where(Deal.external_id == "Z063OYW0"))
    assert gtx_pro.product_name == "GTX Pro"
    engaging = db.session.scalar(
        select(Deal).where(Deal.status == "open", Deal.engaged_on.is_not(None)).limit(1)
    )
    assert engaging.stage.key == "needs" and engaging.amount is None
    prospecting = db.session.scalar(
        select(Deal).where(Deal.status == "open", Deal.engaged_on.is_(None)).limit(1)
    )
    assert prospecting.stage.key == "lead"

    again = run(app, "deals", str(DATA / "sales_pipeline.csv"), *STAGE_MAPS, *PRODUCT_MAP, *USD)
    assert last_line(again) == "taken: 7375 rejected: 1425 read: 8800"
    job = last_job(db)
    assert (job.created_records, job.updated_records) == (0, 0)
    assert count(db, Deal) == 7375


def test_without_the_product_mapping_the_gtxpro_rows_are_rejected_with_the_value(
    app, db, reference
):
    import_people_products_accounts(app)
    result = run(app, "deals", str(DATA / "sales_pipeline.csv"), *STAGE_MAPS, *USD)
    assert result.exit_code == 0, result.output
    job = last_job(db)
    assert job.taken + job.rejected == job.rows_read == 8800
    assert (job.taken, job.rejected) == (7375 - 1258, 1425 + 1258)  # GTXPro rows with an account
    by_row = reasons_of(db, job)
    assert "GTXPro" in by_row[3] and "GTX Pro" in by_row[3]  # Z063OYW0, with the hint
    assert "product:GTXPro=GTX Pro" in by_row[3]
    assert sum("GTXPro" in reason for reason in by_row.values()) == 1258


def test_deals_without_an_account_are_kept_when_asked(app, db, reference, tmp_path):
    import_people_products_accounts(app)
    result = run(
        app,
        "deals",
        str(DATA / "sales_pipeline.csv"),
        *STAGE_MAPS,
        *PRODUCT_MAP,
        *USD,
        "--set",
        "keep_without_account=yes",
    )
    assert last_line(result) == "taken: 8800 rejected: 0 read: 8800", result.output
    assert count(db, Deal, Deal.account_id.is_(None)) == 1425
    bad = run(app, "deals", str(DATA / "sales_pipeline.csv"), "--set", "keep_without_account=maybe")
    assert bad.exit_code != 0 and "maybe" in bad.output


# --- small files -----------------------------------------------------------------------------

HEADER = (
    "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n"
)


@pytest.fixture
def people(db, reference):
    """A rep in a team, an account and a product, as the imports find them by name."""
    team = make_team(name="North")
    rep = make_user(display_name="Rita Rep", team=team)
    make_account(name="Acme Co")
    db.session.add(Product(sku="W-1", name="Widget", series="W", list_price=100, currency="USD"))
    db.session.commit()
    return rep


def test_bad_rows_are_rejected_each_with_its_reason(app, db, people, tmp_path):
    rows = [
        "D-1,Rita Rep,Widget,Acme Co,Prospecting,,,",
        "D-2,Rita Rep,Widget,Acme Co,Qualifying,2017-01-02,,",
        "D-3,Rita Rep,Widget,Acme Co,Engaging,2017-13-45,,",
        "D-4,Rita Rep,Widget,Acme Co,Won,2017-01-02,2017-02-03,-5",
        "D-5,Nobody Known,Widget,Acme Co,Engaging,2017-01-02,,",
        "D-6,Rita Rep,Widget,ACME CO.,Engaging,2017-01-02,,",
        "D-7,Rita Rep,Gizmo,Acme Co,Engaging,2017-01-02,,",
        "D-1,Rita Rep,Widget,Acme Co,Engaging,2017-01-02,,",
        "D-8,Rita Rep,Widget,Acme Co,Won,2017-01-02,,100",
        "D-9,Rita Rep,Widget,Acme Co,Won,2017-03-02,2017-01-01,100",
        ",Rita Rep,Widget,Acme Co,Engaging,2017-01-02,,",
        "D-10,Rita Rep,Widget,Acme Co,Lost,2017-01-02,2017-02-01,0",
    ]
    result = import_file(app, tmp_path, "deals", HEADER + "\n".join(rows) + "\n", *STAGE_MAPS, *USD)
    assert result.exit_code == 0, result.output
    assert last_line(result) == "taken: 2 rejected: 10 read: 12"
    reasons = reasons_of(db, last_job(db))
    assert "No stage “Qualifying”" in reasons[3] and "lead" in reasons[3]
    assert "2017-13-45" in reasons[4] and "not a date" in reasons[4]
    assert "-5" in reasons[5] and "out of range" in reasons[5]
    assert "Nobody Known" in reasons[6]
    assert "ACME CO." in reasons[7] and "account:ACME CO.=Acme Co" in reasons[7]
    assert "Gizmo" in reasons[8]
    assert "Same deal as row 2" in reasons[9]
    assert "close date" in reasons[10]
    assert "before the engage date" in reasons[11]
    assert "external ID is empty" in reasons[12]
    assert count(db, Deal) == 2
    lost = db.session.scalar(select(Deal).where(Deal.external_id == "D-10"))
    assert lost.status == "lost" and lost.lost_reason.code == "unknown_imported"
    assert lost.closed_on == date(2017, 2, 1) and lost.stage.key == "lead"


def test_bad_options_stop_the_import_before_it_starts(app, db, people, tmp_path):
    content = HEADER + "D-1,Rita Rep,Widget,Acme Co,Prospecting,,,\n"
    nowhere = import_file(app, tmp_path, "deals", content, "--map-stage", "Prospecting=Nowhere")
    assert nowhere.exit_code != 0 and "Nowhere" in nowhere.output
    shapeless = import_file(app, tmp_path, "deals", content, "--map-stage", "Prospecting")
    assert shapeless.exit_code != 0 and "FROM=TO" in shapeless.output
    unknown = import_file(app, tmp_path, "deals", content, "--map-value", "colour:a=b")
    assert unknown.exit_code != 0 and "colour:a=b" in unknown.output
    assert count(db, Deal) == 0


def test_a_reimport_moves_deals_only_as_their_exit_criteria_allow(app, db, people, tmp_path):
    first = import_file(
        app,
        tmp_path,
        "deals",
        HEADER + "D-1,Rita Rep,Widget,Acme Co,Prospecting,,,\n",
        *STAGE_MAPS,
        *USD,
    )
    assert last_line(first) == "taken: 1 rejected: 0 read: 1"
    deal = db.session.scalar(select(Deal).where(Deal.external_id == "D-1"))
    assert deal.stage.key == "lead"

    forward = HEADER + "D-1,Rita Rep,Widget,Acme Co,Engaging,2017-01-02,,\n"
    refused = import_file(app, tmp_path, "deals", forward, *STAGE_MAPS, *USD)
    assert last_line(refused) == "taken: 0 rejected: 1 read: 1"
    reason = reasons_of(db, last_job(db))[2]
    assert "Lead development" in reason and "Identify the decision maker" in reason
    db.session.refresh(deal)
    assert deal.stage.key == "lead"

    for step in deal.stage.steps:
        services.set_step(people, deal, step, True)
    db.session.commit()
    moved = import_file(app, tmp_path, "deals", forward, *STAGE_MAPS, *USD)
    assert last_line(moved) == "taken: 1 rejected: 0 read: 1"
    assert last_job(db).updated_records == 1
    db.session.refresh(deal)
    assert deal.stage.key == "needs" and count(db, Deal) == 1
    latest = db.session.scalar(
        select(StageHistory)
        .where(StageHistory.deal_id == deal.id)
        .order_by(StageHistory.id.desc())
        .limit(1)
    )
    assert (latest.stage.key, latest.via) == ("needs", "import")

    won = HEADER + "D-1,Rita Rep,Widget,Acme Co,Won,2017-01-02,2017-02-03,500\n"
    refused = import_file(app, tmp_path, "deals", won, *STAGE_MAPS, *USD)
    assert last_line(refused) == "taken: 0 rejected: 1 read: 1"
    reason = reasons_of(db, last_job(db))[2]
    assert "Needs survey completed" in reason and "Budget confirmed" in reason
    db.session.refresh(deal)
    assert deal.status == "open" and deal.amount is None  # nothing of the refused row stayed

    lost = HEADER + "D-1,Rita Rep,Widget,Acme Co,Lost,2017-01-02,2017-02-03,0\n"
    refused = import_file(app, tmp_path, "deals", lost, *STAGE_MAPS, *USD)
    assert "lost reason" in reasons_of(db, last_job(db))[2]
    with_reason = lost.replace("close_value\n", "close_value,reason\n").replace(
        ",0\n", ",0,Price\n"
    )
    closed = import_file(
        app, tmp_path, "deals", with_reason, *STAGE_MAPS, *USD, "--map", "reason=lost_reason"
    )
    assert last_line(closed) == "taken: 1 rejected: 0 read: 1", closed.output
    db.session.refresh(deal)
    assert (deal.status, deal.lost_reason.code, deal.closed_on) == (
        "lost",
        "price",
        date(2017, 2, 3),
    )

    reopen = import_file(app, tmp_path, "deals", forward, *STAGE_MAPS, *USD)
    assert "already closed" in reasons_of(db, last_job(db))[2]
    assert last_line(reopen) == "taken: 0 rejected: 1 read: 1"


def test_products_match_by_name_and_get_an_sku(app, db, reference, tmp_path):
    seed_reference()  # the seeded price list: GTX Pro is GTX-PRO in CNY
    db.session.commit()
    before = count(db, Product)
    content = "product,series,sales_price\nGTX Pro,GTX,4900\nNew Thing 2,NT,10\nBad,NT,-1\n"
    result = import_file(app, tmp_path, "products", content, "--set", "currency=USD")
    assert last_line(result) == "taken: 2 rejected: 1 read: 3"
    assert count(db, Product) == before + 1
    pro = db.session.scalar(select(Product).where(Product.name == "GTX Pro"))
    assert (pro.sku, pro.list_price, pro.currency) == ("GTX-PRO", Decimal("4900.00"), "USD")
    new = db.session.scalar(select(Product).where(Product.name == "New Thing 2"))
    assert new.sku == "NEW-THING-2" and new.currency == "USD"


# --- the upload pages ------------------------------------------------------------------------


def upload(client, content: bytes, kind: str):
    return client.post(
        "/customers/imports/new",
        data={"kind": kind, "file": (io.BytesIO(content), f"{kind}.csv")},
        content_type="multipart/form-data",
        headers=EN,
    )


def test_a_manager_imports_deals_of_the_own_team_with_stage_mappings(client, db, people, login_as):
    manager = login_as("manager", team=people.team, display_name="Mia Manager")
    otto = make_user(display_name="Otto Other", team=make_team(name="South"))
    theirs = services.create_deal(
        otto, {"title": "Theirs"}, account=make_account(name="Other Co"), owner=otto
    )
    theirs.external_id = "D-9"
    db.session.commit()
    content = (
        HEADER
        + "D-1,Rita Rep,Widget,Acme Co,Prospecting,,,\n"
        + "D-2,Otto Other,Widget,Acme Co,Prospecting,,,\n"
        + "D-3,Mia Manager,Widget,Acme Co,Engaging,2017-01-02,,\n"
        + "D-9,Rita Rep,Widget,Acme Co,Engaging,2017-01-02,,\n"
    ).encode()
    response = upload(client, content, "deals")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    job_id = int(response.headers["Location"].split("/")[3])
    page = client.get(f"/customers/imports/{job_id}/mapping", headers=EN)
    assert by_id(page, "option-map_stage").tag == "textarea"
    job = db.session.get(ImportJob, job_id)
    form = {f"col-{index}": key for key, index in job.mapping["columns"].items()}
    form["fixed-currency"] = "USD"
    form["option-map_stage"] = "Prospecting=Lead development\r\nEngaging=需求分析"
    response = client.post(f"/customers/imports/{job_id}/mapping", data=form, headers=EN)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    db.session.refresh(job)
    assert job.mapping["options"] == {
        "map_stage": ["Prospecting=Lead development", "Engaging=需求分析"]
    }
    preview = client.get(f"/customers/imports/{job_id}/preview", headers=EN)
    assert "Otto Other" in by_id(preview, "preview-row-3").text_content()
    assert client.post(f"/customers/imports/{job_id}/commit", headers=EN).status_code == 303
    db.session.refresh(job)
    assert (job.status, job.taken, job.rejected) == (Status.DONE, 2, 2)
    assert "No one you may import deals for" in reasons_of(db, job)[3]
    assert "may not change this deal" in reasons_of(db, job)[5]
    db.session.refresh(theirs)
    assert theirs.stage.key == "lead"
    mine = db.session.scalar(select(Deal).where(Deal.external_id == "D-3"))
    assert mine.owner_id == manager.id and mine.stage.key == "needs"


def test_a_bad_stage_mapping_is_said_on_the_mapping_page(client, db, people, login_as):
    login_as("admin")
    response = upload(
        client, (HEADER + "D-1,Rita Rep,Widget,Acme Co,Prospecting,,,\n").encode(), "deals"
    )
    job_id = int(response.headers["Location"].split("/")[3])
    job = db.session.get(ImportJob, job_id)
    form = {f"col-{index}": key for key, index in job.mapping["columns"].items()}
    form["fixed-currency"] = "USD"
    form["option-map_stage"] = "Prospecting=Nowhere"
    page = client.post(f"/customers/imports/{job_id}/mapping", data=form, headers=EN)
    assert page.status_code == 422 and "Nowhere" in page.get_data(as_text=True)
    assert by_id(page, "option-map_stage").text_content() == "Prospecting=Nowhere"


def test_only_administrators_import_users_and_products(client, db, people, login_as):
    login_as("manager", team=people.team)
    kinds = by_id(client.get("/customers/imports/new", headers=EN), "kind")
    offered = set(kinds.xpath("./option/@value"))
    assert "deals" in offered and not offered & {"users", "products"}
    refused = upload(client, b"sales_agent,manager,regional_office\nA,B,C\n", "users")
    assert refused.status_code == 422 and count(db, ImportJob) == 0
    login_as("admin")
    offered = set(
        by_id(client.get("/customers/imports/new", headers=EN), "kind").xpath("./option/@value")
    )
    assert {"users", "products", "deals"} <= offered
    response = upload(
        client, b"sales_agent,manager,regional_office\nAnn Lee,Bo Chen,Harbour\n", "users"
    )
    job_id = int(response.headers["Location"].split("/")[3])
    assert client.get(f"/customers/imports/{job_id}/preview", headers=EN).status_code == 200
    assert client.post(f"/customers/imports/{job_id}/commit", headers=EN).status_code == 303
    ann = db.session.scalar(select(User).where(User.display_name == "Ann Lee"))
    assert ann.role == Role.REP and ann.team.region == "Harbour" and ann.password_hash is None
    assert ann.team.manager.display_name == "Bo Chen"
    assert count(db, Account) == 1 and count(db, LostReason) >= 1


def test_users_match_by_name_or_email_and_get_unique_imported_addresses(app, db, tmp_path):
    existing = make_user(display_name="王伟", email="wang.wei@corp.example")
    db.session.commit()
    content = (
        "销售代表,销售经理,团队,邮箱\n"
        "王伟,李娜,华东,\n"
        "张敏,李娜,华东,\n"
        "Ann Lee,李娜,华东,ann@corp.example\n"
        "Ann  Lee,李娜,华东,\n"
        "Bo Chen,李娜,华东,not-an-address\n"
    )
    result = import_file(app, tmp_path, "users", content)
    assert last_line(result) == "taken: 4 rejected: 1 read: 5", result.output
    assert "not-an-address" in reasons_of(db, last_job(db))[6]
    east = db.session.scalar(select(Team).where(Team.name == "华东"))
    assert east.manager.display_name == "李娜" and east.manager.role == Role.MANAGER
    db.session.refresh(existing)
    assert existing.team_id == east.id and existing.email == "wang.wei@corp.example"
    addresses = set(db.session.scalars(select(User.email).where(User.team_id == east.id)))
    assert addresses == {
        "wang.wei@corp.example",
        "user@imported.invalid",
        "user.2@imported.invalid",
        "ann@corp.example",
    }
    assert count(db, User, User.display_name.like("Ann%Lee")) == 1  # runs of spaces fold
    again = import_file(app, tmp_path, "users", content)
    assert last_line(again) == "taken: 4 rejected: 1 read: 5"
    assert (last_job(db).created_records, last_job(db).updated_records) == (0, 0)


def test_a_deleted_deal_is_not_brought_back_by_a_reimport(app, db, people, tmp_path):
    content = HEADER + "D-1,Rita Rep,Widget,Acme Co,Prospecting,,,\n"
    import_file(app, tmp_path, "deals", content, *STAGE_MAPS, *USD)
    deal = db.session.scalar(select(Deal).where(Deal.external_id == "D-1"))
    deal.soft_delete()
    db.session.commit()
    again = import_file(app, tmp_path, "deals", content, *STAGE_MAPS, *USD)
    assert last_line(again) == "taken: 0 rejected: 1 read: 1"
    assert "was deleted" in reasons_of(db, last_job(db))[2]
    assert count(db, Deal) == 1


def _problem(page, row: int) -> str:
    """The problem cell of a preview row ('' when the row is fine)."""
    cells = by_id(page, f"preview-row-{row}").xpath("./td[1]//span[@class='error']")
    return cells[0].text_content() if cells else ""


def test_a_manager_cannot_import_deals_onto_another_teams_account_nor_learn_its_name(
    client, db, people, login_as
):
    """Another team's account reads as no account at all, in the preview and the rejects, and
    no "did you mean" hint spells it; the team's own and pool accounts are still found."""
    manager = login_as("manager", team=people.team, display_name="Mia Manager")
    east = make_user(display_name="Erin East", team=make_team(name="华东销售部"))
    make_account(name="华东客户有限公司", owner=east)
    make_account(name="Nearby Co", owner=people)
    db.session.commit()
    content = (
        HEADER
        + "D-1,Rita Rep,Widget,华东客户有限公司,Prospecting,,,\n"
        + "D-2,Rita Rep,Widget,不存在有限公司,Prospecting,,,\n"
        + "D-3,Rita Rep,Widget,华东客户 有限 公司,Prospecting,,,\n"
        + "D-4,Rita Rep,Widget,Nearby Co,Prospecting,,,\n"
        + "D-5,Mia Manager,Widget,Acme Co,Prospecting,,,\n"
        + "D-6,Erin East,Widget,Acme Co,Prospecting,,,\n"
        + "D-7,Nobody Known,Widget,Acme Co,Prospecting,,,\n"
    ).encode()
    job_id = int(upload(client, content, "deals").headers["Location"].split("/")[3])
    job = db.session.get(ImportJob, job_id)
    form = {f"col-{index}": key for key, index in job.mapping["columns"].items()}
    form["fixed-currency"] = "USD"
    form["option-map_stage"] = "Prospecting=客户开发"
    assert client.post(f"/customers/imports/{job_id}/mapping", data=form).status_code == 303
    preview = client.get(f"/customers/imports/{job_id}/preview", headers=EN)
    foreign, missing, alike = (_problem(preview, n) for n in (2, 3, 4))
    assert foreign and foreign.replace("华东客户有限公司", "X") == missing.replace(
        "不存在有限公司", "X"
    )
    assert "华东客户有限公司" not in alike  # no hint naming the other team's account
    assert _problem(preview, 5) == "" and _problem(preview, 6) == ""
    other_person, nobody = _problem(preview, 7), _problem(preview, 8)
    assert other_person.replace("Erin East", "X") == nobody.replace("Nobody Known", "X")
    assert client.post(f"/customers/imports/{job_id}/commit", headers=EN).status_code == 303
    db.session.refresh(job)
    assert (job.taken, job.rejected) == (2, 5)
    reasons = reasons_of(db, job)
    assert reasons[2].replace("华东客户有限公司", "X") == reasons[3].replace("不存在有限公司", "X")
    assert count(db, Deal, Deal.external_id.in_(["D-1", "D-3", "D-6"])) == 0
    assert {d.account.name for d in db.session.scalars(select(Deal))} == {"Nearby Co", "Acme Co"}
    assert manager.id in {d.owner_id for d in db.session.scalars(select(Deal))}


def test_a_deal_of_another_team_is_not_described_by_a_reimport(app, client, db, people, login_as):
    """A taken external id of another team's deal says only that it cannot be changed, not
    whether that deal is deleted or closed."""
    login_as("manager", team=people.team)
    otto = make_user(display_name="Otto Other", team=make_team(name="South"))
    gone = services.create_deal(
        otto, {"title": "Gone"}, account=make_account(name="Other Co", owner=otto), owner=otto
    )
    gone.external_id = "D-8"
    gone.deleted_at = datetime(2026, 1, 1, tzinfo=UTC)
    db.session.commit()
    content = (HEADER + "D-8,Rita Rep,Widget,Acme Co,Prospecting,,,\n").encode()
    job_id = int(upload(client, content, "deals").headers["Location"].split("/")[3])
    job = db.session.get(ImportJob, job_id)
    form = {f"col-{index}": key for key, index in job.mapping["columns"].items()}
    form["fixed-currency"] = "USD"
    form["option-map_stage"] = "Prospecting=客户开发"
    assert client.post(f"/customers/imports/{job_id}/mapping", data=form).status_code == 303
    problem = _problem(client.get(f"/customers/imports/{job_id}/preview", headers=EN), 2)
    assert "may not change this deal" in problem and "deleted" not in problem


def test_a_new_deal_is_built_by_the_models_rules(app, db, people, tmp_path):
    """Won and lost as the app closes a deal (Deal.win, Deal.lose, Deal.book), audited as a
    create: a retired lost reason is refused here as it is on the form."""
    retired = LostReason(code="retired", label_zh="旧原因", label_en="Old reason", active=False)
    db.session.add(retired)
    db.session.commit()
    rows = [
        "D-1,Rita Rep,Widget,Acme Co,Lost,2017-01-02,2017-02-01,,Old reason",
        "D-2,Rita Rep,Widget,Acme Co,Won,2017-01-02,2017-02-01,100,",
    ]
    content = HEADER.rstrip("\n") + ",lost_reason\n" + "\n".join(rows) + "\n"
    result = import_file(app, tmp_path, "deals", content, *STAGE_MAPS, *USD)
    assert last_line(result) == "taken: 1 rejected: 1 read: 2", result.output
    assert "Choose why the deal was lost." in reasons_of(db, last_job(db))[2]
    won = db.session.scalar(select(Deal).where(Deal.external_id == "D-2"))
    assert (won.status, won.probability, won.stage.key) == ("won", 100, "after_sales")
    assert won.base_amount == (won.amount * won.rate).quantize(Decimal("0.01"))
    created = db.session.scalar(
        select(AuditLog).where(AuditLog.record_type == "deals", AuditLog.record_id == str(won.id))
    )
    assert created.action == "create" and created.record_label == won.title
    assert created.changes["status"] == [None, "won"]
    assert created.changes["base_amount"] == [None, str(won.base_amount)]
