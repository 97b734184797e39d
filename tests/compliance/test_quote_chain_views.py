"""The contract pages of the quote chain: the new contract is prefilled from the accepted quote,
its page shows the quote's lines and links, signing asks which amount counts when they differ."""

from decimal import Decimal

import pytest

from salesweb.compliance.models import ContractStatus
from salesweb.pipeline import services as pipeline
from tests.compliance.factories import make_contract
from tests.compliance.helpers import approve, setup
from tests.conftest import by_id
from tests.factories import make_user
from tests.pipeline.factories import make_deal, make_quote

EN = {"Accept-Language": "en"}
QUOTE_TERMS = "Payment within 45 days of signing."


@pytest.fixture
def quoted(app, db):
    with app.test_request_context():
        setup()
        rep = make_user(role="rep", locale="en")
        deal = make_deal(rep, stage_key="signing", amount=Decimal("680000"))
        quote = make_quote(deal=deal, discount="10", status="accepted", terms=QUOTE_TERMS)
    db.session.commit()
    return rep, deal, quote


def test_the_new_contract_form_is_prefilled_from_the_accepted_quote(client, login_as, quoted):
    rep, deal, quote = quoted
    login_as(user=rep)
    page = client.get(f"/compliance/contracts/new?deal_id={deal.id}", headers=EN)
    assert page.status_code == 200
    assert by_id(page, "value").get("value") == "203.40"
    assert by_id(page, "payment_days").get("value") == "45"
    assert by_id(page, "discount_pct").get("value") == "10.00"
    assert by_id(page, "payment_terms").text_content().strip() == QUOTE_TERMS


def test_the_contract_page_shows_the_quote_lines_and_links(client, login_as, app, db, quoted):
    rep, deal, quote = quoted
    with app.test_request_context():
        contract = make_contract(deal=deal, value=quote.total, payment_terms=QUOTE_TERMS)
    db.session.commit()
    login_as(user=rep)
    page = client.get(f"/compliance/contracts/{contract.id}", headers=EN)
    assert by_id(page, "contract-quote").text_content() == quote.audit_label
    assert by_id(page, "contract-deal").get("href") == f"/pipeline/deals/{deal.id}"
    assert "203.40" in by_id(page, "contract-quote-total").text_content()
    assert by_id(page, "contract-payment-terms").text_content() == QUOTE_TERMS
    assert by_id(page, "contract-order") is None  # not won yet


def test_signing_a_different_amount_asks_first_and_keeps_the_reason(
    client, login_as, app, db, quoted
):
    rep, deal, quote = quoted
    with app.test_request_context():
        contract = make_contract(deal=deal, value=quote.total)
        pipeline.update_deal(rep, deal, {"amount": Decimal("250.00")}, deal.version)
        approve(contract)
    db.session.commit()
    login_as(user=rep)
    page = client.get(f"/compliance/contracts/{contract.id}", headers=EN)
    assert by_id(page, "sign-amount-form") is not None
    refused = client.post(f"/compliance/contracts/{contract.id}/sign", headers=EN)
    assert refused.status_code == 422 and quote.number in by_id(refused, "refusal").text_content()
    db.session.refresh(contract)
    assert contract.status == ContractStatus.APPROVED
    signed = client.post(
        f"/compliance/contracts/{contract.id}/sign",
        headers=EN,
        data={"amount_choice": "deal", "amount_reason": "extra training agreed"},
    )
    assert signed.status_code == 303
    db.session.refresh(contract)
    db.session.refresh(deal)
    assert contract.status == ContractStatus.SIGNED
    assert deal.amount == Decimal("250.00") and deal.amount_note == "extra training agreed"


def test_the_frozen_version_shows_the_quote_lines(client, login_as, app, db, quoted):
    rep, deal, quote = quoted
    with app.test_request_context():
        contract = make_contract(deal=deal, value=quote.total, payment_terms=QUOTE_TERMS)
    db.session.commit()
    login_as(user=rep)
    page = client.get(f"/compliance/contracts/{contract.id}/versions/1", headers=EN)
    assert page.status_code == 200
    assert by_id(page, "version-quote").text_content() == quote.audit_label
    assert len(by_id(page, "version-lines").findall(".//tbody/tr")) == 1
    assert "203.40" in by_id(page, "version-quote-total").text_content()
    assert by_id(page, "version-payment-terms").text_content() == QUOTE_TERMS
