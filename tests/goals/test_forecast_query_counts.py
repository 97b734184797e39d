"""The N+1 guard for the forecast pages: a manager of 20 people and the administrator, at most
12 statements, and no more with more people, deals and submissions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from salesweb.core.models import today
from salesweb.goals.periods import Period, PeriodKind
from tests.conftest import HX
from tests.factories import make_team, make_user
from tests.goals.factories import make_forecast_deal, make_submission
from tests.querycount import assert_few_and_flat, statements


def month_key() -> str:
    return Period.containing(today(), PeriodKind.MONTH).key


PAGES = {
    "mine": ("manager", "/goals/forecast?period={month}", {}),
    "team": ("manager", "/goals/forecast/team?period={month}", {}),
    "team fragment": ("manager", "/goals/forecast/team?period={month}", HX),
    "history": ("manager", "/goals/forecast/history?period={month}", {}),
    "review panel": ("manager", "/goals/forecast/panel/review", HX),
    "team chart": ("manager", "/goals/forecast/team/chart?period={month}", HX),
    "company": ("admin", "/goals/forecast/company?period={month}", {}),
    "company chart": ("admin", "/goals/forecast/company/chart?period={month}", HX),
    "history (admin)": ("admin", "/goals/forecast/history?period={month}", {}),
    "my panel": ("rep", "/goals/forecast/panel/mine", HX),
}


class World:
    """Two teams; the signed-in manager leads the first. It grows people, deals, snapshots."""

    def __init__(self):
        self.teams = [make_team(), make_team()]
        self.manager = make_user(role="manager", team_id=self.teams[0].id)
        self.teams[0].manager_id = self.manager.id
        self.people: list = []

    def grow_to(self, people: int) -> None:
        while len(self.people) < people:
            n = len(self.people)
            team = self.teams[n % 2] if n >= people // 2 else self.teams[0]
            person = make_user(team_id=team.id)
            self.people.append(person)
            for k in range(2):
                make_forecast_deal(person, (n * 17 + k * 40) % 100, f"{100 + n}.{k}5", today())
            make_submission(person, period_key=month_key(), amount=str(Decimal(50 + n)))
            if n % 3 == 0:
                make_submission(
                    person,
                    period_key=month_key(),
                    amount="1",
                    submitted_by=self.manager,
                    kind="adjusted",
                    note="less",
                )
        make_submission(team=self.teams[0], period_key=month_key(), submitted_by=self.manager)


@pytest.mark.parametrize("page", list(PAGES))
def test_forecast_pages_send_few_statements(db, client, login_as, page):
    role, url, headers = PAGES[page]
    world = World()
    user = {"manager": world.manager, "admin": None, "rep": None}[role]
    world.grow_to(4)
    if role == "rep":
        user = world.people[0]
    signed_in = login_as(role, user=user)
    url = url.format(month=month_key())
    db.session.commit()
    small = statements(client, url, headers)
    world.grow_to(20)
    db.session.commit()
    large = statements(client, url, headers)
    assert_few_and_flat(page, small, large, f"4 vs 20 people ({signed_in.role})")
