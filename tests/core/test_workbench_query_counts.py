"""The N+1 guard for the workbench: the home page and every panel a role sees send at most 12
statements, and no more when the records behind the panels grow three-fold."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from salesweb.compliance import services as compliance
from salesweb.core.models import today, utcnow
from salesweb.customers.models import Order
from salesweb.extensions import db as _db
from salesweb.pipeline import services as pipeline
from salesweb.surveys import services as surveys
from salesweb.training import services as training
from tests.compliance.factories import make_contract
from tests.compliance.helpers import setup
from tests.conftest import HX, parse
from tests.factories import make_account, make_contact, make_task, make_user
from tests.pipeline.factories import make_deal, make_quote
from tests.querycount import assert_few_and_flat, signed_in_team, statements
from tests.surveys.factories import answer, make_invitation, make_survey
from tests.training.factories import make_course

EN = {"Accept-Language": "en"}


class World:
    """Records behind every panel, for the people of a rep's or a manager's scope."""

    def __init__(self, people, officer, admin):
        self.people, self.officer, self.admin = people, officer, admin
        self.size = 0
        self.survey = make_survey()
        self.course = None

    def grow_to(self, size: int) -> None:
        reasons = pipeline.lost_reasons()
        while self.size < size:
            n = self.size
            owner = self.people[n % len(self.people)]
            make_task(owner, title=f"Task {n}", due_at=utcnow() - timedelta(hours=n + 1))
            stuck = make_deal(owner, stage_key="needs", title=f"Stuck {n}")
            stuck.stage_entered_at = utcnow() - timedelta(days=40)
            make_quote(make_deal(owner), discount="30", status="pending_approval")
            pipeline.lose_deal(owner, make_deal(owner), reasons[n % len(reasons)], note="x")
            contract = make_contract(owner)
            compliance.submit_contract(owner, contract)
            compliance.create_risk(
                self.officer,
                {
                    "title": f"Risk {n}",
                    "category": "credit",
                    "likelihood": 3,
                    "impact": 3,
                    "status": "open",
                    "next_review_on": today() - timedelta(days=n + 1),
                },
                owner,
                {},
            )
            account = make_account(owner=owner, credit_limit=Decimal("10"), credit_currency="CNY")
            _db.session.add(
                Order(
                    account_id=account.id,
                    ordered_on=date(2026, 1, 5),
                    total=Decimal("700"),
                    base_total=Decimal("700"),
                    paid=False,
                )
            )
            make_deal(owner, account=account, stage_key="signing")
            invitation, _ = make_invitation(self.survey, contact=make_contact(account))
            surveys.submit_response(invitation.id, answer(self.survey, nps=1))
            course = make_course(self.admin, title_en=f"Course {n}")
            training.assign_course(self.admin, course, list(self.people), today())
            self.size += 1
        _db.session.commit()


def panel_urls(client) -> list[str]:
    return parse(client.get("/", headers=EN)).xpath("//div[@id='workbench']/section/@hx-get")


@pytest.mark.parametrize("role", ["rep", "manager", "compliance", "admin"])
def test_home_and_panels_send_few_statements_however_many_records(client, login_as, role):
    setup()
    officer, admin = make_user(role="compliance"), make_user(role="admin")
    if role in ("rep", "manager"):
        _, people = signed_in_team(role, login_as)
    else:
        people = [make_user(role="rep")]
        login_as(user=officer if role == "compliance" else admin)
    world = World(people, officer, admin)
    world.grow_to(2)
    urls = ["/", *panel_urls(client)]
    assert len(urls) > 2
    small = {url: statements(client, url, {**EN, **HX} if url != "/" else EN) for url in urls}
    world.grow_to(6)
    for url in urls:
        large = statements(client, url, {**EN, **HX} if url != "/" else EN)
        assert_few_and_flat(f"{role} {url}", small[url], large, "2 of each record, then 6")
    assert len(small["/"]) <= 4
