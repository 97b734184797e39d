"""Courses and loss-to-course rules belong to a team: its manager and administrators change
them, other managers only read them (403: every signed-in person sees courses and the rules
list, so the refusal hides nothing); company-wide items are for administrators."""

import io

import pytest
from sqlalchemy import select

from salesweb.core.errors import DomainError
from salesweb.training import permissions, services
from salesweb.training.models import Course, Lesson, ReasonCourse
from tests.conftest import by_id, parse
from tests.factories import make_team, make_user
from tests.pipeline.factories import make_process
from tests.training.factories import make_course

EN = {"Accept-Language": "en"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def teams(db):
    east, west = make_team(), make_team()
    return (
        make_user(role="manager", team_id=east.id),
        make_user(role="manager", team_id=west.id),
        make_user(role="admin"),
    )


def test_a_course_belongs_to_its_authors_team(db, teams):
    east, west, admin = teams
    own = make_course(author=east)
    company = make_course(author=admin)
    assert own.team_id == east.team_id and company.team_id is None
    assert permissions.can_edit_course(east, own) and permissions.can_edit_course(admin, own)
    assert not permissions.can_edit_course(west, own)
    assert not permissions.can_edit_course(east, company)
    assert permissions.can_edit_course(admin, company)
    assert not permissions.can_edit_course(make_user(team_id=east.team_id), own)
    with pytest.raises(DomainError):
        services.save_lesson(west, own, None, {"title_zh": "课", "title_en": "L"})


def test_another_teams_manager_reads_but_cannot_change_a_course(client, login_as, db, teams):
    east, west, _admin = teams
    course = make_course(author=east)
    lesson, question = course.lessons[0], course.questions[0]
    db.session.commit()
    login_as(user=west)
    page = client.get(f"/training/courses/{course.id}", headers=EN)
    assert page.status_code == 200
    links = [a.get("href", "") for a in parse(page).xpath("//a")]
    assert not [
        h for h in links if h.endswith("/edit") or "/lessons/new" in h or "/questions/new" in h
    ]
    refused = {
        f"/training/courses/{course.id}/edit": {"title_zh": "改", "title_en": "Changed"},
        f"/training/courses/{course.id}/lessons/new": {"title_zh": "课", "title_en": "L"},
        f"/training/lessons/{lesson.id}/edit": {"title_zh": "课", "title_en": "L"},
        f"/training/courses/{course.id}/questions/new": {},
        f"/training/questions/{question.id}/edit": {},
    }
    for url, data in refused.items():
        assert client.get(url).status_code == 403, url
        assert client.post(url, data=data).status_code == 403, url
    upload = client.post(
        f"/training/lessons/{lesson.id}/files",
        data={"file": (io.BytesIO(PNG), "a.png")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 403
    db.session.expire_all()
    assert db.session.get(Course, course.id).title_en == "Value selling"
    assert len(db.session.scalars(select(Lesson).where(Lesson.course_id == course.id)).all()) == 2
    # the owning team's manager sees the buttons and may edit
    login_as(user=east)
    own = client.get(f"/training/courses/{course.id}", headers=EN)
    assert parse(own).xpath(f"//a[@href='/training/courses/{course.id}/edit']")
    assert client.get(f"/training/courses/{course.id}/edit").status_code == 200


def test_rules_of_another_team_stay_theirs(client, login_as, db, teams):
    east, west, admin = teams
    make_process()
    course = make_course(author=admin)
    rule = services.map_reason(east, "price", "", course)
    assert rule.team_id == east.team_id
    db.session.commit()
    login_as(user=west)
    page = client.get("/training/suggestions", headers=EN)
    assert by_id(page, f"reason-rule-{rule.id}") is not None
    assert by_id(page, f"reason-rule-remove-{rule.id}") is None
    assert client.post(f"/training/suggestions/map/{rule.id}/delete").status_code == 403
    # the same reason and stage cannot be taken over by saving a rule over it
    other = make_course(author=admin)
    db.session.commit()
    taken = client.post(
        "/training/suggestions/map",
        headers=EN,
        data={"reason_code": "price", "stage_key": "", "course_id": other.id},
    )
    assert taken.status_code == 422
    assert "Another team" in by_id(taken, "reason_code-error").text_content()
    db.session.expire_all()
    assert db.session.get(ReasonCourse, rule.id).course_id == course.id
    # its own manager and administrators may remove it
    login_as(user=admin)
    page = client.get("/training/suggestions", headers=EN)
    assert by_id(page, f"reason-rule-remove-{rule.id}") is not None
    assert client.post(f"/training/suggestions/map/{rule.id}/delete").status_code == 303
    assert db.session.scalars(select(ReasonCourse.id)).all() == []


MIGRATION_ROWS = (
    "INSERT INTO teams (id, name, region, version, created_at, updated_at)"
    " VALUES (1, 'East', 'East', 1, '2026-11-30 00:00:00', '2026-11-30 00:00:00')",
    *(
        "INSERT INTO users (id, email, display_name, role, team_id, locale, timezone, active,"
        " failed_logins, session_token, version, created_at, updated_at)"
        f" VALUES ({n}, 'u{n}@example.com', 'U{n}', '{role}', 1, 'en', 'Asia/Shanghai', TRUE,"
        f" 0, 't{n}', 1, '2026-11-30 00:00:00', '2026-11-30 00:00:00')"
        for n, role in ((1, "manager"), (2, "admin"))
    ),
    *(
        "INSERT INTO surveys (id, title_zh, title_en, intro_zh, intro_en, active, revision,"
        f" version, created_by_id, created_at, updated_at) VALUES ({n}, 's', 's', '', '', TRUE,"
        f" 1, 1, {n}, '2026-11-30 00:00:00', '2026-11-30 00:00:00')"
        for n in (1, 2)
    ),
    *(
        "INSERT INTO training_courses (id, title_zh, title_en, description_zh, description_en,"
        " category, minutes, pass_score, attempt_limit, valid_months, version, created_by_id,"
        f" created_at, updated_at) VALUES ({n}, 'c', 'c', '', '', 'sales', 10, 80, 3, 12, 1,"
        f" {n}, '2026-11-30 00:00:00', '2026-11-30 00:00:00')"
        for n in (1, 2)
    ),
    # the race left three open sittings of one person in one course
    *(
        "INSERT INTO training_attempts (id, course_id, user_id, started_at, layout, answers)"
        f" VALUES ({n}, 1, 1, '2026-11-30 00:00:00', '{{}}', '{{}}')"
        for n in (1, 2, 3)
    ),
)


def test_migration_backfills_owners_closes_duplicate_sittings_and_downgrades(tmp_path_factory):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect, text

    from salesweb.extensions import db as _db
    from tests.live import fresh_app

    with fresh_app(tmp_path_factory, "training_migration") as app, app.app_context():
        upgrade(revision="0009")
        with _db.engine.begin() as conn:
            for statement in MIGRATION_ROWS:
                conn.execute(text(statement))
        upgrade(revision="0011")
        with _db.engine.connect() as conn:
            owners = conn.execute(text("SELECT id, team_id FROM surveys ORDER BY id")).all()
            courses = conn.execute(text("SELECT id, team_id FROM training_courses ORDER BY id"))
            sittings = conn.execute(text("SELECT id FROM training_attempts")).scalars().all()
            # a manager's work is their team's; an administrator's stays company-wide
            assert [tuple(r) for r in owners] == [(1, 1), (2, None)]
            assert [tuple(r) for r in courses] == [(1, 1), (2, None)]
            assert sittings == [1]
        downgrade(revision="0009")
        columns = {c["name"] for c in inspect(_db.engine).get_columns("surveys")}
        assert "team_id" not in columns
        indexes = {i["name"] for i in inspect(_db.engine).get_indexes("training_attempts")}
        assert "uq_training_attempts_open" not in indexes
