"""Training services: profiles, sanitised lessons, assignments, attempts, certificates,
the matrix, and suggestions from lost deals with win rates before and after."""

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from salesweb.core.errors import DomainError
from salesweb.core.models import today as company_today
from salesweb.pipeline import services as pipeline
from salesweb.pipeline.models import LostReason
from salesweb.training import services
from salesweb.training.models import Assignment, Attempt, Certificate, Progress
from salesweb.training.rendering import render_markdown
from salesweb.training.services import quizzes
from tests.factories import make_team, make_user
from tests.pipeline.factories import make_deal, make_process
from tests.training.factories import make_course
from tests.training.helpers import answers


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_profile_only_by_team_manager_or_admin(db):
    manager = make_user(role="manager")
    team = make_team(manager_id=manager.id)
    manager.team_id = team.id
    rep = make_user(team_id=team.id)
    db.session.flush()
    profile = services.save_profile(manager, rep, " 开发华东客户 ", "折扣 5%")
    assert profile.responsibilities == "开发华东客户"
    with pytest.raises(DomainError):
        services.save_profile(make_user(role="manager"), rep, "x", "y")
    with pytest.raises(DomainError):
        services.save_profile(rep, rep, "x", "y")


def test_lesson_with_script_is_refused_and_rendering_sanitises(db):
    course = make_course()
    author = make_user(role="admin")
    with pytest.raises(DomainError) as refused:
        services.save_lesson(
            author,
            course,
            None,
            {"title_zh": "x", "title_en": "x", "body_zh": "<script>x</script>"},
        )
    assert refused.value.field == "body_zh"
    with pytest.raises(DomainError):
        services.save_lesson(
            author,
            course,
            None,
            {"title_zh": "x", "title_en": "x", "body_en": '<img src=a onerror="x()">'},
        )
    html = str(
        render_markdown(
            '<iframe src="http://x"></iframe>![a](/training/img/a.png) ![b](http://evil/b.png) '
            "[c](javascript:alert(1))"
        )
    )
    assert "<iframe" not in html and "javascript" not in html and "evil" not in html
    assert 'src="/training/img/a.png"' in html


def test_assignment_outside_the_team_is_refused_and_nothing_written(db):
    manager = make_user(role="manager", team_id=make_team().id)
    mine = make_user(team_id=manager.team_id)
    stranger = make_user(team_id=make_team().id)
    course = make_course()
    before = count(db, Assignment)
    with pytest.raises(DomainError) as refused:
        services.assign_course(manager, course, [mine, stranger], date(2030, 1, 1))
    assert refused.value.field == "user_ids" and count(db, Assignment) == before
    made = services.assign_course(manager, course, [mine], date(2030, 1, 1))
    again = services.assign_course(manager, course, [mine], date(2030, 2, 1))
    assert made[0].id == again[0].id and again[0].due_on == date(2030, 2, 1)


def test_attempt_shuffles_scores_and_certifies_once(db):
    course = make_course(pass_score=100, attempt_limit=2)
    rep = make_user()
    attempt = services.start_attempt(rep, course, random.Random(3))
    assert sorted(attempt.layout["questions"]) == sorted(q.id for q in course.questions)
    assert set(attempt.layout["options"]) == {str(q.id) for q in course.questions}
    assert services.start_attempt(rep, course) is attempt  # the open one comes back
    services.submit_attempt(rep, attempt, answers(course, right=False))
    assert attempt.score == 0 and attempt.passed is False
    with pytest.raises(DomainError):
        services.submit_attempt(rep, attempt, answers(course))  # a second submit
    second = services.start_attempt(rep, course)
    services.submit_attempt(rep, second, answers(course))
    assert second.score == 100 and second.passed
    cert = db.session.scalar(select(Certificate).where(Certificate.user_id == rep.id))
    assert cert.expires_on == services.add_months(cert.issued_on, 12)
    assert count(db, Certificate) == 1


