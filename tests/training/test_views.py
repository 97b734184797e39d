"""Training pages: page vs fragment, bad input answered with messages and an unchanged database."""

from datetime import timedelta
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import func, select

from salesweb.core.models import utcnow
from salesweb.training.models import Assignment, Attempt, Certificate, Course, Lesson, MemberProfile
from tests.conftest import HX, by_id, parse
from tests.factories import make_team, make_user
from tests.training.factories import make_course
from tests.training.helpers import answers

EN = {"Accept-Language": "en"}


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_course_authoring_and_script_refused(client, login_as, db):
    login_as("manager", team_id=make_team().id)
    response = client.post(
        "/training/courses/new",
        data={
            "title_zh": "新课",
            "title_en": "New",
            "category": "sales",
            "minutes": "10",
            "pass_score": "80",
            "attempt_limit": "2",
            "valid_months": "12",
        },
    )
    assert response.status_code == 303
    course = db.session.scalar(select(Course).where(Course.title_en == "New"))
    bad = client.post(
        f"/training/courses/{course.id}/lessons/new",
        data={"title_zh": "课", "title_en": "L", "body_en": "<script>alert(1)</script>"},
        headers=EN,
    )
    assert bad.status_code == 422 and count(db, Lesson) == 0
    assert "Scripts" in by_id(bad, "body_en-error").text_content()
    junk = client.post("/training/courses/new", data={"title_zh": "", "minutes": "lots"})
    assert junk.status_code == 422
    question = client.post(
        f"/training/courses/{course.id}/questions/new",
        data={
            "kind": "single",
            "text_zh": "问",
            "text_en": "Q",
            "options_zh": "甲\n乙",
            "options_en": "A\nB",
            "correct": "1,2",
        },
        headers=EN,
    )
    assert question.status_code == 422 and "exactly one" in question.get_data(as_text=True)


def test_quiz_fail_then_pass_with_fragment_and_no_double_count(client, login_as, db):
    rep = login_as("rep")
    course = make_course(attempt_limit=2)
    db.session.commit()
    page = client.get(f"/training/lessons/{course.lessons[0].id}")
    assert page.status_code == 200 and by_id(page, "lesson-body") is not None
    started = client.post(f"/training/courses/{course.id}/attempts")
    attempt = db.session.scalar(select(Attempt).where(Attempt.user_id == rep.id))
    assert started.status_code == 303 and started.headers["Location"].endswith(
        f"/attempts/{attempt.id}"
    )
    form = {f"q-{k}": v for k, v in answers(course, right=False).items()}
    failed = client.post(f"/training/attempts/{attempt.id}", data=form, headers=HX)
    assert (
        "<html" not in failed.get_data(as_text=True) and by_id(failed, "attempt-failed") is not None
    )
    assert "attemptSubmitted" in failed.headers["HX-Trigger"]
    replay = client.post(f"/training/attempts/{attempt.id}", data=form, headers={**HX, **EN})
    assert replay.status_code == 422 and "already submitted" in replay.get_data(as_text=True)
    client.post(f"/training/courses/{course.id}/attempts")
    second = db.session.scalar(
        select(Attempt).where(Attempt.user_id == rep.id, Attempt.submitted_at.is_(None))
    )
    foreign = client.post(f"/training/attempts/{second.id}", data={"q-999999": "1"}, headers=EN)
    assert foreign.status_code == 422 and "not in this attempt" in foreign.get_data(as_text=True)
    good = {f"q-{k}": v for k, v in answers(course).items()}
    passed = client.post(f"/training/attempts/{second.id}", data=good)
    assert by_id(passed, "attempt-passed") is not None
    assert count(db, Certificate) == 1
    over = client.post(f"/training/courses/{course.id}/attempts", headers=EN)
    assert over.status_code == 303  # refused with a message, no new attempt
    assert db.session.scalar(select(func.count(Attempt.id)).where(Attempt.user_id == rep.id)) == 2
    mine = client.get("/training/")
    assert by_id(mine, f"my-course-{course.id}") is not None
    assert len(parse(mine).xpath("//ul[@id='certificate-list']/li")) == 1
    assert len(parse(mine).xpath("//table[@id='attempt-history']/tbody/tr")) == 2


