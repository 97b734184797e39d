"""The N+1 guard for the goals pages: the attainment page, the targets list, a target's page and
the workbench panels send at most 12 statements, for a manager whose team grows from 2 to 20
people and for an administrator over the whole company, and no more with more data."""

from __future__ import annotations

from decimal import Decimal

import pytest

from salesweb.core.models import today
from salesweb.goals.periods import Period, PeriodKind
from salesweb.goals.services import targets as svc
from salesweb.pipeline.models import DealStatus
from tests.conftest import HX
from tests.factories import make_team, make_user
from tests.goals.factories import make_target
from tests.pipeline.factories import make_deal
from tests.querycount import assert_few_and_flat, statements

PAGES = {
    "attainment": ("/goals/attainment?period={q}", {}),
    "attainment fragment": ("/goals/attainment?period={q}&measure=won_count", HX),
    "attainment charts": ("/goals/attainment/charts?period={q}", HX),
    "targets list": ("/goals/?period={q}", {}),
    "target page": ("/goals/targets/{team_target}", {}),
    "team panel": ("/goals/panels/team", HX),
}


class World:
    """A team with its manager, people with targets split from the team's, won deals."""

    def __init__(self, admin):
        self.admin = admin
        self.team = make_team()
        self.manager = make_user(role="manager", team_id=self.team.id)
        self.team.manager_id = self.manager.id
        self.quarter = Period.containing(today(), PeriodKind.QUARTER)
        self.people = [self.manager]
        self.team_target = make_target(
            admin, level="team", team_id=self.team.id, period_key=self.quarter.key
        )
        make_target(admin, period_key=self.quarter.key, value=Decimal("5000"))

    def grow_to(self, people: int) -> None:
        while len(self.people) < people:
            rep = make_user(role="rep", team_id=self.team.id)
            self.people.append(rep)
            deal = make_deal(owner=rep, amount=Decimal(100 * len(self.people)))
            deal.status, deal.closed_on = DealStatus.WON, self.quarter.start
        parts = svc.suggest_split(self.team_target, svc.OWNERS, "even")
        svc.save_split(self.admin, self.team_target, svc.OWNERS, {p.key: p.value for p in parts})


@pytest.mark.parametrize("role", ["manager", "admin"])
@pytest.mark.parametrize("page", list(PAGES))
def test_statements_are_few_and_do_not_grow_with_the_team(db, client, login_as, role, page):
    admin = make_user(role="admin")
    world = World(admin)
    login_as(user=world.manager if role == "manager" else admin)
    url, headers = PAGES[page]

    def fill():
        return url.format(q=world.quarter.key, team_target=world.team_target.id)

    world.grow_to(3)
    db.session.commit()
    small = statements(client, fill(), headers)
    world.grow_to(20)
    db.session.commit()
    large = statements(client, fill(), headers)
    assert_few_and_flat(page, small, large, "3 vs 20 people")
