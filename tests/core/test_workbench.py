"""The workbench (home): each role's panels as placeholders that load after the page; the page
itself stays small."""

from __future__ import annotations

import pytest

from salesweb.core import panels
from tests.conftest import HX, parse
from tests.querycount import MAX_STATEMENTS, statements

EN = {"Accept-Language": "en"}


def placeholder_urls(response) -> list[str]:
    return parse(response).xpath("//div[@id='workbench']/section/@hx-get")


@pytest.mark.parametrize(
    ("role", "expected", "absent"),
    [
        ("rep", ["/customers/workbench/tasks"], []),
        ("manager", ["/customers/workbench/tasks"], []),
        ("compliance", [], ["/customers/workbench/tasks"]),
        ("admin", [], ["/customers/workbench/tasks"]),
    ],
)
def test_each_role_gets_its_own_panels(client, login_as, role, expected, absent):
    login_as(role)
    response = client.get("/", headers=EN)
    assert response.status_code == 200
    urls = placeholder_urls(response)
    assert set(expected) <= set(urls)
    assert not set(absent) & set(urls)
    tree = parse(response)
    for section in tree.xpath("//div[@id='workbench']/section"):
        # Every placeholder loads on its own and names itself for a screen reader.
        assert section.get("hx-trigger") == "load"
        label = section.get("aria-labelledby")
        assert tree.get_element_by_id(label).text_content().strip()
        assert section.xpath(".//a/@href") == [section.get("hx-get")]


@pytest.mark.parametrize("role", ["rep", "manager", "compliance", "admin"])
def test_home_page_stays_within_the_statement_limit(client, login_as, role):
    login_as(role)
    assert len(statements(client, "/", EN)) <= 4 <= MAX_STATEMENTS


@pytest.mark.parametrize("role", ["rep", "manager", "compliance", "admin"])
def test_every_panel_a_role_sees_answers_within_the_limit(client, login_as, role):
    login_as(role)
    for url in placeholder_urls(client.get("/", headers=EN)):
        fragment = statements(client, url, {**EN, **HX})
        assert len(fragment) <= MAX_STATEMENTS, url


def test_registering_keeps_the_old_call_and_orders_by_order(monkeypatch):
    monkeypatch.setattr(panels, "_PANELS", {})
    panels.register("home", "B", lambda _: "/b", lambda user, _: True)
    panels.register("home", "A", lambda _: "/a", lambda user, _: True, order=1, wide=True)
    panels.register("home", "hidden", lambda _: "/h", lambda user, _: False, order=0)
    assert panels.panels_for("home", object(), None) == [("A", "/a"), ("B", "/b")]
    assert [p.wide for p in panels.visible_panels("home", object(), None)] == [True, False]


def test_with_no_panel_the_page_says_where_to_go(client, login_as, monkeypatch):
    monkeypatch.setattr(panels, "_PANELS", {})
    login_as("compliance")
    response = client.get("/", headers=EN)
    assert parse(response).get_element_by_id("workbench-empty-title") is not None