def test_assign_team_and_matrix_export(client, login_as, db):
    team = make_team()
    manager = login_as("manager", team_id=team.id)
    team.manager_id = manager.id
    reps = [make_user(team_id=team.id) for _ in range(2)]
    stranger = make_user(team_id=make_team().id)
    course = make_course()
    db.session.commit()
    due = (utcnow() + timedelta(days=7)).date().isoformat()
    refused = client.post(
        "/training/assignments/new",
        data={"course_id": course.id, "team_id": 0, "user_ids": [stranger.id], "due_on": due},
        headers=EN,
    )
    assert refused.status_code == 422 and "not in your team" in refused.get_data(as_text=True)
    assert count(db, Assignment) == 0
    missing_date = client.post(
        "/training/assignments/new", data={"course_id": course.id, "team_id": team.id}
    )
    assert missing_date.status_code == 422
    ok = client.post(
        "/training/assignments/new",
        data={"course_id": course.id, "team_id": team.id, "due_on": due},
    )
    assert ok.status_code == 303 and count(db, Assignment) == 2
    matrix = client.get("/training/matrix")
    assert by_id(matrix, f"cell-{reps[0].id}-{course.id}").get("data-state") == "not_started"
    export = client.get("/training/matrix.xlsx", headers=EN)
    data = export.data
    export.close()
    sheet = load_workbook(BytesIO(data)).active
    rows = list(sheet.values)
    assert rows[0][1] == course.title_en and {r[1] for r in rows[1:]} - {None} == {"Not started"}


def test_profile_edit_fragment(client, login_as, db):
    team = make_team()
    manager = login_as("manager", team_id=team.id)
    team.manager_id = manager.id
    rep = make_user(team_id=team.id)
    db.session.commit()
    page = client.get(f"/training/teams/{team.id}")
    assert by_id(page, f"member-{rep.id}") is not None
    saved = client.post(
        f"/training/people/{rep.id}/profile",
        data={"responsibilities": "华东客户开发", "authority": "折扣 5%"},
        headers=HX,
    )
    body = saved.get_data(as_text=True)
    assert (
        "<html" not in body
        and "华东客户开发" in body
        and "profileSaved" in saved.headers["HX-Trigger"]
    )
    assert (
        db.session.scalar(select(MemberProfile.authority).where(MemberProfile.user_id == rep.id))
        == "折扣 5%"
    )
    too_long = client.post(
        f"/training/people/{rep.id}/profile", data={"responsibilities": "x" * 5000}, headers=HX
    )
    assert too_long.status_code == 422


def test_suggestions_page_and_reason_map(client, login_as, db):
    login_as("admin")
    course = make_course()
    db.session.commit()
    from tests.pipeline.factories import make_process

    make_process()
    db.session.commit()
    bad = client.post(
        "/training/suggestions/map",
        data={"reason_code": "zzz", "stage_key": "", "course_id": course.id},
    )
    assert bad.status_code == 422
    ok = client.post(
        "/training/suggestions/map",
        data={"reason_code": "price", "stage_key": "", "course_id": course.id},
    )
    assert ok.status_code == 303
    page = client.get("/training/suggestions")
    assert len(parse(page).xpath("//ul[@id='reason-map']/li")) == 1


def test_suggestions_name_the_stage_not_its_key(client, login_as, db, app):
    from salesweb.pipeline import services as pipeline
    from salesweb.training import services
    from tests.pipeline.factories import make_deal, make_process
    from tests.training.test_services import db_reason

    admin = login_as("admin")
    course = make_course()
    with app.test_request_context():
        make_process()
        services.map_reason(admin, "price", "negotiation", course)
        rep = make_user()
        for _ in range(5):
            deal = make_deal(owner=rep, stage_key="negotiation")
            pipeline.lose_deal(rep, deal, db_reason("price"))
    db.session.commit()
    page = client.get("/training/suggestions", headers=EN)
    row = " ".join(by_id(page, f"suggestion-{rep.id}-{course.id}").text_content().split())
    rule = " ".join(parse(page).get_element_by_id("reason-map").text_content().split())
    for text in (row, rule):
        assert "Price · Negotiation" in text and "negotiation" not in text


def test_author_rewords_a_question_but_keeps_its_options(client, login_as, db):
    from tests.training.factories import make_course as _make_course

    login_as("admin")
    course = _make_course()
    db.session.commit()
    new = client.post(
        f"/training/courses/{course.id}/questions/new",
        data={
            "kind": "single",
            "text_zh": "价格异议怎么办？",
            "text_en": "A price objection?",
            "options_zh": "降价\n讲价值",
            "options_en": "Cut the price\nTalk value",
            "correct": "2",
        },
    )
    assert new.status_code == 303
    question = course.questions[-1]
    option_ids = [o.id for o in question.options]
    form = client.get(f"/training/questions/{question.id}/edit")
    assert by_id(form, "options_en").text.strip() == "Cut the price\nTalk value"
    fewer = client.post(
        f"/training/questions/{question.id}/edit",
        headers={"Accept-Language": "en"},
        data={
            "kind": "single",
            "text_zh": "价格异议？",
            "text_en": "Price objection?",
            "options_zh": "一\n二\n三",
            "options_en": "one\ntwo\nthree",
            "correct": "1",
        },
    )
    assert fewer.status_code == 422 and by_id(fewer, "options_zh-error") is not None
    ok = client.post(
        f"/training/questions/{question.id}/edit",
        data={
            "kind": "single",
            "text_zh": "客户说太贵了，怎么办？",
            "text_en": "The customer says it is too expensive?",
            "options_zh": "马上降价\n讲清价值",
            "options_en": "Cut the price at once\nExplain the value",
            "correct": "2",
        },
    )
    assert ok.status_code == 303
    db.session.refresh(question)
    assert (
        question.text_en.startswith("The customer says")
        and [o.id for o in question.options] == option_ids
    )
    assert question.options[0].text_en == "Cut the price at once"


