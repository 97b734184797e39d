"""A contract made from the deal's accepted quote; signing settles an amount that differs."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from salesweb.compliance import services
from salesweb.compliance.models import ContractStatus, ContractVersion
from salesweb.core.audit import history_for
from salesweb.core.errors import DomainError
from salesweb.pipeline import services as pipeline
from salesweb.pipeline.services import quote_chain
from tests.compliance.factories import make_contract
from tests.compliance.helpers import approve, setup, terms
from tests.factories import make_user
from tests.pipeline.factories import make_deal, make_quote

QUOTE_TERMS = "付款方式：合同签订后45天内付清。\nPayment within 45 days of signing."


@pytest.fixture
def ctx(app, db):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        setup()
        yield


@pytest.fixture
def quoted(ctx):
    """A deal in Signing of 680,000 CNY whose customer accepted a quote (10 % off, 45 days)."""
    deal = make_deal(make_user(role="rep"), stage_key="signing", amount=Decimal("680000"))
    quote = make_quote(deal=deal, discount="10", status="accepted", terms=QUOTE_TERMS)
    return deal, quote


def test_a_new_contract_starts_from_the_accepted_quote(quoted):
    deal, quote = quoted
    data = services.prefill_from_deal(deal)
    assert data["value"] == quote.total == Decimal("203.40") and data["currency"] == "CNY"
    assert data["discount_pct"] == Decimal("10.00") and data["payment_days"] == 45
    assert data["payment_terms"] == QUOTE_TERMS and data["title"] == deal.title


def test_without_an_accepted_quote_the_contract_starts_from_the_deal(ctx):
    deal = make_deal(stage_key="signing", amount=Decimal("5000"))
    make_quote(deal=deal, status="sent")  # not accepted: says nothing yet
    data = services.prefill_from_deal(deal)
    assert data["value"] == Decimal("5000.00") and "payment_terms" not in data


def test_the_contract_keeps_the_quote_and_its_version_freezes_the_lines(quoted, db):
    deal, quote = quoted
    contract = services.create_contract(deal.owner, deal, terms(**services.prefill_from_deal(deal)))
    assert contract.quote_id == quote.id and contract.payment_terms == QUOTE_TERMS
    version = db.session.scalar(
        select(ContractVersion).where(ContractVersion.contract_id == contract.id)
    )
    assert version.terms["quote"] == quote.audit_label
    assert version.terms["quote_total"] == "203.40"
    assert [line["line_total"] for line in version.terms["lines"]] == ["180.00"]
    assert version.terms["payment_terms"] == QUOTE_TERMS


def test_payment_terms_that_are_too_long_are_refused(quoted, db):
    deal, _quote = quoted
    with pytest.raises(DomainError) as refused:
        services.create_contract(deal.owner, deal, terms(payment_terms="x" * 2001))
    assert refused.value.field == "payment_terms"


def test_signing_asks_which_amount_counts_when_they_differ(quoted, db):
    deal, quote = quoted
    contract = make_contract(deal=deal, value=quote.total)
    pipeline.update_deal(deal.owner, deal, {"amount": Decimal("250.00")}, deal.version)
    approve(contract)
    with pytest.raises(quote_chain.AmountDiffers):
        services.sign_contract(contract.owner, contract)
    assert contract.status == ContractStatus.APPROVED
    services.sign_contract(contract.owner, contract, "quote", "报价单为准")
    assert contract.status == ContractStatus.SIGNED
    assert deal.amount == quote.total and deal.amount_note == "报价单为准"
    assert "amount_from_quote" in [row.action for row in history_for("deals", deal.id)]


def test_signing_with_matching_amounts_asks_nothing(quoted, db):
    deal, quote = quoted
    contract = make_contract(deal=deal, value=quote.total)
    approve(contract)
    services.sign_contract(contract.owner, contract)
    assert contract.status == ContractStatus.SIGNED
    count = db.session.scalar(
        select(func.count())
        .select_from(ContractVersion)
        .where(ContractVersion.contract_id == contract.id)
    )
    assert count == 1
