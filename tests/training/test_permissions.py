"""Training routes for every role: nobody gets a 500; reps stay out of managers' pages;
one person's attempt and training stay theirs."""

import pytest

from salesweb.core.security import ROLES
from salesweb.training import permissions
from tests.factories import make_team, make_user
from tests.training.factories import make_course

MANAGER_ONLY = (
    "/training/matrix",
    "/training/suggestions",
    "/training/assignments/new",
    "/training/courses/new",
)


@pytest.mark.parametrize("role", ROLES)
def test_training_routes_answer_every_role(app, client, login_as, db, role):
    login_as(role)
    course = make_course()
    db.session.commit()
    for url in (
        "/training/",
        "/training/courses",
        f"/training/courses/{course.id}",
        f"/training/lessons/{course.lessons[0].id}",
        "/training/teams",
        "/training/matrix.xlsx",
        *MANAGER_ONLY,
    ):
        response = client.get(url)
        code = response.status_code
        response.close()  # the XLSX download is a temporary file
        if url in MANAGER_ONLY or url.endswith(".xlsx"):
            assert code == (200 if role in ("admin", "manager") else 403), (url, role, code)
        else:
            assert code == 200, (url, role, code)


def test_object_permissions(db):
    team = make_team()
    manager = make_user(role="manager", team_id=team.id)
    team.manager_id = manager.id
    rep = make_user(team_id=team.id)
    other = make_user(team_id=make_team().id)
    admin = make_user(role="admin")
    db.session.flush()
    assert permissions.can_assign_to(manager, rep) and not permissions.can_assign_to(manager, other)
    assert permissions.can_assign_to(admin, other) and not permissions.can_assign_to(rep, rep)
    assert permissions.can_edit_profile(manager, rep) and not permissions.can_edit_profile(
        manager, other
    )
    assert permissions.can_view_training_of(rep, rep) and not permissions.can_view_training_of(
        rep, other
    )
    assert permissions.can_view_training_of(manager, rep)
    assert not permissions.can_view_training_of(manager, other)
    assert permissions.people_ids_in_scope(admin) is None
    assert permissions.people_ids_in_scope(rep) == [rep.id]


def test_someone_elses_attempt_and_training_are_hidden(client, login_as, db):
    from salesweb.training import services

    course = make_course()
    owner = make_user()
    attempt = services.start_attempt(owner, course)
    db.session.commit()
    login_as("rep")
    assert client.get(f"/training/attempts/{attempt.id}").status_code == 404
    assert client.post(f"/training/attempts/{attempt.id}", data={}).status_code == 404
    login_as("manager", team_id=make_team().id)
    assert client.get(f"/training/people/{owner.id}").status_code == 404
    # another team's person does not exist for this manager, on every person route
    assert client.get(f"/training/people/{owner.id}/profile").status_code == 404
    assert client.post(f"/training/people/{owner.id}/profile", data={}).status_code == 404
