"""Every registered route, tried anonymously and as every role, answers as the hand-written
table in tests/route_access.py says.

A route without an `@access(...)` declaration fails here, so no route can be added unguarded;
a route missing from the table fails too, so nobody adds one without saying who may call it.
"""

import pytest

from salesweb.core.security import PUBLIC, ROLES, SIGNED_IN, declared_rules
from tests.route_access import ANON, CALLERS, EXPECTED

IGNORED_METHODS = {"HEAD", "OPTIONS"}
DUMMY = {
    "IdConverter": 999999,  # the application's `int` converter (salesweb.core.params)
    "IntegerConverter": 999999,
    "UUIDConverter": "00000000-0000-0000-0000-000000000000",
}


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - IGNORED_METHODS):
            yield rule, method


def build_url(app, rule, method):
    """The rule's URL with a value nobody owns in every argument (so objects are not found)."""
    values = {name: DUMMY.get(type(conv).__name__, "x") for name, conv in rule._converters.items()}
    return app.url_map.bind("localhost").build(rule.endpoint, values, method=method)


def test_every_route_declares_access(app):
    undeclared = [
        rule.endpoint for rule, _ in routes(app) if declared_rules(app, rule.endpoint) is None
    ]
    assert undeclared == []


def test_the_table_lists_exactly_the_routes_of_the_app(app):
    served = {(method, rule.endpoint) for rule, method in routes(app)}
    assert sorted(served - EXPECTED.keys()) == [], "routes the table does not list"
    assert sorted(EXPECTED.keys() - served) == [], "table lines for routes that do not exist"


def test_the_table_names_only_known_callers():
    assert set().union(*EXPECTED.values()) <= set(CALLERS)


def _to_login(response) -> bool:
    return response.status_code == 302 and "/auth/login" in response.headers.get("Location", "")


def _refused_as_expected(response, caller: str) -> bool:
    """Anonymous callers are sent to sign in; signed-in ones get 403."""
    return _to_login(response) if caller == ANON else response.status_code == 403


def _refused_at_all(response) -> bool:
    return response.status_code in (401, 403) or _to_login(response)


@pytest.mark.parametrize("role", [None, *ROLES])
def test_authorization_matrix(app, client, db, login_as, role):
    caller = role or ANON
    if role is not None:
        login_as(role)
    wrong = []
    for rule, method in routes(app):
        url = build_url(app, rule, method)
        response = client.open(url, method=method, headers={"Accept-Language": "en"})
        may = caller in EXPECTED.get((method, rule.endpoint), frozenset())
        where = f"{method} {url} ({rule.endpoint}) as {caller}: {response.status_code}"
        if response.status_code >= 500:
            wrong.append(f"{where}, a server error")
        elif may and _refused_at_all(response):
            wrong.append(f"{where}, refused but the table allows it")
        elif not may and not _refused_as_expected(response, caller):
            wrong.append(f"{where}, served but the table refuses it")
        if rule.endpoint == "auth.logout" and role is not None:
            login_as(role)  # the matrix goes on signed in
    assert wrong == []


def test_rules_are_known_words(app):
    for rule, _ in routes(app):
        assert declared_rules(app, rule.endpoint) <= {PUBLIC, SIGNED_IN, *ROLES}