def test_attempt_limit_and_foreign_answers(db):
    course = make_course(attempt_limit=1)
    rep = make_user()
    attempt = services.start_attempt(rep, course)
    q = course.questions[0]
    for bad in (
        {"999999": ["1"]},
        {str(q.id): ["999999"]},
        {str(q.id): ["x"]},
        {str(q.id): [str(o.id) for o in q.options]},  # two options on a single-choice question
        {str(q.id): [str(q.options[0].id)]},  # one question unanswered
    ):
        with pytest.raises(DomainError):
            services.submit_attempt(rep, attempt, bad)
        assert db.session.get(Attempt, attempt.id).submitted_at is None
    with pytest.raises(DomainError):
        services.submit_attempt(make_user(), attempt, answers(course))
    services.submit_attempt(rep, attempt, answers(course, right=False))
    with pytest.raises(DomainError):
        services.start_attempt(rep, course)


def test_matrix_states(db):
    rep = make_user()
    assigner = make_user(role="admin")
    today = company_today()  # the company's day, as the services date things
    overdue, passed = make_course(), make_course()
    services.assign_course(assigner, overdue, [rep], today - timedelta(days=1))
    services.assign_course(assigner, passed, [rep], today - timedelta(days=1))
    attempt = services.start_attempt(rep, passed)
    services.submit_attempt(rep, attempt, answers(passed))
    services.mark_read(rep, overdue.lessons[0])
    services.mark_read(rep, overdue.lessons[0])  # counted once
    cells = services.matrix([rep.id], None, today)
    assert cells[(rep.id, overdue.id)].progress == Progress.OVERDUE
    assert cells[(rep.id, overdue.id)].reads == 1
    assert cells[(rep.id, passed.id)].progress == Progress.PASSED
    later = services.matrix([rep.id], None, today + timedelta(days=400))
    assert later[(rep.id, passed.id)].progress == Progress.EXPIRED
    assert services.recertify_soon([rep.id], today + timedelta(days=360))


def _lose(owner, reason_code, n, stage_key="negotiation", stage_unknown=False):
    reason = db_reason(reason_code)
    for _ in range(n):
        deal = make_deal(owner=owner, stage_key=stage_key)
        pipeline.lose_deal(owner, deal, reason)
        deal.stage_unknown = stage_unknown


def test_losses_at_an_unknown_stage_count_only_for_mappings_at_any_stage(db):
    process = make_process()
    first = process.current_version.stages[0].key
    rep, course, anywhere = make_user(), make_course(), make_course()
    admin = make_user(role="admin")
    services.map_reason(admin, "price", first, course)
    _lose(rep, "price", 5, stage_key=first, stage_unknown=True)  # imported: stage not known
    today = company_today()  # the company's day, as the services date things
    assert services.suggestions(None, today) == []
    services.map_reason(admin, "price", "", anywhere)
    found = services.suggestions(None, today)
    assert [(s.course.id, s.share) for s in found] == [(anywhere.id, 100)]


def db_reason(code):
    from salesweb.extensions import db

    return db.session.scalar(select(LostReason).where(LostReason.code == code))


def test_suggestion_from_price_losses_and_win_rate_after(db):
    make_process()
    rep = make_user()
    quiet = make_user()
    course = make_course()
    services.map_reason(make_user(role="admin"), "price", "negotiation", course)
    _lose(rep, "price", 2)
    _lose(rep, "timing", 2)
    _lose(quiet, "price", 4)  # too few losses to count
    today = company_today()  # the company's day, as the services date things
    assert services.suggestions(None, today) == []
    _lose(rep, "price", 1)  # 3 of 5 at negotiation on price: 60 %
    found = services.suggestions(None, today)
    assert [(s.user.id, s.course.id, s.share) for s in found] == [(rep.id, course.id, 60)]
    assert services.suggestions([quiet.id], today) == []
    attempt = services.start_attempt(rep, course)
    services.submit_attempt(rep, attempt, answers(course))
    cert = db.session.scalar(select(Certificate).where(Certificate.user_id == rep.id))
    cert.issued_on = today + timedelta(days=1)  # the losses were before the certificate
    db.session.flush()
    outcome = services.win_rates_around_certificates([rep.id])
    assert outcome[0][0].id == cert.id and outcome[0][1] == 0 and outcome[0][2] == 5
    assert outcome[0][3] is None
    with pytest.raises(DomainError):
        services.map_reason(make_user(role="admin"), "nonsense", "", course)


