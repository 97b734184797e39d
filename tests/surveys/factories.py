"""Survey factories: make_<noun>(**overrides) adds valid objects and flushes."""

from __future__ import annotations

import itertools

from tests.factories import make_account, make_contact, make_user

_seq = itertools.count(1)

DEFAULT_QUESTIONS = [
    ("nps", True, "推荐可能性", "How likely are you to recommend us?", ""),
    ("csat", False, "满意度", "How satisfied are you?", ""),
    ("multiple", False, "看重什么", "What do you value?", "质量 | Quality\n价格 | Price"),
    ("text", False, "其他意见", "Anything else?", ""),
]


def make_survey(questions=DEFAULT_QUESTIONS, **overrides):
    from salesweb.surveys import services

    n = next(_seq)
    survey = services.create_survey(
        None,
        {
            "title_zh": overrides.pop("title_zh", f"满意度调查 {n}"),
            "title_en": overrides.pop("title_en", f"Satisfaction survey {n}"),
            "intro_zh": overrides.pop("intro_zh", "感谢您的反馈。"),
            "intro_en": overrides.pop("intro_en", "Thank you for your feedback."),
            "active": overrides.pop("active", True),
        },
        **overrides,
    )
    for kind, required, zh, en, options in questions:
        services.add_question(
            None,
            survey,
            {"kind": kind, "required": required, "text_zh": zh, "text_en": en, "options": options},
        )
    return survey


def make_invitation(survey=None, contact=None, owner=None, **overrides):
    """An invitation and its secret token: (invitation, token)."""
    from salesweb.surveys import services

    survey = survey or make_survey()
    if contact is None:
        account = make_account(owner=owner or make_user())
        contact = make_contact(account, locale=overrides.pop("locale", "zh_CN"))
    issued = services.invite(None, survey, [contact], **overrides)[0]
    return issued.invitation, issued.token


def answer(survey, nps=None, csat=None, text="", **extra):
    """Answers for `submit_response`/`record_response` by question kind."""
    from salesweb.surveys.services import Answer

    out = []
    for q in survey.questions:
        if q.kind == "nps" and nps is not None:
            out.append(Answer(q.id, q.kind, number=nps))
        elif q.kind == "csat" and csat is not None:
            out.append(Answer(q.id, q.kind, number=csat))
        elif q.kind == "text" and text:
            out.append(Answer(q.id, q.kind, text=text))
    return out


def form_for(survey, nps=None, csat=None, text="", choices=()):
    """The public form's fields for these answers."""
    data = {}
    for q in survey.questions:
        if q.kind == "nps" and nps is not None:
            data[f"q{q.id}"] = str(nps)
        elif q.kind == "csat" and csat is not None:
            data[f"q{q.id}"] = str(csat)
        elif q.kind == "text" and text:
            data[f"q{q.id}"] = text
        elif q.kind == "multiple" and choices:
            data[f"q{q.id}"] = list(choices)
    return data
