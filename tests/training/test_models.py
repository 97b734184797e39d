"""Training models: bilingual texts, progress rules, month arithmetic, certificate validity."""

from datetime import date

from flask_babel import force_locale

from salesweb.training.models import Certificate, Progress
from salesweb.training.services import add_months, progress_of
from tests.training.factories import make_course


def test_course_texts_follow_the_locale(app, db):
    course = make_course()
    with app.test_request_context(), force_locale("zh_CN"):
        assert course.title == "价值销售"
    with app.test_request_context(), force_locale("en"):
        assert course.title == "Value selling"
        assert str(course.category_label) == "Sales skills"
    assert [lesson.position for lesson in course.lessons] == [1, 2]
    assert course.questions[1].correct_ids == {o.id for o in course.questions[1].options[:2]}


def test_progress_precedence():
    today = date(2026, 6, 1)
    past, future = date(2026, 5, 1), date(2026, 7, 1)
    assert progress_of(today, past, 2, 1, 1, True, True) == Progress.PASSED
    assert progress_of(today, future, 0, 0, 0, False, True) == Progress.EXPIRED
    assert progress_of(today, past, 1, 0, 0, False, False) == Progress.OVERDUE
    assert progress_of(today, future, 1, 1, 1, False, False) == Progress.FAILED
    assert progress_of(today, future, 1, 0, 0, False, False) == Progress.IN_PROGRESS
    assert progress_of(today, None, 0, 0, 0, False, False) == Progress.NOT_STARTED


def test_add_months_clamps_the_day():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 12) == date(2027, 11, 15)
    cert = Certificate(issued_on=date(2026, 1, 1), expires_on=date(2027, 1, 1))
    assert cert.is_valid(date(2027, 1, 1)) and not cert.is_valid(date(2027, 1, 2))
