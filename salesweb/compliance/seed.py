"""The Signing stage's compliance gates and the standard rules (a company's starter); the demo's
blocked customers, contracts in every state and risks."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import func, select

from salesweb.auth.models import Role, User
from salesweb.compliance import credit, services
from salesweb.compliance.models import Contract, Decision, Review, Risk, Rule
from salesweb.core import seeding
from salesweb.core.models import today, utcnow
from salesweb.customers.models import Account
from salesweb.extensions import db
from salesweb.pipeline import services as pipeline
from salesweb.pipeline.models import Deal, DealStatus

DEMO_DEAL = "DEMO-COMPLIANCE"

RULES = [
    (
        "second_reviewer",
        "合同金额超过 100 万元需第二位审核人",
        "Contracts above CNY 1,000,000 need a second reviewer",
        "warn",
        {"limit": "1000000"},
    ),
    (
        "max_discount",
        "折扣不得超过目录价的 15%",
        "Discount at most 15 % of list price",
        "warn",
        {"limit": "15"},
    ),
    (
        "max_payment_days",
        "付款期限不超过 90 天",
        "Payment within 90 days at most",
        "block",
        {"limit": "90"},
    ),
    (
        "required_clauses",
        "必须包含保密、责任上限和终止条款",
        "Confidentiality, liability cap and termination clauses are required",
        "block",
        {"clauses": ["confidentiality", "liability_cap", "termination"]},
    ),
    (
        "credit_limit",
        "未结合同与未付订单不得超过客户信用额度",
        "Open contracts and unpaid orders within the account's credit limit",
        "warn",
        {},
    ),
    (
        "blocked_customers",
        "禁止与黑名单客户签约",
        "No contracts with blocked customers",
        "block",
        {"names": ["黑名单贸易有限公司", "Blocked Trading Ltd"]},
    ),
    ("max_term", "合同期限不超过 36 个月", "Term of 36 months at most", "warn", {"limit": "36"}),
]

ALL_CLAUSES = [
    "confidentiality",
    "liability_cap",
    "penalty",
    "intellectual_property",
    "data_protection",
    "termination",
]


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def seed_gates() -> None:
    """Signing waits for an approved contract and for credit (a fresh install gets it too)."""
    actor = db.session.scalar(
        select(User).where(User.role == Role.ADMIN).order_by(User.id).limit(1)
    )
    services.ensure_signing_gates(actor or SimpleNamespace(id=None))
    db.session.flush()


def _add_rules(rules: list) -> None:
    """Add the rules whose kind the company has none of yet (its own stay as they are)."""
    present = set(db.session.scalars(select(Rule.kind)))
    for kind, zh, en, severity, params in rules:
        if kind in present:
            continue
        db.session.add(
            Rule(
                kind=kind,
                description_zh=zh,
                description_en=en,
                severity=severity,
                active=True,
                params=params,
            )
        )
    db.session.flush()


def seed_standard_rules() -> None:
    """The rules a company starts from, into a company without rules; the blocked-customer
    list is its own to fill."""
    if db.session.scalar(select(func.count()).select_from(Rule)):
        return
    _add_rules([rule for rule in RULES if rule[0] != "blocked_customers"])


def seed_rules() -> None:
    """Every demo rule: the standard ones and the demo's blocked customers."""
    _add_rules(RULES)


def _terms(n: int, deal: Deal) -> dict:
    start = today() - timedelta(days=30 * (n % 6))
    good = n % 4 != 1  # every fourth contract has findings
    return {
        "title": f"{deal.title} 合同",
        "value": (deal.amount or Decimal("100000")).quantize(Decimal("0.01")),
        "currency": "CNY",
        "discount_pct": Decimal("10") if good else Decimal("22"),
        "payment_days": 60 if good else 120,
        "start_date": start,
        "end_date": start + timedelta(days=365 * (1 + n % 2)),
        "auto_renew": n % 3 == 0,
        "governing_law": "中华人民共和国法律",
        "clauses": ALL_CLAUSES if good else ["confidentiality", "penalty"],
    }


def _decide(review: Review, officer: User, decision: str, second: User | None = None) -> None:
    services.claim_review(officer, review)
    comments = {r.id: "请按公司标准条款修改。" for r in review.results if not r.passed}
    # An approval over a blocking finding says why, finding by finding.
    waivers = {r.id: "经法务确认，按集团框架协议执行。" for r in review.results if r.blocks}
    services.decide_review(officer, review, decision, "审核意见见各项。", comments, waivers=waivers)
    if decision == Decision.APPROVE and review.needs_two and second is not None:
        services.claim_review(second, review)
        services.decide_review(second, review, Decision.APPROVE, "同意。", {}, confirm_waivers=True)


def seed_contracts() -> None:
    """About 15 contracts in every state; safe to run twice (skips when contracts exist)."""
    if db.session.scalar(select(func.count()).select_from(Contract)):
        return
    officer, admin = _user("compliance@example.com"), _user("admin@example.com")
    if officer is None:
        return
    deals = list(
        db.session.scalars(
            select(Deal)
            .where(
                Deal.external_id.like("DEMO-D%"),
                Deal.status == DealStatus.OPEN,
                Deal.account_id.is_not(None),
            )
            .order_by(Deal.id)
            .limit(15)
        )
    )
    plan = ["draft", "draft", "queued", "queued", "queued", "in_review", "in_review"]
    plan += ["changes", "changes", "approved", "approved", "signed", "signed", "rejected", "two"]
    for n, (deal, state) in enumerate(zip(deals, plan, strict=False)):
        terms = _terms(n, deal)
        if state == "two":
            terms["value"] = Decimal("1500000.00")
        contract = services.create_contract(deal.owner, deal, terms)
        if state == "draft":
            continue
        review = services.submit_contract(
            deal.owner, contract, at=utcnow() - timedelta(hours=6 + 11 * n)
        )
        if state == "queued":
            continue
        if state == "in_review":
            services.claim_review(officer, review)
        elif state == "changes":
            _decide(review, officer, Decision.REQUEST_CHANGES)
        elif state == "rejected":
            _decide(review, officer, Decision.REJECT)
        else:
            _decide(review, officer, Decision.APPROVE, second=admin)
            if state == "signed":
                services.sign_contract(deal.owner, contract)
    db.session.flush()


def _credit_room(account: Account, amount: Decimal) -> bool:
    exp = credit.exposure(account)
    return exp.limit is None or exp.total + amount <= exp.limit


def seed_demo_deal() -> None:
    """A deal of rep@example.com waiting in Signing with nothing but the contract missing."""
    if db.session.scalar(select(Deal.id).where(Deal.external_id == DEMO_DEAL)):
        return
    rep = _user("rep@example.com")
    process = pipeline.default_process()
    if rep is None or process is None:
        return
    amount = Decimal("80000.00")
    accounts = db.session.scalars(
        select(Account)
        .where(Account.owner_id == rep.id, Account.deleted_at.is_(None))
        .order_by(Account.id)
        .limit(50)
    ).all()
    account = next((a for a in accounts if _credit_room(a, amount)), None)
    if account is None:
        return
    stage = process.current_version.stage_by_key("signing")
    deal = pipeline.create_deal(
        rep,
        {
            "title": "合规演示项目 Compliance demo",
            "amount": amount,
            "currency": "CNY",
            "expected_close": today() + timedelta(days=14),
            "product_name": "GTX Pro",
        },
        account=account,
        owner=rep,
        process=process,
        stage=stage,
        via="import",
    )
    deal.external_id = DEMO_DEAL
    for step in deal.stage.steps:
        pipeline.set_step(rep, deal, step, True)
    db.session.flush()


RISKS = [
    ("主要客户付款延迟", "Key customer paying late", "credit", 4, 4, "mitigating", -5),
    ("竞争对手降价", "Competitor price cut", "market", 3, 4, "open", 10),
    ("合同责任无上限", "Uncapped liability in a contract", "contract", 2, 5, "open", -2),
    ("数据出境合规", "Cross-border data transfer", "compliance", 3, 5, "open", 20),
    ("交付团队人手不足", "Delivery team understaffed", "operational", 4, 3, "mitigating", 7),
    ("客户决策人变动", "Customer's decision maker leaving", "customer", 3, 3, "open", -10),
    ("汇率波动", "Exchange-rate swings", "market", 2, 2, "accepted", 30),
    ("供应商延期", "Supplier delay", "operational", 2, 3, "open", 14),
    ("信用额度不足", "Credit limit too low", "credit", 5, 4, "open", -1),
    ("知识产权归属不清", "Unclear IP ownership", "contract", 1, 4, "open", 21),
    ("行业监管收紧", "Tighter industry regulation", "compliance", 4, 5, "open", 3),
    ("大客户流失", "Losing a large customer", "customer", 2, 5, "closed", 60),
]


def seed_risks() -> None:
    if db.session.scalar(select(func.count()).select_from(Risk)):
        return
    officer = _user("compliance@example.com")
    if officer is None:
        return
    deals = list(
        db.session.scalars(
            select(Deal)
            .where(Deal.external_id.like("DEMO-D%"), Deal.account_id.is_not(None))
            .order_by(Deal.id)
            .limit(12)
        )
    )
    contracts = list(db.session.scalars(select(Contract).order_by(Contract.id).limit(4)))
    for n, (zh, en, category, likelihood, impact, status, days) in enumerate(RISKS):
        links: dict = {}
        if n < len(contracts) and category == "contract":
            links["contract"] = contracts[n % len(contracts)]
        elif deals:
            deal = deals[n % len(deals)]
            links = {"deal": deal} if n % 2 else {"account": deal.account}
        owner = deals[n % len(deals)].owner if deals and n % 3 else officer
        services.create_risk(
            officer,
            {
                "title": f"{zh} {en}",
                "category": category,
                "description": en,
                "likelihood": likelihood,
                "impact": impact,
                "mitigation": "每月复核；必要时升级至管理层。",
                "status": status,
                "next_review_on": today() + timedelta(days=days),
            },
            owner,
            links,
        )
    db.session.flush()


def seed_compliance() -> None:
    seed_rules()
    seed_contracts()
    seed_demo_deal()
    seed_risks()


# After the standard process (30): the gates are a new version of it.
seeding.register_starter(36, "compliance stage gates", seed_gates)
seeding.register_starter(37, "standard compliance rules", seed_standard_rules)
seeding.register(55, "compliance rules, contracts and risks", seed_compliance)
