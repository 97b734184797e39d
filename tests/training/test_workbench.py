"""The workbench's training panel: my assigned courses not passed yet, what needs doing first."""

from __future__ import annotations

from datetime import timedelta

from salesweb.core.models import today
from salesweb.training import services
from tests.conftest import HX, parse
from tests.factories import make_user
from tests.training.factories import make_course

EN = {"Accept-Language": "en", **HX}
URL = "/training/workbench/due"


def rows(response) -> list[str]:
    return [li.get("id") for li in parse(response).xpath("//ul[@id='training-rows']/li")]


def test_my_courses_to_finish_overdue_first_and_nobody_elses(client, login_as, db):
    admin = make_user(role="admin")
    rep = login_as("rep")
    later = make_course(admin, title_en="Later")
    late = make_course(admin, title_en="Late")
    services.assign_course(admin, later, [rep], today() + timedelta(days=10))
    services.assign_course(admin, late, [rep], today() - timedelta(days=1))
    services.assign_course(admin, make_course(admin), [make_user()], today())
    db.session.commit()
    response = client.get(URL, headers=EN)
    assert rows(response) == [f"home-course-{late.id}", f"home-course-{later.id}"]
    assert "Overdue" in parse(response).get_element_by_id(f"home-course-{late.id}").text_content()


def test_empty_state_points_to_the_courses(client, login_as):
    login_as("compliance")
    response = client.get(URL, headers=EN)
    assert "No course waits for you" in response.get_data(as_text=True)
    assert parse(response).xpath("//p[@class='panel-more']/a/@href") == ["/training/"]
