"""The quote chain on the pages: accepting a quote changes the deal's amount, winning asks which
amount counts when they differ (page and htmx, 422 and nothing saved), the order page links to
its deal and contract."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from salesweb.customers import services as customers
from salesweb.customers.models import Order
from salesweb.pipeline import services
from salesweb.pipeline.models import DealStatus
from tests.compliance.factories import make_contract
from tests.compliance.helpers import setup
from tests.conftest import HX, by_id
from tests.factories import make_account, make_user
from tests.pipeline.factories import make_deal, make_product, make_quote
from tests.pipeline.helpers import tick_all

EN = {"Accept-Language": "en"}


def orders(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Order))


@pytest.fixture
def quoted(app, db):
    """A rep's prospect deal in Signing (680,000 CNY, steps done) with a quote sent."""
    with app.test_request_context():
        setup(gates=False)
        rep = make_user(role="rep", locale="en")
        account = make_account(owner=rep, type="prospect")
        deal = make_deal(rep, account=account, stage_key="signing", amount=Decimal("680000"))
        product = make_product(name="Pump 泵", list_price=Decimal("100.00"))
        quote = make_quote(deal=deal, product=product, status="sent")
        tick_all(deal, rep)
    db.session.commit()
    return rep, deal, quote


def test_accepting_the_quote_shows_its_total_as_the_deal_amount(client, login_as, db, quoted):
    rep, deal, quote = quoted
    login_as(user=rep)
    accepted = client.post(f"/pipeline/quotes/{quote.id}/accepted", headers={**HX, **EN})
    assert accepted.status_code == 200 and "quoteAccepted" in accepted.headers["HX-Trigger"]
    page = client.get(f"/pipeline/deals/{deal.id}", headers=EN)
    assert "226.00" in by_id(page, "deal-amount").text_content()
    assert by_id(page, "deal-quote").text_content().strip() == quote.audit_label
    assert by_id(page, f"amount-choice-{deal.id}") is None  # they agree: nothing to ask


def test_winning_with_a_different_amount_asks_and_saves_nothing_until_answered(
    client, login_as, db, quoted
):
    rep, deal, quote = quoted
    login_as(user=rep)
    client.post(f"/pipeline/quotes/{quote.id}/accepted")
    db.session.refresh(deal)
    services.update_deal(rep, deal, {"amount": Decimal("250.00")}, deal.version)
    db.session.commit()
    page = client.get(f"/pipeline/deals/{deal.id}", headers=EN)
    assert by_id(page, f"amount-choice-{deal.id}") is not None
    form = {"closed_on": "2026-11-20", "version": str(deal.version)}
    refused = client.post(f"/pipeline/deals/{deal.id}/win", headers=EN, data=form)
    assert refused.status_code == 422 and "<html" in refused.get_data(as_text=True)
    assert quote.number in by_id(refused, "refusal-message").text_content()
    assert by_id(refused, f"amount-choice-{deal.id}") is not None
    fragment = client.post(f"/pipeline/deals/{deal.id}/win", headers={**HX, **EN}, data=form)
    assert fragment.status_code == 422 and "<html" not in fragment.get_data(as_text=True)
    assert "dealMoveRefused" in fragment.headers["HX-Trigger"]
    no_reason = client.post(
        f"/pipeline/deals/{deal.id}/win", headers=EN, data={**form, "amount_choice": "deal"}
    )
    assert no_reason.status_code == 422
    db.session.refresh(deal)
    assert deal.status == DealStatus.OPEN and orders(db) == 0 and deal.amount_note == ""
    won = client.post(
        f"/pipeline/deals/{deal.id}/win",
        headers=EN,
        data={**form, "amount_choice": "quote", "amount_reason": "the customer signed the quote"},
    )
    assert won.status_code == 303
    db.session.refresh(deal)
    assert deal.status == DealStatus.WON and deal.amount == quote.total
    assert deal.order.total == quote.total and deal.account.type == "customer"
    page = client.get(f"/pipeline/deals/{deal.id}", headers=EN)
    assert by_id(page, "deal-order").get("href") == f"/customers/orders/{deal.order_id}"
    assert "the customer signed the quote" in by_id(page, "deal-amount-note").text_content()


