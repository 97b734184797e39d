"""Demo training: five courses (zh and en) with lessons and quizzes, assignments in every state,
certificates (one expiring soon), and a rep whose price losses call for training."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from salesweb.auth.models import User
from salesweb.core import seeding
from salesweb.core.models import today as current_day
from salesweb.core.models import utcnow
from salesweb.extensions import db
from salesweb.pipeline import services as pipeline
from salesweb.pipeline.models import Deal, DealStatus, LostReason
from salesweb.training import services
from salesweb.training.models import (
    Attempt,
    Certificate,
    Course,
    LessonRead,
    MemberProfile,
)

# code, category, zh title, en title, zh description, en description
COURSES = [
    ("price-value", "sales", "价值销售与价格谈判", "Value selling and price negotiation",
     "在谈判阶段守住价格：用价值而不是折扣说服客户。",
     "Hold the price at negotiation: persuade with value, not discounts."),
    ("product-gtx", "product", "GTX 产品知识", "GTX product knowledge",
     "GTX 系列的功能、版本和典型客户。", "Features, editions and typical customers of the GTX line."),
    ("service-basics", "service", "客户服务基础", "Customer service basics",
     "售后回访、投诉处理和满意度。", "After-sales visits, complaints and satisfaction."),
    ("compliance-101", "compliance", "合同合规入门", "Contract compliance 101",
     "合同审查流程、红线条款与反商业贿赂。",
     "The contract review process, red-line clauses and anti-bribery."),
    ("discovery", "sales", "需求挖掘与提问技巧", "Discovery and questioning",
     "用开放式问题找到客户真正的需求。", "Find the customer's real needs with open questions."),
]  # fmt: skip

LESSONS = [
    ("为什么客户说太贵", "Why customers say it is too expensive",
     "## 价格异议\n\n客户说**太贵**时，往往是还没看到价值。\n\n- 先确认预算\n- 再对比成本与收益",
     "## Price objections\n\nWhen a customer says **too expensive**, they have not yet seen the value.\n\n"
     "- Confirm the budget first\n- Then compare cost and benefit"),
    ("用价值回应", "Answering with value",
     "## 三步法\n\n1. 复述顾虑\n2. 量化收益\n3. 提出方案", "## Three steps\n\n1. Restate the concern\n"
     "2. Quantify the benefit\n3. Propose a plan"),
]  # fmt: skip

# zh, en, options [(zh, en, correct)], kind
QUESTIONS = [
    ("客户说“太贵”时，第一步应该做什么？", "A customer says 'too expensive'. What comes first?",
     [("立即打折", "Give a discount at once", False), ("确认预算与顾虑", "Confirm budget and concern", True),
      ("结束谈判", "End the negotiation", False)], "single"),
    ("哪些属于量化收益？（多选）", "Which of these quantify a benefit? (several)",
     [("节省的工时", "Hours saved", True), ("减少的差错", "Errors avoided", True),
      ("我们的口号", "Our slogan", False)], "multiple"),
]  # fmt: skip

PROFILES = {
    "manager@example.com": (
        "带领华东团队完成季度目标；审批折扣与报价。",
        "折扣审批至 15%；培训指派。",
    ),
    "rep@example.com": ("负责杭州、苏州制造业客户的开发与维护。", "报价至标准价；折扣需经理审批。"),
    "rep2@example.com": ("负责上海地区的新客户开发。", "报价至标准价。"),
}


def _course(code: str) -> Course | None:
    return db.session.scalar(select(Course).where(Course.code == code))


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def seed_courses() -> None:
    admin = _user("admin@example.com")
    if admin is None:
        return
    for code, category, tzh, ten, dzh, den in COURSES:
        if _course(code) is not None:
            continue
        course = services.save_course(
            admin,
            None,
            {
                "code": code,
                "category": category,
                "title_zh": tzh,
                "title_en": ten,
                "description_zh": dzh,
                "description_en": den,
                "minutes": 30,
                "pass_score": 100,
                "attempt_limit": 3,
                "valid_months": 12,
            },
        )
        for lzh, len_, bzh, ben in LESSONS:
            services.save_lesson(
                admin,
                course,
                None,
                {"title_zh": f"{lzh}", "title_en": len_, "body_zh": bzh, "body_en": ben},
            )
        for qzh, qen, options, kind in QUESTIONS:
            services.add_question(
                admin, course, kind, qzh, qen, [services.OptionInput(*o) for o in options]
            )
    price = _course("price-value")
    if price is not None:
        services.map_reason(admin, "price", "negotiation", price)


def _pass(user: User, course: Course, issued_days_ago: int) -> None:
    attempt = Attempt(
        course_id=course.id,
        user_id=user.id,
        layout={"questions": [q.id for q in course.questions], "options": {}},
        answers={},
        started_at=utcnow() - timedelta(days=issued_days_ago),
        submitted_at=utcnow() - timedelta(days=issued_days_ago),
        score=100,
        passed=True,
    )
    db.session.add(attempt)
    db.session.flush()
    issued = (utcnow() - timedelta(days=issued_days_ago)).date()
    db.session.add(
        Certificate(
            course_id=course.id,
            user_id=user.id,
            attempt_id=attempt.id,
            issued_on=issued,
            expires_on=services.add_months(issued, course.valid_months),
        )
    )


def seed_progress() -> None:
    manager, rep, rep2 = (
        _user(e) for e in ("manager@example.com", "rep@example.com", "rep2@example.com")
    )
    if not (manager and rep and rep2) or _course("price-value") is None:
        return
    for email, (resp, auth) in PROFILES.items():
        member = _user(email)
        if member is not None and services.profile_of(member) is None:
            db.session.add(MemberProfile(user_id=member.id, responsibilities=resp, authority=auth))
    if db.session.scalar(select(func.count(Certificate.id))):
        db.session.flush()
        return  # states already seeded
    today = current_day()
    price, product, service, compliance, discovery = (_course(c[0]) for c in COURSES)
    assign = services.assign_course
    # rep2: passed, overdue, failed, in progress, not started
    assign(manager, product, [rep2], today + timedelta(days=20))
    _pass(rep2, product, 30)
    assign(manager, service, [rep2], today - timedelta(days=5))
    assign(manager, compliance, [rep2], today + timedelta(days=14))
    db.session.add(
        Attempt(
            course_id=compliance.id,
            user_id=rep2.id,
            layout={"questions": [q.id for q in compliance.questions], "options": {}},
            answers={},
            submitted_at=utcnow(),
            score=50,
            passed=False,
        )
    )
    assign(manager, discovery, [rep2], today + timedelta(days=30))
    db.session.add(LessonRead(lesson_id=discovery.lessons[0].id, user_id=rep2.id))
    assign(manager, price, [rep2], today + timedelta(days=40))
    # rep: one certificate expiring in 10 days, one expired
    assign(manager, product, [rep], today + timedelta(days=10))
    _pass(rep, product, 355)
    assign(manager, compliance, [rep], today - timedelta(days=60))
    _pass(rep, compliance, 420)
    db.session.flush()


def seed_losses() -> None:
    """na.rep lost six deals at Negotiation, four of them on price: a training suggestion."""
    rep = _user("na.rep@example.com")
    reason = db.session.scalar(select(LostReason).where(LostReason.code == "price"))
    process = pipeline.default_process()
    if rep is None or reason is None or process is None:
        return
    already = db.session.scalar(
        select(func.count(Deal.id)).where(
            Deal.owner_id == rep.id,
            Deal.status == DealStatus.LOST,
            Deal.title.like("Training demo%"),
        )
    )
    if already:
        return
    negotiation = process.current_version.stage_by_key("negotiation")
    others = [
        r for r in db.session.scalars(select(LostReason)) if r.code in ("timing", "competitor")
    ]
    rng = random.Random(70)
    for n in range(6):
        deal = pipeline.create_deal(
            rep,
            {
                "title": f"Training demo {n + 1}",
                "amount": Decimal(rng.randint(20, 90) * 1000),
                "currency": "CNY",
            },
            account=None,
            owner=rep,
            process=process,
            stage=negotiation,
            via="cli",
        )
        pipeline.lose_deal(rep, deal, reason if n < 4 else others[n % len(others)], via="cli")


seeding.register(70, "training courses", seed_courses)
seeding.register(71, "training progress and certificates", seed_progress)
seeding.register(72, "lost deals that suggest training", seed_losses)
