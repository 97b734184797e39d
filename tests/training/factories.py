"""Training factories: make_<noun>(**overrides) adds a valid object and flushes."""

from __future__ import annotations

from datetime import date

from salesweb.extensions import db
from salesweb.training import services
from salesweb.training.models import Certificate
from tests.factories import make_user


def make_course(author=None, **overrides):
    """A course with two lessons and a two-question quiz (one single, one multiple choice),
    made through the services."""
    author = author or make_user(role="admin")
    data = {
        "title_zh": "价值销售",
        "title_en": "Value selling",
        "description_zh": "",
        "description_en": "",
        "category": "sales",
        "minutes": 20,
        "pass_score": 100,
        "attempt_limit": 2,
        "valid_months": 12,
    }
    data.update(overrides)
    course = services.save_course(author, None, data)
    for n in (1, 2):
        services.save_lesson(
            author,
            course,
            None,
            {
                "title_zh": f"第{n}课",
                "title_en": f"Lesson {n}",
                "body_zh": "内容",
                "body_en": "Text",
            },
        )
    services.add_question(
        author,
        course,
        "single",
        "单选",
        "Single",
        [services.OptionInput("对", "Right", True), services.OptionInput("错", "Wrong", False)],
    )
    services.add_question(
        author,
        course,
        "multiple",
        "多选",
        "Multiple",
        [
            services.OptionInput("甲", "A", True),
            services.OptionInput("乙", "B", True),
            services.OptionInput("丙", "C", False),
        ],
    )
    return course


def make_certificate(person, course, **overrides) -> Certificate:
    """A certificate of `person` for `course`, issued 2 March 2026 for a year."""
    certificate = Certificate(
        course_id=course.id,
        user_id=person.id,
        issued_on=overrides.pop("issued_on", date(2026, 3, 2)),
        expires_on=overrides.pop("expires_on", date(2027, 3, 2)),
        **overrides,
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate
