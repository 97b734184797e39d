"""The compliance workbench panels: my contracts waiting, the review queue, overdue risk reviews
and the credit approvals a manager can give."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from salesweb.compliance import services
from salesweb.core.models import today
from salesweb.customers.models import Order
from tests.compliance.factories import make_contract
from tests.compliance.helpers import setup
from tests.conftest import HX, parse
from tests.factories import make_account, make_team, make_user
from tests.pipeline.factories import make_deal

EN = {"Accept-Language": "en", **HX}


def ids(response, list_id: str) -> list[str]:
    return [li.get("id") for li in parse(response).xpath(f"//ul[@id='{list_id}']/li")]


def count(response, key: str) -> str:
    return parse(response).get_element_by_id(f"panel-{key}-count").text_content().strip()


def test_my_contracts_waiting_are_mine_and_not_drafts(client, login_as, db):
    setup()
    rep = login_as("rep")
    waiting = make_contract(rep)
    services.submit_contract(rep, waiting)
    make_contract(rep)  # a draft waits on nobody but me: not listed
    other = make_contract(make_user())
    services.submit_contract(other.owner, other)
    db.session.commit()
    response = client.get("/compliance/workbench/my-contracts", headers=EN)
    assert ids(response, "my-contract-rows") == [f"my-contract-{waiting.id}"]


def test_review_queue_and_its_empty_state(client, login_as, db):
    setup()
    login_as("compliance")
    empty = client.get("/compliance/workbench/review-queue", headers=EN)
    assert count(empty, "review-queue") == "0"
    assert "Nothing waits for review" in empty.get_data(as_text=True)
    contract = make_contract()
    review = services.submit_contract(contract.owner, contract)
    db.session.commit()
    response = client.get("/compliance/workbench/review-queue", headers=EN)
    assert ids(response, "review-rows") == [f"queue-review-{review.id}"]


def test_overdue_risk_reviews(client, login_as, db):
    officer = login_as("compliance")
    data = {"title": "Late", "category": "credit", "likelihood": 3, "impact": 4, "status": "open"}
    late = services.create_risk(
        officer, {**data, "next_review_on": today() - timedelta(days=3)}, officer, {}
    )
    services.create_risk(
        officer,
        {**data, "title": "Fine", "next_review_on": today() + timedelta(days=3)},
        officer,
        {},
    )
    db.session.commit()
    response = client.get("/compliance/workbench/overdue-risks", headers=EN)
    assert ids(response, "overdue-risk-rows") == [f"overdue-risk-{late.id}"]
    more = parse(response).xpath("//p[@class='panel-more']/a/@href")[0]
    assert "overdue=1" in more


def over_limit_deal(owner):
    account = make_account(owner=owner, credit_limit=Decimal("1000"), credit_currency="CNY")
    order = Order(
        account_id=account.id,
        ordered_on=date(2026, 1, 5),
        total=Decimal("7000"),
        base_total=Decimal("7000"),
        paid=False,
    )
    from salesweb.extensions import db

    db.session.add(order)
    return make_deal(owner, account=account, stage_key="signing")


def test_credit_approvals_wait_for_the_team_manager_until_given(client, login_as, db):
    setup()
    team = make_team()
    rep = make_user(role="rep", team_id=team.id)
    waiting = over_limit_deal(rep)
    within = make_deal(
        rep, account=make_account(owner=rep, credit_limit=Decimal("99999")), stage_key="signing"
    )
    over_limit_deal(make_user(role="rep"))  # another team's
    db.session.commit()
    manager = login_as("manager", team_id=team.id)
    response = client.get("/compliance/workbench/credit", headers=EN)
    assert ids(response, "credit-rows") == [f"credit-deal-{waiting.id}"]
    assert f"credit-deal-{within.id}" not in response.get_data(as_text=True)
    services.approve_credit(manager, waiting)
    db.session.commit()
    assert count(client.get("/compliance/workbench/credit", headers=EN), "credit") == "0"


def test_over_limit_among_agrees_with_over_limit_in_any_currency(db):
    from salesweb.compliance import credit
    from salesweb.core.models import ExchangeRate

    db.session.add(ExchangeRate(currency="USD", valid_on=today(), rate=Decimal("7.10")))
    owner = make_user()
    accounts = []
    for limit, currency, unpaid in [
        ("100", "USD", "700"),  # 710 CNY: within
        ("100", "USD", "711"),  # over
        ("50", "THB", "60"),  # no rate: the limit compared as it is, over
        ("5000", "CNY", "10"),  # within
    ]:
        account = make_account(owner=owner, credit_limit=Decimal(limit), credit_currency=currency)
        db.session.add(
            Order(
                account_id=account.id,
                ordered_on=today(),
                total=Decimal(unpaid),
                base_total=Decimal(unpaid),
                paid=False,
            )
        )
        accounts.append(account)
    db.session.flush()
    expected = {a.id for a in accounts if credit.over_limit(a)}
    assert credit.over_limit_among(accounts) == expected == {accounts[1].id, accounts[2].id}
