"""The administrator's workbench panel: the setup steps still to do, asked of every area."""

from __future__ import annotations

from decimal import Decimal

from salesweb.core.models import ExchangeRate, utcnow
from tests.conftest import HX, parse
from tests.factories import make_team, make_user
from tests.pipeline.factories import make_deal, make_process, make_product

EN = {"Accept-Language": "en", **HX}
URL = "/auth/workbench/setup"


def steps(response) -> list[str]:
    return [li.get("id") for li in parse(response).xpath("//ul[@id='setup-rows']/li")]


def test_a_new_company_sees_every_step_with_a_link_to_do_it(client, login_as):
    login_as("admin")
    response = client.get(URL, headers=EN)
    assert "<html" not in response.get_data(as_text=True)
    found = steps(response)
    assert found[:3] == ["setup-company", "setup-teams", "setup-people"]
    assert {"setup-process", "setup-products", "setup-surveys", "setup-rules"} <= set(found)
    assert "setup-rates" not in found  # no currency in use yet
    tree = parse(response)
    assert tree.xpath("//li[@id='setup-teams']//a/@href") == ["/auth/teams/new"]


def test_steps_disappear_once_done_and_a_used_currency_needs_a_rate(client, login_as, db):
    login_as("admin")
    make_team()
    rep = make_user(role="rep")
    make_process()  # the standard process, reasons, products and rates of the demo
    make_product()
    db.session.commit()
    found = steps(client.get(URL, headers=EN))
    assert not {"setup-teams", "setup-people", "setup-process", "setup-products"} & set(found)
    product = make_product(currency="THB")  # a currency the rate table does not know
    db.session.commit()
    response = client.get(URL, headers=EN)
    assert "setup-rates" in steps(response)
    assert "THB" in parse(response).get_element_by_id("setup-rates").text_content()
    db.session.add(ExchangeRate(currency="THB", valid_on=utcnow().date(), rate=Decimal("0.2")))
    db.session.commit()
    assert "setup-rates" not in steps(client.get(URL, headers=EN))
    product.active = False
    make_deal(rep, currency="THB", amount=Decimal("1000"))
    db.session.commit()
    assert "setup-rates" not in steps(client.get(URL, headers=EN))


def test_no_step_left_says_so(client, login_as, monkeypatch):
    from salesweb.core import setup_checks

    monkeypatch.setattr(setup_checks, "_CHECKS", {})
    login_as("admin")
    response = client.get(URL, headers=EN)
    assert "Setup is complete" in response.get_data(as_text=True)
