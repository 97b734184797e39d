"""The workbench's task panel: my tasks due today and overdue, nobody else's."""

from __future__ import annotations

from datetime import timedelta

from salesweb.core.models import utcnow
from tests.conftest import HX, parse
from tests.factories import make_account, make_task, make_team, make_user

EN = {"Accept-Language": "en"}
URL = "/customers/workbench/tasks"


def rows(response) -> list[str]:
    return [li.get("id") for li in parse(response).xpath("//ul[@id='home-task-rows']/li")]


def test_rep_sees_own_overdue_and_today_tasks_only(client, login_as, db):
    team = make_team()
    rep = login_as("rep", team_id=team.id)
    late = make_task(rep, title="Send the offer", due_at=utcnow() - timedelta(days=2))
    soon = make_task(rep, title="Call back", due_at=utcnow() + timedelta(minutes=1))
    make_task(rep, title="Next week", due_at=utcnow() + timedelta(days=7))
    done = make_task(rep, title="Done already", due_at=utcnow() - timedelta(days=1))
    done.done_at = utcnow()
    make_task(make_user(role="rep", team_id=team.id), title="Colleague's", due_at=utcnow())
    db.session.commit()
    response = client.get(URL, headers={**EN, **HX})
    assert "<html" not in response.get_data(as_text=True)
    assert rows(response) == [f"home-task-{late.id}", f"home-task-{soon.id}"]
    tree = parse(response)
    assert tree.get_element_by_id("panel-tasks-count").text_content().strip() == "2"
    assert "Overdue" in tree.get_element_by_id(f"home-task-{late.id}").text_content()
    # The panel reloads itself when a task is done anywhere on the page.
    assert "taskDone from:body" in tree.get_element_by_id("panel-tasks").get("hx-trigger")


def test_manager_panel_holds_only_the_managers_own_tasks(client, login_as, db):
    team = make_team()
    manager = login_as("manager", team_id=team.id)
    make_task(make_user(role="rep", team_id=team.id), due_at=utcnow() - timedelta(hours=1))
    mine = make_task(manager, due_at=utcnow() - timedelta(hours=1))
    db.session.commit()
    assert rows(client.get(URL, headers=HX)) == [f"home-task-{mine.id}"]


def test_empty_state_says_what_to_do_and_plain_request_gets_a_page(client, login_as, db):
    login_as("rep")
    response = client.get(URL, headers=EN)
    body = response.get_data(as_text=True)
    assert "<html" in body and "Nothing due today" in body
    tree = parse(response)
    assert tree.get_element_by_id("panel-tasks-count").text_content().strip() == "0"
    assert tree.xpath("//p[@class='panel-more']/a/@href") == ["/customers/tasks"]


def test_done_from_the_panel_closes_the_task_and_tells_the_panel(client, login_as, db):
    rep = login_as("rep")
    task = make_task(rep, account_id=make_account(owner=rep).id, due_at=utcnow())
    db.session.commit()
    answer = client.post(f"/customers/tasks/{task.id}/done", headers=HX)
    assert "taskDone" in answer.headers["HX-Trigger"]
    assert rows(client.get(URL, headers=HX)) == []


def test_only_people_who_own_work_see_the_panel(client, login_as):
    for role in ("admin", "compliance"):
        login_as(role)
        assert client.get(URL).status_code == 403
