"""A real company's first day: a database set up the production way (no demo), the shared data
set imported with the README's own commands and a rates file of the time, and the money right:
counts by outcome, an order for every won deal, base amounts at the rate of each deal's date,
lifetime values that add up to the won value of each account, and a second run that changes
nothing."""

from __future__ import annotations

import csv
import shlex
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from salesweb.core.models import ExchangeRate
from salesweb.customers.models import Account, Order
from salesweb.customers.services import purchase_summary
from salesweb.pipeline import importers as _importers  # noqa: F401 - registers the kinds
from salesweb.pipeline.models import Deal
from tests.datasets import ROOT, crm_dataset

DATA = crm_dataset()
RATES_NAME = "usd-cny-rates.csv"  # the README's name for the company's own rates file
CENT = Decimal("0.01")


def production_reference() -> str:
    """What a production install starts from: the starters when this checkout has them, else
    the standard process, lost reasons and base rates of `seed_reference` (no demo records)."""
    try:
        from salesweb.core.seeding import run_starters  # type: ignore[attr-defined]
    except ImportError:
        from salesweb.pipeline.seed import seed_reference

        seed_reference()
        return "seed_reference"
    run_starters()
    return "starters"


def usd_rates() -> dict[date, Decimal]:
    """A bank's USD rate per working day (none at weekends), a little different every day so
    a deal converted at another day's rate shows."""
    rates, day, n = {}, date(2016, 9, 1), 0
    while day <= date(2017, 12, 31):
        if day.weekday() < 5:
            rates[day] = (Decimal("6.6") + Decimal("0.0005") * n).quantize(Decimal("0.0001"))
            n += 1
        day += timedelta(days=1)
    return rates


def readme_commands(rates_file: Path) -> list[list[str]]:
    """The `flask import ...` lines of the README's "Moving your data in", as arguments."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("### Moving your data in", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = []
    for line in block.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        if words[:2] == [".venv/bin/flask", "import"]:
            commands.append(
                [
                    str(rates_file) if w == RATES_NAME else w.replace("$D", str(DATA))
                    for w in words[1:]
                ]
            )
    return commands


def rate_of(rates: dict[date, Decimal], day: date) -> tuple[date, Decimal]:
    """The newest rate on or before the day, as the import must find it."""
    while day not in rates:
        day -= timedelta(days=1)
    return day, rates[day]


@pytest.fixture(autouse=True)
def uploads_in_tmp_and_english(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.setitem(app.config, "SALESWEB_DEFAULT_LOCALE", "en")


def count(db, *what) -> int:
    return db.session.scalar(select(func.count()).select_from(Deal).where(*what))


def test_the_shared_data_set_on_a_production_install_keeps_the_money_right(app, db, tmp_path):
    production_reference()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Deal)) == 0  # no demo
    rates = usd_rates()
    rates_file = tmp_path / RATES_NAME
    with rates_file.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["date", "currency", "rate"])
        writer.writerows([day.isoformat(), "USD", rate] for day, rate in rates.items())

    commands = readme_commands(rates_file)
    assert [c[1] for c in commands] == ["rates", "users", "products", "accounts", "deals"]
    assert "currency=USD" in commands[-1]  # the README says what the data set's amounts are in
    outputs = {}
    for args in commands:
        result = app.test_cli_runner().invoke(args=args)
        assert result.exit_code == 0, (args, result.output)
        outputs[args[1]] = result.output.strip().splitlines()
    assert outputs["rates"][-1] == f"taken: {len(rates)} rejected: 0 read: {len(rates)}"
    assert outputs["deals"][-2:] == [
        "created: 7375 updated: 0 unchanged: 0",
        "taken: 7375 rejected: 1425 read: 8800",
    ]

    # counts by outcome: the rejected rows are the 1,425 without an account
    assert count(db, Deal.status == "won") == 4238
    assert count(db, Deal.status == "lost") == 2473
    assert count(db, Deal.status == "open") == 664
    assert count(db, Deal.status == "lost", Deal.stage_unknown.is_(True)) == 2473
    assert count(db, Deal.status != "lost", Deal.stage_unknown.is_(True)) == 0

    # every won deal has its order, of its close date, amount and base amount
    orders = {
        o.external_id: o
        for o in db.session.scalars(select(Order).where(Order.external_id.like("DEAL-%")))
    }
    won = list(db.session.scalars(select(Deal).where(Deal.status == "won")))
    assert len(orders) == len(won) == 4238
    for deal in won:
        order = orders[f"DEAL-{deal.id}"]
        assert deal.order_id == order.id  # the deal page links its order
        assert (order.account_id, order.ordered_on, order.currency) == (
            deal.account_id,
            deal.closed_on,
            "USD",
        )
        assert (order.total, order.base_total) == (deal.amount, deal.base_amount)

    # base amounts at the rate of each deal's own date (close date, else engage date)
    with_amount = list(db.session.scalars(select(Deal).where(Deal.amount.is_not(None))))
    assert len(with_amount) == 4238 + 2473
    for deal in with_amount:
        rate_day, rate = rate_of(rates, deal.closed_on or deal.engaged_on)
        assert (deal.rate, deal.rate_date, deal.rate_source) == (rate, rate_day, "csv")
        assert deal.base_amount == (deal.amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)

    # lifetime value = the won value of each account, from the file and the rates
    won_value: dict[str, Decimal] = {}
    last: dict[str, date] = {}
    with (DATA / "sales_pipeline.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["deal_stage"] == "Won" and row["account"]:
                closed = date.fromisoformat(row["close_date"])
                value = Decimal(row["close_value"]) * rate_of(rates, closed)[1]
                base = value.quantize(CENT, rounding=ROUND_HALF_UP)
                won_value[row["account"]] = won_value.get(row["account"], Decimal(0)) + base
                last[row["account"]] = max(last.get(row["account"], closed), closed)
    accounts = {a.name: a for a in db.session.scalars(select(Account))}
    for name, value in won_value.items():
        summary = purchase_summary(accounts[name].id)
        assert (summary.lifetime_value, summary.last_purchase) == (value, last[name]), name
    assert {a.type for name, a in accounts.items() if name in won_value} == {"customer"}
    kan_code = purchase_summary(accounts["Kan-code"].id)  # 341,455 USD of won deals
    assert kan_code.lifetime_value > Decimal("341455") * Decimal("6.6")

    # the second run of the same commands changes nothing, and says so
    for args in commands:
        result = app.test_cli_runner().invoke(args=args)
        assert result.exit_code == 0, (args, result.output)
        outputs[args[1]] = result.output.strip().splitlines()
    assert outputs["deals"][-2] == "created: 0 updated: 0 unchanged: 7375"
    assert outputs["rates"][-2] == f"created: 0 updated: 0 unchanged: {len(rates)}"
    assert db.session.scalar(select(func.count()).select_from(Deal)) == 7375
    assert db.session.scalar(select(func.count()).select_from(Order)) == 4238
    assert db.session.scalar(
        select(func.count()).select_from(ExchangeRate).where(ExchangeRate.source == "csv")
    ) == len(rates)
