"""Every registered route, tried anonymously and as every role, answers as its declaration says.

A route without an `@access(...)` declaration fails here, so no route can be added unguarded.
"""

import pytest

from salesweb.core.security import PUBLIC, ROLES, SIGNED_IN, allowed, declared_rules

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


def _expectation(rules, role):
    class Who:
        is_authenticated = role is not None

    Who.role = role
    return allowed(rules, Who)


@pytest.mark.parametrize("role", [None, *ROLES])
def test_authorization_matrix(app, client, db, login_as, role):
    if role is not None:
        login_as(role)
    checked = 0
    for rule, method in routes(app):
        rules = declared_rules(app, rule.endpoint)
        url = build_url(app, rule, method)
        response = client.open(url, method=method, headers={"Accept-Language": "en"})
        code = response.status_code
        where = f"{method} {url} as {role or 'anonymous'}: {code}"
        if _expectation(rules, role):
            assert code not in (401, 403), where
            assert not (code == 302 and "/auth/login" in response.headers.get("Location", "")), (
                where
            )
            assert code < 500, where
        elif role is None:
            assert code == 302 and "/auth/login" in response.headers["Location"], where
        else:
            assert code == 403, where
        checked += 1
        if rule.endpoint == "auth.logout" and role is not None:
            login_as(role)  # the matrix goes on signed in
    assert checked > 10


def test_rules_are_known_words(app):
    for rule, _ in routes(app):
        assert declared_rules(app, rule.endpoint) <= {PUBLIC, SIGNED_IN, *ROLES}