def test_one_open_attempt_per_person_and_course_in_the_database(db):
    from sqlalchemy.exc import IntegrityError

    rep, course = make_user(), make_course()
    first = services.start_attempt(rep, course)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(Attempt(course_id=course.id, user_id=rep.id, layout=first.layout))
        db.session.flush()
    services.submit_attempt(rep, first, answers(course, right=False))
    second = services.start_attempt(rep, course)  # submitted sittings do not hold the slot
    assert second.id != first.id and not second.is_submitted


def test_a_start_that_loses_the_race_answers_with_the_open_sitting(db, monkeypatch):
    rep, course = make_user(), make_course()
    winner = services.start_attempt(rep, course)
    real = services.open_attempt
    calls = []

    def not_seen_yet(user, course):
        # The first look happens before the parallel start committed: it sees no open sitting.
        calls.append(1)
        return None if len(calls) == 1 else real(user, course)

    monkeypatch.setattr(quizzes, "open_attempt", not_seen_yet)
    assert services.start_attempt(rep, course) is winner
    # the savepoint rolled back only the losing insert; the session goes on
    assert (
        db.session.scalar(
            select(func.count()).select_from(Attempt).where(Attempt.user_id == rep.id)
        )
        == 1
    )


def test_the_limit_is_counted_again_once_the_slot_is_taken(db, monkeypatch):
    rep, course = make_user(), make_course(attempt_limit=2)
    # A sitting submitted in another tab between the first count and the insert used the last
    # attempt: the second count, inside the savepoint, refuses and leaves no sitting behind.
    counts = iter([1, 2])
    monkeypatch.setattr(quizzes, "attempts_used", lambda user, course: next(counts))
    with pytest.raises(DomainError):
        services.start_attempt(rep, course)
    assert count(db, Attempt) == 0


def test_marking_read_ignores_a_parallel_first_read(db, monkeypatch):
    from salesweb.training.models import LessonRead

    rep, lesson = make_user(), make_course().lessons[0]
    services.mark_read(rep, lesson)
    # a parallel first open checked before this one inserted: the insert must not fail
    monkeypatch.setattr(quizzes, "is_read", lambda user, lesson: False)
    services.mark_read(rep, lesson)
    assert count(db, LessonRead) == 1


def test_assigning_a_team_takes_its_active_people_but_not_the_assigner(db):
    team = make_team()
    manager = make_user(role="manager", team_id=team.id)
    team.manager_id = manager.id
    reps = [make_user(team_id=team.id) for _ in range(2)]
    make_user(team_id=team.id, active=False)
    course = make_course()
    made = services.assign_course(manager, course, [reps[0]], date(2030, 1, 1), team=team)
    assert sorted(a.user_id for a in made) == sorted(r.id for r in reps)
    other = make_team()
    make_user(team_id=other.id)
    with pytest.raises(DomainError) as refused:
        services.assign_course(manager, course, [], date(2030, 1, 1), team=other)
    assert refused.value.field == "team_id"
    with pytest.raises(DomainError) as nobody:
        services.assign_course(manager, course, [], date(2030, 1, 1))
    assert nobody.value.field == "user_ids"


def test_only_course_authors_create_courses_and_only_trainers_map_reasons(db):
    rep = make_user()
    with pytest.raises(DomainError):
        services.save_course(rep, None, {"title_zh": "课", "title_en": "Course"})
    course = make_course()
    with pytest.raises(DomainError):
        services.map_reason(rep, "price", "", course)
