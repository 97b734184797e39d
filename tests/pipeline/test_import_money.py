"""Imports keep money right: the currency is said, each deal is converted at the rate of its own
date from the dated rate table (imported as date, currency, rate), won deals bring their order,
lost deals without a stage say so, and bad input is refused row by row with its reason."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from salesweb.core.importing import ImportJob, ImportReject
from salesweb.core.models import ExchangeRate
from salesweb.customers.models import Order
from salesweb.pipeline import importers as _importers  # noqa: F401 - registers the kinds
from salesweb.pipeline.models import Deal, Product
from salesweb.pipeline.seed import seed_reference
from tests.conftest import by_id
from tests.factories import make_account, make_team, make_user

EN = {"Accept-Language": "en"}
HEADER = (
    "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n"
)
STAGES = ["--map-stage", "Prospecting=客户开发", "--map-stage", "Engaging=需求分析"]
USD = ["--set", "currency=USD"]


@pytest.fixture(autouse=True)
def uploads_in_tmp_and_english(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.setitem(app.config, "SALESWEB_DEFAULT_LOCALE", "en")


@pytest.fixture
def reference(db):
    seed_reference()
    db.session.commit()


@pytest.fixture
def people(db, reference):
    rep = make_user(display_name="Rita Rep", team=make_team(name="North"))
    make_account(name="Acme Co")
    db.session.add(Product(sku="W-1", name="Widget", series="W", list_price=100, currency="USD"))
    for day, rate in ((date(2017, 1, 2), "6.9"), (date(2017, 2, 1), "6.8")):
        db.session.add(
            ExchangeRate(currency="USD", valid_on=day, rate=Decimal(rate), source="pboc")
        )
    db.session.commit()
    return rep


def count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def run_file(app, tmp_path, kind: str, text: str, *args: str):
    path = tmp_path / f"{kind}-{len(list(tmp_path.iterdir()))}.csv"
    path.write_text(text, encoding="utf-8")
    return app.test_cli_runner().invoke(args=["import", kind, str(path), *args])


def lines(result) -> list[str]:
    return result.output.strip().splitlines()


def reasons(db) -> dict[int, str]:
    job = db.session.scalar(select(ImportJob).order_by(ImportJob.id.desc()).limit(1))
    rows = db.session.scalars(select(ImportReject).where(ImportReject.job_id == job.id))
    return {r.row_number: r.reason for r in rows}


def deal(db, external_id: str) -> Deal:
    return db.session.scalar(select(Deal).where(Deal.external_id == external_id))


# --- the currency is said ----------------------------------------------------------------------


def test_a_file_with_amounts_and_no_currency_is_refused_saying_how_to_give_one(
    app, db, people, tmp_path
):
    content = HEADER + "D-1,Rita Rep,Widget,Acme Co,Won,2017-01-02,2017-02-03,500\n"
    refused = run_file(app, tmp_path, "deals", content, *STAGES)
    assert refused.exit_code != 0
    assert "no currency" in refused.output and "--set currency=USD" in refused.output
    assert count(db, Deal) == 0  # not the product's currency, nor the base one: nothing
    products = run_file(app, tmp_path, "products", "product,sales_price\nGizmo,10\n")
    assert products.exit_code != 0 and "--set currency=USD" in products.output
    assert count(db, Product, Product.name == "Gizmo") == 0


def test_a_currency_column_converts_each_row_in_its_own_currency(app, db, people, tmp_path):
    db.session.add(
        ExchangeRate(currency="EUR", valid_on=date(2017, 2, 1), rate=Decimal("7.3"), source="ecb")
    )
    db.session.commit()
    content = (
        HEADER.rstrip("\n")
        + ",currency\n"
        + "D-1,Rita Rep,Widget,Acme Co,Won,2017-01-02,2017-02-03,100,EUR\n"
        + "D-2,Rita Rep,Widget,Acme Co,Won,2017-01-02,2017-02-03,100,\n"
        + "D-3,Rita Rep,Widget,Acme Co,Won,2017-01-02,2017-02-03,100,CNY\n"
        + "D-4,Rita Rep,Widget,Acme Co,Won,2017-01-02,2017-02-03,100,ABC\n"
    )
    result = run_file(app, tmp_path, "deals", content, *STAGES)
    assert lines(result)[-1] == "taken: 2 rejected: 2 read: 4", result.output
    why = reasons(db)
    assert "no currency" in why[3] and "--set currency=USD" in why[3]
    assert "ABC" in why[5]
    assert (deal(db, "D-1").rate, deal(db, "D-1").base_amount) == (Decimal("7.3"), Decimal("730"))
    assert (deal(db, "D-3").rate, deal(db, "D-3").base_amount) == (Decimal(1), Decimal("100"))


# --- the rate of the deal's own date ---------------------------------------------------------


def test_each_deal_is_converted_at_the_rate_of_its_own_date(app, db, people, tmp_path):
    content = (
        HEADER
        + "D-1,Rita Rep,Widget,Acme Co,Won,2017-01-02,2017-02-03,500\n"  # close date: 2-01
        + "D-2,Rita Rep,Widget,Acme Co,Won,2017-01-02,2017-01-05,500\n"  # close date: 1-02
        + "D-3,Rita Rep,Widget,Acme Co,Lost,2017-01-02,2017-01-08,0\n"
    )
    result = run_file(app, tmp_path, "deals", content, *STAGES, *USD)
    assert lines(result)[-2:] == [
        "created: 3 updated: 0 unchanged: 0",
        "taken: 3 rejected: 0 read: 3",
    ], result.output
    first, second = deal(db, "D-1"), deal(db, "D-2")
    assert (first.rate, first.rate_date, first.rate_source) == (
        Decimal("6.8"),
        date(2017, 2, 1),
        "pboc",
    )
    assert first.base_amount == Decimal("3400.00")  # never the 2026 rate the seed has (7.10)
    assert (second.rate, second.rate_date, second.base_amount) == (
        Decimal("6.9"),
        date(2017, 1, 2),
        Decimal("3450.00"),
    )
    assert deal(db, "D-3").rate_date == date(2017, 1, 2)


def test_a_date_without_a_recent_rate_is_rejected_or_booked_at_the_nearest_earlier(
    app, db, people, tmp_path
):
    content = HEADER + "D-1,Rita Rep,Widget,Acme Co,Won,2017-01-02,2017-03-15,500\n"
    refused = run_file(app, tmp_path, "deals", content, *STAGES, *USD)
    assert lines(refused)[-1] == "taken: 0 rejected: 1 read: 1"
    why = reasons(db)[2]
    assert "within 7 days before 2017-03-15" in why and "2017-02-01" in why
    assert "--set rate_fallback=nearest_earlier" in why
    before = run_file(
        app,
        tmp_path,
        "deals",
        content.replace("2017-01-02,2017-03", "2016-12-01,2016-12"),
        *STAGES,
        *USD,
    )
    assert "No USD rate on or before 2016-12-15" in reasons(db)[2], before.output
    assert count(db, Deal) == 0 and count(db, Order) == 0

    bad = run_file(app, tmp_path, "deals", content, *STAGES, *USD, "--set", "rate_fallback=maybe")
    assert bad.exit_code != 0 and "nearest_earlier" in bad.output
    taken = run_file(
        app, tmp_path, "deals", content, *STAGES, *USD, "--set", "rate_fallback=nearest_earlier"
    )
    assert lines(taken)[-1] == "taken: 1 rejected: 0 read: 1", taken.output
    booked = deal(db, "D-1")
    assert (booked.rate, booked.rate_date, booked.rate_source) == (
        Decimal("6.8"),
        date(2017, 2, 1),
        "nearest_earlier:pboc",
    )
    # said where the deal shows its rate (the deal page: "rate 6.8 of ..., <this>")
    with app.test_request_context(headers=EN):
        assert booked.rate_source_label == "pboc, the nearest earlier rate: none of the deal's date"


def test_the_age_a_rate_may_have_is_configured(app, db, people, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SALESWEB_RATE_MAX_AGE_DAYS", 60)
    content = HEADER + "D-1,Rita Rep,Widget,Acme Co,Won,2017-01-02,2017-03-15,500\n"
    result = run_file(app, tmp_path, "deals", content, *STAGES, *USD)
    assert lines(result)[-1] == "taken: 1 rejected: 0 read: 1"
    assert deal(db, "D-1").rate_source == "pboc"


# --- orders, stage unknown, a second run ---------------------------------------------------------


def test_won_deals_bring_their_order_and_lost_ones_say_their_stage_is_unknown(
    app, db, people, tmp_path, client, login_as
):
    content = (
        HEADER
        + "D-1,Rita Rep,Widget,Acme Co,Won,2017-01-02,2017-02-03,500\n"
        + "D-2,Rita Rep,Widget,Acme Co,Lost,2017-01-02,2017-02-03,0\n"
        + "D-3,Rita Rep,Widget,,Won,2017-01-02,2017-02-03,70\n"
        + "D-4,Rita Rep,Widget,Acme Co,Engaging,2017-01-02,,\n"
    )
    args = (*STAGES, *USD, "--set", "keep_without_account=yes")
    first = run_file(app, tmp_path, "deals", content, *args)
    assert lines(first)[-2:] == [
        "created: 4 updated: 0 unchanged: 0",
        "taken: 4 rejected: 0 read: 4",
    ]
    won = deal(db, "D-1")
    order = db.session.scalar(select(Order).where(Order.external_id == f"DEAL-{won.id}"))
    assert (order.account_id, order.ordered_on, order.currency, order.total, order.base_total) == (
        won.account_id,
        date(2017, 2, 3),
        "USD",
        Decimal("500.00"),
        Decimal("3400.00"),
    )
    assert [(line.product, line.quantity, line.line_total) for line in order.lines] == [
        ("Widget", Decimal("1"), Decimal("500.00"))
    ]
    assert count(db, Order) == 1  # D-3 has no account to have bought anything
    assert won.account.type == "customer"  # a prospect that bought, as a deal won in the app
    lost = deal(db, "D-2")
    assert lost.stage_unknown and not won.stage_unknown and not deal(db, "D-4").stage_unknown
    login_as("admin")
    account = client.get(f"/customers/accounts/{won.account_id}", headers=EN).get_data(as_text=True)
    assert "3,400.00" in account  # the lifetime value, in the base currency

    again = run_file(app, tmp_path, "deals", content, *args)
    assert lines(again)[-2:] == [
        "created: 0 updated: 0 unchanged: 4",
        "taken: 4 rejected: 0 read: 4",
    ]
    assert count(db, Order) == 1 and count(db, Deal) == 4


# --- bad input ---------------------------------------------------------------------------------


def test_a_rates_file_is_taken_row_by_row_each_refusal_with_its_reason(
    app, db, reference, tmp_path
):
    before = count(db, ExchangeRate)
    content = (
        "date,currency,rate,source\n"
        "2017-01-02,USD,6.9,pboc\n"
        "2017-01-03,USD,abc,pboc\n"
        "2017-01-04,USD,-6.9,pboc\n"
        "2017-01-05,USD,0,pboc\n"
        "2017-01-02,ABC,1.2,pboc\n"
        "2017-01-02,usd,6.95,pboc\n"
        "2017-13-01,USD,6.9,pboc\n"
        "2017-01-02,CNY,1,pboc\n"
        "2017-01-02,EUR,7.3,\n"
    )
    result = run_file(app, tmp_path, "rates", content)
    assert result.exit_code == 0, result.output
    assert lines(result)[-2:] == [
        "created: 2 updated: 0 unchanged: 0",
        "taken: 2 rejected: 7 read: 9",
    ]
    why = reasons(db)
    assert "“abc” is not a number" in why[3]
    assert "greater than zero" in why[4] and "greater than zero" in why[5]
    assert "“ABC” is not a currency code" in why[6]
    assert "Row 2 already gives the USD rate of 2017-01-02" in why[7]
    assert "2017-13-01" in why[8]
    assert "base currency" in why[9]
    assert count(db, ExchangeRate) == before + 2
    usd = db.session.scalar(
        select(ExchangeRate).where(
            ExchangeRate.currency == "USD", ExchangeRate.valid_on == date(2017, 1, 2)
        )
    )
    assert (usd.rate, usd.source) == (Decimal("6.9"), "pboc")  # the duplicate changed nothing
    eur = db.session.scalar(
        select(ExchangeRate).where(
            ExchangeRate.currency == "EUR", ExchangeRate.valid_on == date(2017, 1, 2)
        )
    )
    assert eur.source == "csv"

    corrected = run_file(
        app,
        tmp_path,
        "rates",
        "date,currency,rate,source\n2017-01-02,USD,6.91,pboc\n2017-01-02,EUR,7.3,csv\n",
    )
    assert lines(corrected)[-2] == "created: 0 updated: 1 unchanged: 1"


def test_the_rates_page_takes_date_currency_rate_in_the_headers_order(
    client, db, reference, login_as
):
    login_as("admin")
    content = b"date,currency,rate\n2017-01-02,USD,6.9\n2017-01-02,USD,6.8\n2017-01-03,USD,-1\n"
    response = client.post(
        "/pipeline/rates/upload",
        headers=EN,
        data={"file": (io.BytesIO(content), "rates.csv")},
        content_type="multipart/form-data",
    )
    report = by_id(response, "rate-report").text_content()
    assert "taken: 1 rejected: 2 read: 3" in report
    assert "Row 2 already gives the USD rate of 2017-01-02" in report
    assert "greater than zero" in report
    assert count(db, ExchangeRate, ExchangeRate.valid_on == date(2017, 1, 2)) == 1


def test_only_administrators_import_rates(client, db, people, login_as):
    login_as("manager", team=people.team)
    offered = by_id(client.get("/customers/imports/new", headers=EN), "kind").xpath(
        "./option/@value"
    )
    assert "rates" not in offered
    login_as("admin")
    offered = by_id(client.get("/customers/imports/new", headers=EN), "kind").xpath(
        "./option/@value"
    )
    assert "rates" in offered


def test_deals_before_their_people_or_accounts_say_which_file_to_import_first(
    app, db, reference, tmp_path
):
    content = HEADER + "D-1,Rita Rep,,Acme Co,Engaging,2017-01-02,,\n"
    result = run_file(app, tmp_path, "deals", content, *STAGES, *USD)
    assert lines(result)[-1] == "taken: 0 rejected: 1 read: 1"
    assert "Import the people first" in reasons(db)[2]
    make_user(display_name="Rita Rep", team=make_team(name="North"))
    db.session.commit()
    result = run_file(app, tmp_path, "deals", content, *STAGES, *USD)
    assert "Import the accounts first" in reasons(db)[2]
    assert count(db, Deal) == 0


# --- the mapping page ---------------------------------------------------------------------------


def test_the_mapping_page_asks_for_the_currency_and_explains_the_choices(
    client, db, people, login_as
):
    login_as("admin")
    content = (HEADER + "D-1,Rita Rep,Widget,Acme Co,Won,2017-01-02,2017-02-03,500\n").encode()
    response = client.post(
        "/customers/imports/new",
        data={"kind": "deals", "file": (io.BytesIO(content), "deals.csv")},
        content_type="multipart/form-data",
        headers=EN,
    )
    job_id = int(response.headers["Location"].split("/")[3])
    page = client.get(f"/customers/imports/{job_id}/mapping", headers=EN)
    assert "never assumed" in by_id(page, "fixed-currency-help").text_content()
    assert (
        "keep_without_account=yes" in by_id(page, "fixed-keep_without_account-help").text_content()
    )
    assert "nearest_earlier" in by_id(page, "fixed-rate_fallback-help").text_content()
    job = db.session.get(ImportJob, job_id)
    form = {f"col-{index}": key for key, index in job.mapping["columns"].items()}
    form["option-map_stage"] = "Prospecting=客户开发"
    refused = client.post(f"/customers/imports/{job_id}/mapping", data=form, headers=EN)
    assert refused.status_code == 422 and "no currency" in refused.get_data(as_text=True)
    db.session.refresh(job)
    assert "options" not in job.mapping  # the refused mapping was not kept
    form["fixed-currency"] = "USD"
    assert client.post(f"/customers/imports/{job_id}/mapping", data=form).status_code == 303
    db.session.refresh(job)
    assert job.mapping["fixed"] == {"currency": "USD"}


def test_the_result_page_counts_unchanged_records(app, client, db, people, tmp_path, login_as):
    content = HEADER + "D-1,Rita Rep,Widget,Acme Co,Engaging,2017-01-02,,\n"
    run_file(app, tmp_path, "deals", content, *STAGES, *USD)
    run_file(app, tmp_path, "deals", content, *STAGES, *USD)
    job = db.session.scalar(select(ImportJob).order_by(ImportJob.id.desc()).limit(1))
    login_as("admin")
    page = client.get(f"/customers/imports/{job.id}", headers=EN)
    assert page.status_code == 200
    assert by_id(page, "import-created").text_content() == "0"
    assert by_id(page, "import-unchanged").text_content() == "1"
