"""One chain from quote to order: the accepted quote sets the deal's amount, a difference at
winning is settled by a person with a reason, the order is the quote's lines, the account
becomes a customer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from salesweb.core.audit import history_for
from salesweb.core.errors import DomainError
from salesweb.core.history import record_history
from salesweb.customers import services as customers
from salesweb.customers.models import Order
from salesweb.pipeline import services
from salesweb.pipeline.models import DealStatus
from salesweb.pipeline.services import quote_chain
from tests.factories import make_account, make_user
from tests.pipeline.factories import make_deal, make_product, make_quote
from tests.pipeline.helpers import tick_all

QUOTE_TOTAL = Decimal("226.00")  # make_quote: 2 x 100.00, tax 13 %


def _actions(record_type: str, record_id: int) -> list[str]:
    return [row.action for row in history_for(record_type, record_id)]


def _orders(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Order))


@pytest.fixture
def chain(db):
    """A prospect's deal of 680,000.00 CNY ready to win, and its accepted quote."""
    rep = make_user(role="rep")
    account = make_account(owner=rep, type="prospect")
    deal = make_deal(owner=rep, account=account, stage_key="signing", amount=Decimal("680000"))
    product = make_product(name="Pump 泵", list_price=Decimal("100.00"))
    quote = make_quote(deal=deal, product=product, status="accepted", discount="10")
    tick_all(deal, rep)
    return deal, quote


def test_accepting_a_quote_makes_its_total_the_deal_amount(db, chain):
    deal, quote = chain
    assert quote.total == Decimal("203.40")  # 2 x 100 less 10 %, plus 13 % tax
    assert deal.amount == quote.total and deal.currency == "CNY"
    assert deal.quote_id == quote.id and deal.amount_note == ""
    assert deal.base_amount == quote.total  # CNY is the base currency
    assert "amount_from_quote" in _actions("deals", deal.id)


def test_the_amount_change_reads_well_in_both_languages_with_the_quote_number(db, chain):
    deal, quote = chain
    said = {}
    for locale in ("en", "zh_CN"):
        with force_locale(locale):
            entry = next(
                e for e in record_history("deals", deal.id) if e.row.action == "amount_from_quote"
            )
            fields = {c.field: c for c in entry.changes}
            assert quote.number in fields["quote_id"].new.text
            assert "680" in fields["amount"].old.text and "203.40" in fields["amount"].new.text
            said[locale] = entry.action
    assert said == {
        "en": "amount taken from the accepted quote",
        "zh_CN": "金额取自客户已接受的报价",
    }


def test_a_quote_accepted_on_a_closed_deal_leaves_the_amount(db):
    deal = make_deal(stage_key="signing", amount=Decimal("5000"))
    quote = make_quote(deal=deal, status="sent")
    tick_all(deal, deal.owner)
    services.win_deal(deal.owner, deal, closed_on=date(2026, 3, 1))
    from salesweb.pipeline.services import quotes

    quotes.mark_accepted(deal.owner, quote)
    assert deal.amount == Decimal("5000.00") and deal.quote_id is None


def test_winning_builds_the_order_from_the_quote_and_the_account_becomes_a_customer(db, chain):
    deal, quote = chain
    services.win_deal(deal.owner, deal, closed_on=date(2026, 3, 1))
    order = deal.order
    assert order is not None and deal.order_id == order.id
    assert order.total == quote.total == Decimal("203.40") and order.tax == quote.tax
    assert [(line.product, line.quantity, line.line_total) for line in order.lines] == [
        ("Pump 泵", Decimal("2.000"), Decimal("180.00"))
    ]
    assert order.base_total == quote.total
    assert deal.account.type == "customer"
    assert "became_customer" in _actions("accounts", deal.account.id)
    assert customers.purchase_summary(deal.account.id).lifetime_value == quote.total
    # the win's one history row names the order
    won = next(row for row in history_for("deals", deal.id) if row.action == "won")
    assert won.changes["order_id"] == [None, order.id]


def test_a_different_amount_at_winning_is_refused_until_a_person_chooses(db, chain):
    deal, quote = chain
    services.update_deal(deal.owner, deal, {"amount": Decimal("250.00")}, deal.version)
    with pytest.raises(quote_chain.AmountDiffers) as refused:
        services.win_deal(deal.owner, deal, closed_on=date(2026, 3, 1))
    assert quote.number in refused.value.message and refused.value.field == "amount_choice"
    assert deal.status == DealStatus.OPEN and _orders(db) == 0
    with pytest.raises(DomainError) as no_reason:
        services.win_deal(deal.owner, deal, closed_on=date(2026, 3, 1), amount_choice="quote")
    assert no_reason.value.field == "amount_reason"
    with pytest.raises(DomainError):
        services.win_deal(
            deal.owner, deal, closed_on=date(2026, 3, 1), amount_choice="both", amount_reason="x"
        )
    assert deal.status == DealStatus.OPEN and deal.amount == Decimal("250.00")