def test_the_order_page_links_to_its_deal_and_contract(client, login_as, db, app, quoted):
    rep, deal, quote = quoted
    login_as(user=rep)
    client.post(f"/pipeline/quotes/{quote.id}/accepted")
    with app.test_request_context():
        contract = make_contract(deal=deal, value=quote.total)
    db.session.commit()
    client.post(f"/pipeline/deals/{deal.id}/win", data={"closed_on": "2026-11-20"})
    db.session.refresh(deal)
    order_id = deal.order_id
    page = client.get(f"/customers/orders/{order_id}", headers=EN)
    assert page.status_code == 200 and "226.00" in by_id(page, "order-total").text_content()
    assert by_id(page, "order-tax") is not None
    panel_url = f"/compliance/orders/{order_id}/panel"
    assert f'hx-get="{panel_url}"' in page.get_data(as_text=True)
    fragment = client.get(panel_url, headers={**HX, **EN})
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert by_id(fragment, "order-deal").get("href") == f"/pipeline/deals/{deal.id}"
    assert by_id(fragment, "order-contract").text_content() == contract.number
    assert by_id(fragment, "order-quote").text_content() == quote.audit_label
    full = client.get(panel_url, headers=EN)
    assert "<html" in full.get_data(as_text=True) and by_id(full, "order-links") is not None
    contract_page = client.get(f"/compliance/contracts/{contract.id}", headers=EN)
    assert by_id(contract_page, "contract-order").get("href") == f"/customers/orders/{order_id}"
    assert by_id(contract_page, "contract-deal").get("href") == f"/pipeline/deals/{deal.id}"


def test_another_reps_order_panel_is_not_found(client, login_as, db, quoted):
    rep, deal, quote = quoted
    login_as(user=rep)
    client.post(f"/pipeline/quotes/{quote.id}/accepted")
    client.post(f"/pipeline/deals/{deal.id}/win", data={"closed_on": "2026-11-20"})
    db.session.refresh(deal)
    login_as("rep")
    assert client.get(f"/compliance/orders/{deal.order_id}/panel").status_code == 404
    assert client.get("/compliance/orders/999999/panel").status_code == 404


def test_an_order_written_without_the_link_finds_its_deal_by_its_number(client, login_as, db):
    """Imports write orders in bulk, numbered DEAL-<id>, without the deal's link."""
    rep = make_user(role="rep", locale="en")
    account = make_account(owner=rep)
    deal = make_deal(rep, account=account)
    order = customers.create_order(
        None,
        account,
        ordered_on=deal.created_at.date(),
        currency="CNY",
        lines=[customers.LineInput("X", Decimal("1"), Decimal("10"))],
        external_id=f"DEAL-{deal.id}",
    )
    stranger = customers.create_order(
        None,
        make_account(owner=rep),
        ordered_on=deal.created_at.date(),
        currency="CNY",
        lines=[customers.LineInput("X", Decimal("1"), Decimal("10"))],
        external_id=f"DEAL-{deal.id}-elsewhere",
    )
    db.session.commit()
    login_as(user=rep)
    found = client.get(f"/compliance/orders/{order.id}/panel", headers={**HX, **EN})
    assert by_id(found, "order-deal").get("href") == f"/pipeline/deals/{deal.id}"
    other = client.get(f"/compliance/orders/{stranger.id}/panel", headers={**HX, **EN})
    assert by_id(other, "order-deal") is None


def test_a_quote_accepted_after_the_win_says_the_deal_amount_stays(client, login_as, db, quoted):
    rep, deal, quote = quoted
    services.win_deal(rep, deal, closed_on=deal.stage_entered_at.date())
    db.session.commit()
    login_as(user=rep)
    accepted = client.post(f"/pipeline/quotes/{quote.id}/accepted", headers={**HX, **EN})
    assert accepted.status_code == 200
    text = accepted.get_data(as_text=True)
    assert "already closed, so its amount stays as it was" in text
    assert "its total is now the deal's amount" not in text
    db.session.refresh(deal)
    assert deal.amount == Decimal("680000.00")
