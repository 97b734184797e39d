"""One person's requests arriving at once, against a live waitress server on its own database
(SQLite file, or a PostgreSQL schema with TEST_DATABASE_URL).

Eight "start the quiz" posts at once open one sitting, and a limit of three attempts stays three
attempts; eight first opens of a lesson at once count it read once, and none answers 500.
"""

from __future__ import annotations

import urllib.request

import pytest
from sqlalchemy import func, select

from salesweb.extensions import db
from salesweb.training import services
from salesweb.training.models import Attempt, LessonRead
from tests.factories import make_user
from tests.live import fire_all, live_server, session_cookie
from tests.training.factories import make_course
from tests.training.helpers import answers

SCHEMA = "training_concurrency"
AT_ONCE = 8


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    with live_server(tmp_path_factory, SCHEMA) as served:
        yield served


def _posts(base: str, path: str, cookie: str) -> list[urllib.request.Request]:
    return [
        urllib.request.Request(f"{base}{path}", data=b"", method="POST", headers={"Cookie": cookie})
        for _ in range(AT_ONCE)
    ]


def _attempts(app, user_id: int) -> list[tuple[int, bool]]:
    with app.app_context():
        rows = db.session.execute(
            select(Attempt.id, Attempt.submitted_at.is_not(None))
            .where(Attempt.user_id == user_id)
            .order_by(Attempt.id)
        ).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def test_parallel_starts_open_one_sitting_and_keep_the_attempt_limit(live):
    app, base = live
    with app.app_context():
        rep = make_user()
        course = make_course(attempt_limit=3)
        rep_id, course_id, cookie = rep.id, course.id, session_cookie(app, rep)
        db.session.commit()
        db.session.remove()
    start = f"/training/courses/{course_id}/attempts"
    for round_ in range(1, 4):
        results = fire_all(_posts(base, start, cookie))
        attempts = _attempts(app, rep_id)
        assert len(attempts) == round_, results
        open_id = attempts[-1][0]
        # every parallel start was sent to the one open sitting
        assert all(
            status == 303 and location.endswith(f"/training/attempts/{open_id}")
            for status, location in results
        ), results
        with app.app_context():
            attempt = db.session.get(Attempt, open_id)
            services.submit_attempt(attempt.user, attempt, answers(attempt.course, right=False))
            db.session.commit()
            db.session.remove()
    # the limit is used: eight more starts at once open nothing and go back to the course
    results = fire_all(_posts(base, start, cookie))
    assert all(
        status == 303 and location.endswith(f"/training/courses/{course_id}")
        for status, location in results
    ), results
    assert [submitted for _id, submitted in _attempts(app, rep_id)] == [True, True, True]


def test_parallel_first_opens_count_a_lesson_read_once(live):
    app, base = live
    with app.app_context():
        rep = make_user()
        lesson = make_course().lessons[0]
        rep_id, lesson_id, cookie = rep.id, lesson.id, session_cookie(app, rep)
        db.session.commit()
        db.session.remove()
    results = fire_all(_posts(base, f"/training/lessons/{lesson_id}/read", cookie))
    assert all(
        status == 303 and location.endswith(f"/training/lessons/{lesson_id}")
        for status, location in results
    ), results
    with app.app_context():
        reads = db.session.scalar(
            select(func.count())
            .select_from(LessonRead)
            .where(LessonRead.lesson_id == lesson_id, LessonRead.user_id == rep_id)
        )
        db.session.remove()
    assert reads == 1
