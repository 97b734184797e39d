"""render_page, events and error fragments: plain, htmx, boosted and history-restore requests."""

import json

from flask import Response

from salesweb.core.htmx import VARY, trigger
from tests.conftest import HX, by_id


def test_plain_request_gets_whole_page(client, login_as):
    login_as("admin")
    response = client.get("/auth/users")
    assert response.status_code == 200
    assert "<html" in response.get_data(as_text=True)
    assert by_id(response, "user-table") is not None


def test_htmx_request_gets_only_the_block(client, login_as):
    login_as("admin")
    response = client.get("/auth/users?q=nobody-matches-this", headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body
    assert by_id(response, "user-table") is None
    assert "No user matches" in body


def test_boosted_and_history_restore_get_whole_page(client, login_as):
    login_as("admin")
    for extra in ({"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}):
        response = client.get("/auth/users", headers={**HX, **extra})
        assert "<html" in response.get_data(as_text=True), extra


def test_vary_header_on_every_render(client, login_as):
    login_as("admin")
    for headers in ({}, HX):
        response = client.get("/auth/users", headers=headers)
        for name in VARY:
            assert name in response.headers["Vary"]


def test_trigger_merges_events(app):
    response = Response("")
    trigger(response, "userSaved")
    trigger(response, "teamSaved", counter={"n": 2})
    assert json.loads(response.headers["HX-Trigger"]) == {
        "userSaved": True,
        "teamSaved": True,
        "counter": {"n": 2},
    }


def test_error_is_page_or_fragment(client, login_as):
    login_as("rep")
    page = client.get("/auth/users")
    assert page.status_code == 403
    assert "<html" in page.get_data(as_text=True)
    fragment = client.get("/auth/users", headers=HX)
    assert fragment.status_code == 403
    assert "<html" not in fragment.get_data(as_text=True)
    assert by_id(fragment, "error-403") is not None
    assert fragment.headers["HX-Retarget"] == "#toasts"


def test_not_found_page(client, login_as):
    login_as("admin")
    response = client.get("/auth/users/999999")
    assert response.status_code == 404
    assert by_id(response, "error-404") is not None


def test_flash_after_htmx_request_arrives_as_oob_toast(client, login_as, db):
    admin = login_as("admin")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Saved it")]
    response = client.get("/auth/users", headers=HX)
    body = response.get_data(as_text=True)
    assert 'hx-swap-oob="beforeend"' in body
    assert "Saved it" in body
    assert admin.id


def test_anonymous_htmx_request_is_told_to_redirect(client):
    response = client.get("/auth/users", headers=HX)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/auth/login")
