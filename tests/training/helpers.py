"""Training test data: a course with lessons and a two-question quiz, made through the services."""

from __future__ import annotations

from salesweb.training import services
from tests.factories import make_user


def make_course(author=None, **overrides):
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


def answers(course, right: bool = True) -> dict[str, list[str]]:
    out = {}
    for q in course.questions:
        chosen = [o.id for o in q.options if o.correct == right]
        if q.kind == "single":
            chosen = chosen[:1]
        out[str(q.id)] = [str(i) for i in chosen]
    return out
