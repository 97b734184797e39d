"""The standard sales process and the lost reasons (a company's starter); the channel process,
products, rates and deals with histories (the demo)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from salesweb.auth.models import User
from salesweb.core import seeding, settings
from salesweb.core.models import ExchangeRate, today, utcnow
from salesweb.customers.models import Account
from salesweb.extensions import db
from salesweb.pipeline import services
from salesweb.pipeline.models import Deal, LostReason, Product, SalesProcess, StageKind
from salesweb.pipeline.services import StageSpec

DEFAULT_STAGES = [
    StageSpec(
        "lead",
        "客户开发",
        "Lead development",
        10,
        14,
        steps=[
            ("确认决策人", "Identify the decision maker", True),
            ("记录客户来源", "Record the lead source", False),
        ],
        criteria=[("fields", {"fields": ["account_id"]}), ("checklist", {})],
    ),
    StageSpec(
        "needs",
        "需求分析",
        "Needs analysis",
        20,
        14,
        steps=[
            ("完成需求调研", "Needs survey completed", True),
            ("确认预算", "Budget confirmed", True),
        ],
        criteria=[("checklist", {}), ("fields", {"fields": ["amount"]})],
    ),
    StageSpec(
        "proposal",
        "方案制定",
        "Proposal",
        40,
        14,
        steps=[("提交解决方案", "Proposal sent", True)],
        criteria=[("checklist", {}), ("fields", {"fields": ["expected_close"]})],
    ),
    StageSpec("quote", "报价", "Quote", 60, 10, criteria=[("approved_quote", {})]),
    StageSpec(
        "negotiation",
        "谈判",
        "Negotiation",
        75,
        21,
        steps=[("确认合同条款", "Contract terms agreed", True)],
        criteria=[("checklist", {})],
    ),
    StageSpec(
        "signing",
        "签约",
        "Signing",
        90,
        14,
        steps=[("合同盖章", "Contract signed and stamped", True)],
        criteria=[("checklist", {})],
        responsible_role="manager",
    ),
    StageSpec(
        "after_sales",
        "售后服务",
        "After-sales",
        100,
        30,
        kind=StageKind.AFTER_SALES,
        steps=[
            ("安排交付与培训", "Schedule delivery and training", True),
            ("首次回访", "First follow-up visit", True),
        ],
    ),
]

CHANNEL_STAGES = [
    StageSpec(
        "lead",
        "渠道报备",
        "Partner registration",
        10,
        7,
        criteria=[("fields", {"fields": ["account_id"]})],
    ),
    StageSpec(
        "qualify",
        "渠道确认",
        "Qualification",
        30,
        14,
        criteria=[("role_approval", {"role": "manager"})],
    ),
    StageSpec("quote", "报价", "Quote", 60, 14, criteria=[("approved_quote", {})]),
    StageSpec("signing", "签约", "Signing", 90, 14),
    StageSpec("after_sales", "售后服务", "After-sales", 100, 30, kind=StageKind.AFTER_SALES),
]

LOST_REASONS = [
    ("price", "价格", "Price", False),
    ("product_fit", "产品不匹配", "Product fit", False),
    ("competitor", "竞争对手", "Competitor", False),
    ("timing", "时机不对", "Timing", False),
    ("no_decision", "未做决定", "No decision", False),
    ("other", "其他", "Other", True),
]

PRODUCTS = [
    ("GTX-BAS", "GTX Basic", "GTX", "550"),
    ("GTX-PRO", "GTX Pro", "GTX", "4821"),
    ("MG-SPC", "MG Special", "MG", "55"),
    ("MG-ADV", "MG Advanced", "MG", "3393"),
    ("GTX-PLB", "GTX Plus Basic", "GTX", "1096"),
    ("GTX-PLP", "GTX Plus Pro", "GTX", "5482"),
    ("GTK-500", "GTK 500", "GTK", "26768"),
]


def seed_standard_process() -> None:
    """The standard process (seven stages, then won or lost) and the lost reasons."""
    # Only into a company without any process: one that has its own keeps it as it is.
    if db.session.scalar(select(func.count()).select_from(SalesProcess)) == 0:
        services.create_process(
            None, "标准销售流程", "Standard sales process", DEFAULT_STAGES, is_default=True
        )
    for position, (code, zh, en, needs_text) in enumerate(LOST_REASONS):
        if services.reason_by_code(code) is None:
            db.session.add(
                LostReason(
                    code=code, label_zh=zh, label_en=en, needs_text=needs_text, position=position
                )
            )
    if services.reason_by_code("unknown_imported") is None:
        db.session.add(
            LostReason(
                code="unknown_imported",
                label_zh="未知（导入）",
                label_en="unknown (imported)",
                active=False,
                position=99,
            )
        )
    db.session.flush()


def seed_reference() -> None:
    """The standard process and reasons, and the demo's channel process, products and rates."""
    seed_standard_process()
    channel = select(SalesProcess.id).where(SalesProcess.name_en == "Channel sales")
    if db.session.scalar(channel) is None:
        services.create_process(None, "渠道销售", "Channel sales", CHANNEL_STAGES)
    for code, sku, name, price in PRODUCTS:
        if db.session.scalar(select(Product.id).where(Product.sku == code)) is None:
            db.session.add(
                Product(sku=code, name=sku, series=name, list_price=Decimal(price), currency="CNY")
            )
    for currency, rate in (("USD", "7.10"), ("EUR", "7.75"), ("HKD", "0.91")):
        for months_back in (0, 6, 12):
            day = date(utcnow().year, 1, 1) - timedelta(days=182 * months_back // 6)
            exists = db.session.scalar(
                select(ExchangeRate.id).where(
                    ExchangeRate.currency == currency, ExchangeRate.valid_on == day
                )
            )
            if exists is None:
                db.session.add(
                    ExchangeRate(currency=currency, valid_on=day, rate=Decimal(rate), source="demo")
                )
    db.session.flush()


def seed_deals() -> None:
    """About 80 demo deals across every stage, with histories; safe to run twice."""
    if db.session.scalar(
        select(func.count()).select_from(Deal).where(Deal.external_id.like("DEMO-D%"))
    ):
        return
    rng = random.Random(2026)
    process = services.default_process()
    version = process.current_version
    stages = services.open_stages(version)
    after_sales = services.after_sales_stage(version)
    owners = list(
        db.session.scalars(
            select(User).where(User.role.in_(["rep", "manager"]), User.active.is_(True))
        )
    )
    accounts = list(
        db.session.scalars(
            select(Account)
            .where(Account.owner_id.is_not(None), Account.deleted_at.is_(None))
            .order_by(Account.id)
        )
    )
    if not owners or not accounts:
        return
    products = list(db.session.scalars(select(Product)))
    reasons = services.lost_reasons()
    for n in range(80):
        account = accounts[n % len(accounts)]
        owner = account.owner or owners[n % len(owners)]
        product = products[n % len(products)]
        # A won demo deal is history: it starts in after-sales, so the signing gates that the
        # starters put on the process (an approved contract, credit) need no demo contract.
        stage = after_sales if n % 10 == 8 else stages[n % len(stages)]
        amount = (product.list_price * rng.randint(1, 20)).quantize(Decimal("0.01"))
        deal = services.create_deal(
            owner,
            {
                "title": f"{account.name} · {product.name}",
                "amount": amount,
                "currency": "CNY",
                "expected_close": today() + timedelta(days=rng.randint(-20, 120)),
                "source": rng.choice(["展会", "官网", "老客户介绍", "Referral", "Web"]),
                "next_step": rng.choice(
                    ["安排演示", "发送报价", "Follow up on pricing", "确认需求"]
                ),
                "product_name": product.name,
            },
            account=account,
            owner=owner,
            stage=stage,
            via="import",
        )
        deal.external_id = f"DEMO-D{n:03d}"
        past = utcnow() - timedelta(days=rng.randint(2, 60))
        deal.stage_entered_at = past
        deal.created_at = past
        if n % 10 == 8:
            services.win_deal(
                owner,
                deal,
                closed_on=today() - timedelta(days=rng.randint(1, 90)),
                via="import",
            )
        elif n % 10 == 9:
            services.lose_deal(owner, deal, rng.choice(reasons[:5]), via="import")
    db.session.flush()


seeding.register_starter(30, "standard sales process and lost reasons", seed_standard_process)
seeding.register(30, "channel process, products and rates", seed_reference)
seeding.register(35, "deals", seed_deals)
settings.register_process_template(
    "standard", _l("Standard sales process (seven stages, then won or lost)"), seed_standard_process
)
