"""Training test helpers: the answers to a course's quiz, all right or all wrong."""

from __future__ import annotations


def answers(course, right: bool = True) -> dict[str, list[str]]:
    out = {}
    for q in course.questions:
        chosen = [o.id for o in q.options if o.correct == right]
        if q.kind == "single":
            chosen = chosen[:1]
        out[str(q.id)] = [str(i) for i in chosen]
    return out
