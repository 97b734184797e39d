"""The three survey templates, touchpoints and root causes (a company's starter); a year of
demo answers and feedback cases (the demo)."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from salesweb.core import seeding
from salesweb.core.models import utcnow
from salesweb.customers.models import Account, Contact
from salesweb.extensions import db
from salesweb.pipeline.models import LostReason
from salesweb.surveys import services
from salesweb.surveys.models import (
    CaseStatus,
    FeedbackCase,
    Invitation,
    QuestionKind,
    Survey,
    Touch,
)
from salesweb.surveys.services import Answer

Q = QuestionKind
TEMPLATES = [
    (
        "after_deal",
        Touch.DEAL_WON,
        ("成交后满意度", "Satisfaction after your purchase"),
        (
            "感谢您选择我们！请花一分钟告诉我们这次合作的感受。",
            "Thank you for choosing us! Please take a minute to tell us how it went.",
        ),
        [
            (
                Q.NPS,
                True,
                "您有多大可能向朋友或同事推荐我们？",
                "How likely are you to recommend us to a friend or colleague?",
                "",
            ),  # noqa: E501
            (
                Q.CSAT,
                True,
                "您对本次购买过程的整体满意度如何？",
                "How satisfied are you with the buying process overall?",
                "",
            ),  # noqa: E501
            (
                Q.MULTIPLE,
                False,
                "您最看重我们的哪些方面？",
                "What did you value most?",
                "产品质量 | Product quality\n价格 | Price\n销售顾问的专业度 | Our consultant's expertise\n交付速度 | Delivery speed",
            ),  # noqa: E501
            (
                Q.TEXT,
                False,
                "还有什么想告诉我们的吗？",
                "Anything else you would like to tell us?",
                "",
            ),  # noqa: E501
        ],
    ),
    (
        "after_sales",
        Touch.AFTER_SALES,
        ("售后服务满意度", "After-sales service satisfaction"),
        (
            "我们刚刚完成了对您的服务，您的评价将帮助我们做得更好。",
            "We have just served you; your opinion helps us do better.",
        ),
        [
            (
                Q.CSAT,
                True,
                "您对本次售后服务的满意度如何？",
                "How satisfied are you with this service?",
                "",
            ),  # noqa: E501
            (Q.RATING, False, "服务人员的响应速度如何？", "How quickly did our staff respond?", ""),  # noqa: E501
            (
                Q.SINGLE,
                True,
                "您的问题解决了吗？",
                "Was your issue solved?",
                "已解决 | Solved\n部分解决 | Partly solved\n未解决 | Not solved",
            ),  # noqa: E501
            (Q.TEXT, False, "有什么需要我们改进的？", "What should we improve?", ""),
        ],
    ),
    (
        "quarterly_nps",
        Touch.MANUAL,
        ("季度 NPS", "Quarterly NPS"),
        ("每个季度我们都会请客户打一次分。", "Every quarter we ask our customers for a score."),
        [
            (
                Q.NPS,
                True,
                "您有多大可能向朋友或同事推荐我们？",
                "How likely are you to recommend us to a friend or colleague?",
                "",
            ),  # noqa: E501
            (
                Q.TEXT,
                False,
                "您给出这个分数的主要原因是什么？",
                "What is the main reason for your score?",
                "",
            ),  # noqa: E501
        ],
    ),
]

# The lost-deal reasons gain what a customer's complaint can be about.
ROOT_CAUSES = [("service", "服务", "Service", 6), ("delivery", "交付", "Delivery", 7)]

COMMENTS = {
    "low": [
        "交货比约定晚了两周，影响了我们的生产计划。",
        "售后响应太慢，电话打了三次才有人回复。",
        "价格比同类产品高，性价比一般。",
        "Delivery was late and nobody told us in advance.",
        "The installation team left before the machine was running properly.",
    ],
    "mid": [
        "整体还可以，希望培训能更充分一些。",
        "产品不错，发票流程有点慢。",
        "Good product, the documentation could be clearer.",
    ],
    "high": [
        "销售顾问非常专业，方案很贴合我们的需求。",
        "设备运行稳定，服务及时，满意！",
        "Excellent support, the engineer solved everything on the first visit.",
        "Great value and a very responsive team.",
    ],
}


def seed_templates() -> None:
    """The three templates, their touchpoints and the shared root causes; safe twice."""
    for code, zh, en, position in ROOT_CAUSES:
        if db.session.scalar(select(LostReason.id).where(LostReason.code == code)) is None:
            db.session.add(LostReason(code=code, label_zh=zh, label_en=en, position=position))
    for code, touch, (title_zh, title_en), (intro_zh, intro_en), questions in TEMPLATES:
        survey = db.session.scalar(select(Survey).where(Survey.code == code))
        if survey is None:
            survey = services.create_survey(
                None,
                {"title_zh": title_zh, "title_en": title_en, "intro_zh": intro_zh,
                 "intro_en": intro_en, "active": True},
                code=code,
            )  # fmt: skip
            for kind, required, text_zh, text_en, options in questions:
                services.add_question(
                    None,
                    survey,
                    {"kind": kind, "required": required, "text_zh": text_zh,
                     "text_en": text_en, "options": options},
                )  # fmt: skip
        if services.touchpoint(touch) is None:
            services.set_touchpoint(None, touch, survey, True, 30)
    db.session.flush()


def _answers(survey: Survey, rng: random.Random, nps: int) -> list[Answer]:
    out = []
    band = "low" if nps <= 6 else "mid" if nps <= 8 else "high"
    for q in survey.questions:
        if q.kind == Q.NPS:
            out.append(Answer(q.id, q.kind, number=nps))
        elif q.kind in (Q.CSAT, Q.RATING):
            base = 1 + round(nps * 0.4)
            out.append(Answer(q.id, q.kind, number=max(1, min(5, base + rng.choice((-1, 0, 0))))))
        elif q.kind == Q.SINGLE:
            out.append(Answer(q.id, q.kind, choices=["3" if band == "low" else "1"]))
        elif q.kind == Q.MULTIPLE:
            out.append(Answer(q.id, q.kind, choices=sorted(rng.sample(["1", "2", "3", "4"], 2))))
        elif rng.random() < 0.6 or band == "low":
            out.append(Answer(q.id, q.kind, text=rng.choice(COMMENTS[band])))
    return out


def seed_answers() -> None:
    """About 150 answered invitations over a year, cases, and a few open invitations."""
    if db.session.scalar(select(func.count()).select_from(Invitation)):
        return
    rng = random.Random(60)
    surveys = list(
        db.session.scalars(select(Survey).where(Survey.code.is_not(None)).order_by(Survey.id))
    )
    contacts = list(
        db.session.scalars(
            select(Contact)
            .join(Account, Account.id == Contact.account_id)
            .where(
                Account.owner_id.is_not(None),
                Account.deleted_at.is_(None),
                Contact.deleted_at.is_(None),
            )
            .order_by(Contact.id)
            .limit(400)
        )
    )
    if not surveys or not contacts:
        return
    touch_of = {"after_deal": Touch.DEAL_WON, "after_sales": Touch.AFTER_SALES}
    now = utcnow()
    reasons = services.root_causes()
    # A realistic spread: about half promoters, a quarter passives, a quarter detractors.
    scores = [10] * 3 + [9] * 4 + [8] * 3 + [7] * 2 + [6, 5, 4, 3, 2, 0]
    for n in range(165):
        survey = surveys[n % len(surveys)]
        contact = contacts[(n * 7) % len(contacts)]
        sent = now - timedelta(days=rng.randint(1, 365), hours=rng.randint(0, 23))
        invitation = services.invite(
            None, survey, [contact], touch=touch_of.get(survey.code, Touch.MANUAL), now=sent
        )[0].invitation
        if n % 11 == 0 and sent > now - timedelta(days=30):
            continue  # still waiting for an answer
        if n % 11 == 0:
            continue  # never answered (expired)
        when = sent + timedelta(hours=rng.randint(1, 96))
        if when >= now:
            when = now - timedelta(minutes=5)
        response = services.record_response(
            invitation, _answers(survey, rng, rng.choice(scores)), when
        )
        case = response and db.session.scalar(
            select(FeedbackCase).where(FeedbackCase.response_id == response.id)
        )
        if case is not None and when < now - timedelta(days=21):
            case.advance(CaseStatus.CONTACTED)
            case.contacted_at = when + timedelta(days=1)
            reason = rng.choice(reasons) if reasons else None
            case.advance(
                CaseStatus.RESOLVED,
                "已电话回访并安排工程师上门处理。",
                reason.id if reason else None,
            )
            case.resolved_at = when + timedelta(days=rng.randint(2, 9))
            if rng.random() < 0.7:
                case.advance(CaseStatus.CLOSED)
                case.closed_at = case.resolved_at + timedelta(days=1)
            if case.task_id:
                from salesweb.customers.models import Task

                task = db.session.get(Task, case.task_id)
                task.done_at, task.done_by_id = case.resolved_at, case.owner_id
    db.session.flush()


seeding.register_starter(60, "survey templates and touchpoints", seed_templates)
seeding.register(61, "survey answers and feedback cases", seed_answers)
