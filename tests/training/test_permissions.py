"""Training routes for every role: nobody gets a 500; reps stay out of managers' pages;
one person's attempt and training stay theirs."""

import pytest
from sqlalchemy import select

from salesweb.auth.models import Team, User
from salesweb.core.security import ROLES
from salesweb.training import permissions, services
from salesweb.training.models import ReasonCourse
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


# --- allow/deny tables: every can_* and people_ids_in_scope, by role and situation -----------
#
# The world: an east team led by `manager` (with `rep`, a second manager `deputy` who does not
# lead it, and an inactive rep), a west team led by `west_manager` (with `stranger`), and
# `admin`, `compliance` and `loner` (a rep without a team) outside any team.

ACTORS = ("admin", "manager", "deputy", "rep", "compliance")


@pytest.fixture
def world(db):
    east, west = make_team(), make_team()
    people = {
        "admin": make_user(role="admin", password=None),
        "compliance": make_user(role="compliance", password=None),
        "manager": make_user(role="manager", password=None, team_id=east.id),
        "deputy": make_user(role="manager", password=None, team_id=east.id),
        "rep": make_user(password=None, team_id=east.id),
        "inactive": make_user(password=None, team_id=east.id, active=False),
        "west_manager": make_user(role="manager", password=None, team_id=west.id),
        "stranger": make_user(password=None, team_id=west.id),
        "loner": make_user(password=None),
    }
    east.manager_id, west.manager_id = people["manager"].id, people["west_manager"].id
    db.session.flush()
    return {**people, "east": east, "west": west}


def _row(table: dict[str, tuple], situations: tuple[str, ...]):
    """(actor, situation, expected) cases from {actor: (expected per situation, ...)}."""
    return [
        (actor, situation, expected)
        for actor, answers in table.items()
        for situation, expected in zip(situations, answers, strict=True)
    ]


@pytest.mark.parametrize(
    ("actor", "expected"),
    [("admin", True), ("manager", True), ("deputy", True), ("rep", False), ("compliance", False)],
)
def test_can_author_courses_and_can_manage_training(world, actor, expected):
    assert permissions.can_author_courses(world[actor]) is expected
    assert permissions.can_manage_training(world[actor]) is expected


@pytest.mark.parametrize(
    ("actor", "expected"),
    [("admin", True), ("manager", False), ("deputy", False), ("rep", False), ("compliance", False)],
)
def test_can_choose_matrix_team(world, actor, expected):
    assert permissions.can_choose_matrix_team(world[actor]) is expected


OWNERS = ("east", "west", "company")
TEAM_OWNED = {
    "admin": (True, True, True),
    "manager": (True, False, False),
    "deputy": (True, False, False),  # a manager of the owning team, lead or not
    "rep": (False, False, False),
    "compliance": (False, False, False),
}


def _owner_team_id(world, owner: str) -> int | None:
    return None if owner == "company" else world[owner].id


@pytest.mark.parametrize(("actor", "owner", "expected"), _row(TEAM_OWNED, OWNERS))
def test_can_edit_course(world, actor, owner, expected):
    author = {"east": "manager", "west": "west_manager", "company": "admin"}[owner]
    course = make_course(author=world[author])
    assert course.team_id == _owner_team_id(world, owner)
    assert permissions.can_edit_course(world[actor], course) is expected


@pytest.mark.parametrize(("actor", "owner", "expected"), _row(TEAM_OWNED, OWNERS))
def test_can_edit_reason_rule(world, actor, owner, expected):
    rule = ReasonCourse(reason_code="price", stage_key="", team_id=_owner_team_id(world, owner))
    assert permissions.can_edit_reason_rule(world[actor], rule) is expected


@pytest.mark.parametrize(
    ("actor", "target", "expected"),
    _row(
        {
            "admin": (True, True, False, True, True),
            "manager": (True, False, False, True, False),
            "deputy": (True, False, False, True, False),
            "rep": (False, False, False, False, False),
            "compliance": (False, False, False, False, False),
        },
        ("rep", "stranger", "inactive", "manager", "loner"),
    ),
)
def test_can_assign_to(world, actor, target, expected):
    assert permissions.can_assign_to(world[actor], world[target]) is expected


@pytest.mark.parametrize(
    ("actor", "person", "expected"),
    _row(
        {
            "admin": (True, True, True, True),
            "manager": (True, True, False, False),
            "deputy": (True, True, False, False),  # a teammate manager sees the team's people
            "rep": (False, True, False, False),
            "compliance": (False, False, False, True),
        },
        ("manager", "rep", "stranger", "compliance"),
    ),
)
def test_can_view_training_of(world, actor, person, expected):
    assert permissions.can_view_training_of(world[actor], world[person]) is expected