def test_taking_the_quote_amount_at_winning_keeps_the_reason(db, chain):
    deal, quote = chain
    services.update_deal(deal.owner, deal, {"amount": Decimal("250.00")}, deal.version)
    services.win_deal(
        deal.owner,
        deal,
        closed_on=date(2026, 3, 1),
        amount_choice="quote",
        amount_reason="客户签的是报价单",
    )
    assert deal.amount == quote.total and deal.amount_note == "客户签的是报价单"
    assert deal.order.total == quote.total and len(deal.order.lines) == 1
    row = next(r for r in history_for("deals", deal.id) if r.action == "amount_from_quote")
    assert row.changes["amount_note"] == ["", "客户签的是报价单"]


def test_keeping_the_deal_amount_at_winning_is_audited_and_the_order_has_that_amount(db, chain):
    deal, quote = chain
    services.update_deal(deal.owner, deal, {"amount": Decimal("250.00")}, deal.version)
    services.win_deal(
        deal.owner,
        deal,
        closed_on=date(2026, 3, 1),
        amount_choice="deal",
        amount_reason="Installation added by phone",
    )
    assert deal.amount == Decimal("250.00") and deal.status == DealStatus.WON
    assert deal.order.total == Decimal("250.00") and deal.order.tax == Decimal("0.00")
    row = next(r for r in history_for("deals", deal.id) if r.action == "amount_kept")
    assert row.changes["amount_note"] == ["", "Installation added by phone"]


def test_a_kept_amount_is_asked_again_once_the_amount_changes(db, chain):
    deal, quote = chain
    services.update_deal(deal.owner, deal, {"amount": Decimal("250.00")}, deal.version)
    quote_chain.settle_amount(deal.owner, deal, "deal", "agreed on the phone")
    assert quote_chain.amount_question(deal) is None
    services.update_deal(deal.owner, deal, {"amount": Decimal("260.00")}, deal.version)
    assert deal.amount_note == ""
    assert quote_chain.amount_question(deal) == quote


def test_a_deal_without_quote_wins_with_one_order_line_of_its_amount(db):
    account = make_account(type="churned")
    deal = make_deal(account=account, stage_key="signing", amount=Decimal("1234.50"))
    tick_all(deal, deal.owner)
    services.win_deal(deal.owner, deal, closed_on=date(2026, 3, 1))
    assert [(line.quantity, line.line_total) for line in deal.order.lines] == [
        (Decimal("1.000"), Decimal("1234.50"))
    ]
    assert account.type == "customer"  # a churned account that buys again is a customer


def test_a_partner_stays_a_partner_and_only_a_person_turns_a_customer_back(db):
    partner = make_account(type="partner")
    deal = make_deal(account=partner, stage_key="signing")
    tick_all(deal, deal.owner)
    services.win_deal(deal.owner, deal, closed_on=date(2026, 3, 1))
    assert partner.type == "partner"
    assert customers.become_customer(None, partner) is False
    prospect = make_account(type="prospect")
    assert customers.become_customer(None, prospect) is True
    person = make_user(role="manager")
    customers.update_account(person, prospect, {"type": "churned"}, prospect.version)
    row = history_for("accounts", prospect.id)[0]
    assert row.action == "update" and row.changes["type"] == ["customer", "churned"]
    assert row.actor_label != "system" or row.actor_id is None  # recorded like any other edit


def test_an_order_line_keeps_a_given_total_and_the_tax_adds_to_the_total(db):
    account = make_account()
    order = customers.create_order(
        None,
        account,
        ordered_on=date(2026, 3, 1),
        currency="CNY",
        lines=[customers.LineInput("A", Decimal("3"), Decimal("33.33"), Decimal("90.00"))],
        tax=Decimal("11.70"),
    )
    assert order.lines[0].line_total == Decimal("90.00")
    assert order.total == Decimal("101.70") and order.base_total == Decimal("101.70")
    with pytest.raises(DomainError):
        customers.create_order(
            None,
            account,
            ordered_on=date(2026, 3, 1),
            currency="CNY",
            lines=[customers.LineInput("A", Decimal("1"), Decimal("1"))],
            tax=Decimal("-1"),
        )