def test_opening_a_lesson_writes_nothing_the_page_posts_the_read(client, login_as, db):
    from salesweb.training.models import LessonRead

    login_as("rep")
    lesson = make_course().lessons[0]
    db.session.commit()
    # a GET (which a browser may send as a prefetch) does not count the lesson read
    page = client.get(f"/training/lessons/{lesson.id}", headers=EN)
    assert page.status_code == 200 and count(db, LessonRead) == 0
    form = by_id(page, "lesson-read-form")
    url = f"/training/lessons/{lesson.id}/read"
    assert form.get("action") == url and form.get("hx-post") == url
    assert "load" in form.get("hx-trigger") and by_id(page, "lesson-read-status") is None
    # htmx posts it as the page loads: the status fragment comes back
    marked = client.post(url, headers={**HX, **EN})
    assert marked.status_code == 200 and "<html" not in marked.get_data(as_text=True)
    assert by_id(marked, "lesson-read-status") is not None
    assert "lessonRead" in marked.headers["HX-Trigger"]
    # without JavaScript the button posts it: back to the lesson, still counted once
    again = client.post(url)
    assert again.status_code == 303 and again.headers["Location"].endswith(
        f"/training/lessons/{lesson.id}"
    )
    assert count(db, LessonRead) == 1
    reopened = client.get(f"/training/lessons/{lesson.id}")
    assert by_id(reopened, "lesson-read-status") is not None
    assert by_id(reopened, "lesson-read-form") is None


def test_question_form_checks_the_option_lines_and_the_correct_numbers(client, login_as, db):
    login_as("admin")
    course = make_course()
    db.session.commit()
    url = f"/training/courses/{course.id}/questions/new"
    base = {"kind": "single", "text_zh": "问", "text_en": "Q"}
    uneven = client.post(
        url,
        data={**base, "options_zh": "甲\n乙\n丙", "options_en": "A\nB", "correct": "1"},
        headers=EN,
    )
    assert uneven.status_code == 422
    assert "same number" in by_id(uneven, "options_en-error").text_content()
    assert by_id(uneven, "correct-error") is None  # one problem at a time: the lines first
    beyond = client.post(
        url, data={**base, "options_zh": "甲\n乙", "options_en": "A\nB", "correct": "3"}, headers=EN
    )
    assert beyond.status_code == 422
    assert "line numbers" in by_id(beyond, "correct-error").text_content()
    assert len(course.questions) == 2
    comma = client.post(
        url,
        data={
            "kind": "multiple",
            "text_zh": "问",
            "text_en": "Q",
            "options_zh": "甲\n乙\n丙",
            "options_en": "A\nB\nC",
            "correct": "1，3",
        },
    )
    assert comma.status_code == 303
    db.session.refresh(course)
    assert [o.correct for o in course.questions[-1].options] == [True, False, True]


def test_assignment_form_starts_from_the_suggestion_link(client, login_as, db):
    team = make_team()
    manager = login_as("manager", team_id=team.id)
    team.manager_id = manager.id
    rep = make_user(team_id=team.id)
    course = make_course()
    db.session.commit()
    page = client.get(
        f"/training/assignments/new?course_id={course.id}&user_ids={rep.id}&reason=Price"
    )
    assert page.status_code == 200
    tree = parse(page)
    assert tree.xpath(f"//select[@id='course_id']/option[@value='{course.id}']/@selected")
    assert tree.xpath(f"//select[@id='user_ids']/option[@value='{rep.id}']/@selected")
    assert by_id(page, "reason").get("value") == "Price"
    unknown = client.post(
        "/training/assignments/new",
        data={"course_id": 999999, "user_ids": [rep.id], "due_on": "2030-01-01"},
        headers=EN,
    )
    assert unknown.status_code == 422 and count(db, Assignment) == 0
    assert "Choose a course" in by_id(unknown, "course_id-error").text_content()


def test_reason_rule_needs_a_listed_stage_and_a_live_course(client, login_as, db):
    login_as("admin")
    course = make_course()
    db.session.commit()
    bad_stage = client.post(
        "/training/suggestions/map",
        data={"reason_code": "price", "stage_key": "nowhere", "course_id": course.id},
        headers=EN,
    )
    assert bad_stage.status_code == 422
    assert "stage from the list" in by_id(bad_stage, "stage_key-error").text_content()
    course.deleted_at = utcnow()
    db.session.commit()
    gone = client.post(
        "/training/suggestions/map",
        data={"reason_code": "price", "stage_key": "", "course_id": course.id},
        headers=EN,
    )
    assert gone.status_code == 422
    assert "Choose a course" in by_id(gone, "course_id-error").text_content()