@pytest.mark.parametrize(
    ("actor", "member", "expected"),
    _row(
        {
            "admin": (True, True, True),
            "manager": (True, False, False),
            "deputy": (False, False, False),  # in the team, but not the one who leads it
            "rep": (False, False, False),
            "compliance": (False, False, False),
        },
        ("rep", "stranger", "loner"),
    ),
)
def test_can_edit_profile(world, actor, member, expected):
    assert permissions.can_edit_profile(world[actor], world[member]) is expected


@pytest.mark.parametrize(
    ("actor", "team", "expected"),
    _row(
        {
            "admin": (True, True),
            "manager": (True, False),
            "deputy": (True, False),
            "rep": (False, False),
            "compliance": (False, False),
        },
        ("east", "west"),
    ),
)
def test_can_view_matrix(world, actor, team, expected):
    assert permissions.can_view_matrix(world[actor], world[team]) is expected


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("whose", "expected"), [("own", True), ("stranger", False)])
def test_can_take_attempt(world, actor, whose, expected):
    """Only the sitter answers; not even an admin or the sitter's manager."""
    course = make_course(author=world["admin"])
    sitter = world[actor] if whose == "own" else world["stranger"]
    attempt = services.start_attempt(sitter, course)
    assert permissions.can_take_attempt(world[actor], attempt) is expected


@pytest.mark.parametrize(
    ("actor", "sees"),
    [
        ("admin", None),
        ("manager", ("manager", "deputy", "rep", "inactive")),
        ("deputy", ("manager", "deputy", "rep", "inactive")),
        ("rep", ("rep",)),
        ("compliance", ("compliance",)),
        ("loner", ("loner",)),
    ],
)
def test_people_ids_in_scope(world, actor, sees):
    scope = permissions.people_ids_in_scope(world[actor])
    if sees is None:
        assert scope is None
    else:
        assert sorted(scope) == sorted(world[name].id for name in sees)


def test_a_manager_without_a_team_sees_only_themselves(db):
    lone_manager = make_user(role="manager", password=None)
    assert permissions.people_ids_in_scope(lone_manager) == [lone_manager.id]
    assert not permissions.can_assign_to(lone_manager, make_user(password=None))


@pytest.mark.parametrize(
    ("roles", "can"),
    [
        (permissions.AUTHORS, permissions.can_author_courses),
        (permissions.TRAINERS, permissions.can_manage_training),
    ],
)
def test_route_roles_are_the_roles_the_can_function_allows(db, roles, can):
    """A route declares a set; the template asks the can_* built on it: the two agree."""
    allowed = {role for role in ROLES if can(make_user(role=role, password=None))}
    assert allowed == set(roles)


def test_every_training_route_declares_a_training_role_set_or_signed_in(app):
    from salesweb.core.security import SIGNED_IN, declared_rules

    sets = {
        frozenset(permissions.AUTHORS),
        frozenset(permissions.TRAINERS),
        frozenset(permissions.LEARNERS),  # the workbench's "my training due" panel
        frozenset([SIGNED_IN]),
    }
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("training."):
            assert declared_rules(app, rule.endpoint) in sets, rule.endpoint


@pytest.mark.parametrize(
    ("actor", "sees"),
    [
        ("admin", ("manager", "deputy", "rep", "inactive", "stranger", "loner", "compliance")),
        ("manager", ("manager", "deputy", "rep", "inactive")),
        ("rep", ("rep",)),
        ("compliance", ("compliance",)),
    ],
)
def test_scope_people(world, db, actor, sees):
    names = ("manager", "deputy", "rep", "inactive", "stranger", "loner", "compliance")
    ids = [world[n].id for n in names]
    stmt = permissions.scope_people(select(User.id).where(User.id.in_(ids)), world[actor])
    assert set(db.session.scalars(stmt)) == {world[n].id for n in sees}


@pytest.mark.parametrize(
    ("actor", "sees"),
    [
        ("admin", ("east", "west")),
        ("manager", ("east",)),
        ("rep", ("east",)),
        ("compliance", ()),
        ("loner", ()),
    ],
)
def test_scope_teams(world, db, actor, sees):
    ids = [world["east"].id, world["west"].id]
    stmt = permissions.scope_teams(select(Team.id).where(Team.id.in_(ids)), world[actor])
    assert set(db.session.scalars(stmt)) == {world[n].id for n in sees}
