"""The N+1 guard: the busy customer pages send at most 12 SQL statements, however much data.

Each page is requested with a small data set, the data grows six-fold, and the page is requested
again: the number of statements must stay the same. Speed itself is measured by bench/, never
asserted here.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from salesweb.core.models import utcnow
from salesweb.customers import services
from salesweb.extensions import db as _db
from tests.conftest import HX
from tests.factories import (
    make_account,
    make_contact,
    make_interaction,
    make_task,
)
from tests.querycount import assert_few_and_flat, signed_in_team, statements

PAGES = {
    "account list": ("/customers/accounts", {}),
    "account list, filtered": ("/customers/accounts?type=customer&region=East&sort=-last", {}),
    "live search": ("/customers/accounts?q=account", HX),
    "live search, two characters": ("/customers/accounts?q=公司", HX),
    "contact search": ("/customers/contacts?q=contact", {}),
    "account page": ("/customers/accounts/{busy}", {}),
    "timeline page 2": ("/customers/accounts/{busy}/timeline?page=2", HX),
    "my tasks": ("/customers/tasks", {}),
}


class World:
    """A user's book of accounts that can be grown, each with contacts, history and tasks."""

    def __init__(self, user, owners):
        self.user = user
        self.owners = owners  # who owns the accounts: the rep, or the members of a team
        self.accounts = 0
        self.busy = None

    def grow_to(self, accounts: int, busy_events: int) -> None:
        now = utcnow()
        while self.accounts < accounts:
            owner = self.owners[self.accounts % len(self.owners)]
            account = make_account(owner=owner, type="customer", region="East", tags="vip,east")
            contacts = [
                make_contact(account, phone=f"138 0000 {self.accounts:04d}"),
                make_contact(account),
            ]
            for k, contact in enumerate(contacts):
                make_interaction(
                    account,
                    author=owner,
                    contact_id=contact.id,
                    kind=("call", "wechat")[k],
                    occurred_at=now - timedelta(days=self.accounts + k),
                )
            make_task(self.user, account_id=account.id, contact_id=contacts[0].id,
                      due_at=now - timedelta(days=1))  # fmt: skip
            make_task(self.user, account_id=account.id, due_at=now + timedelta(days=self.accounts))
            make_task(self.user, account_id=account.id, due_at=now - timedelta(days=3),
                      done_at=now, done_by_id=self.user.id)  # fmt: skip
            self._order(account, 1)
            self.accounts += 1
            if self.busy is None:
                self.busy = account
        self._make_busy(busy_events)

    def _make_busy(self, events: int) -> None:
        """The account shown on the account page: interactions, orders and done tasks."""
        from sqlalchemy import func, select

        from salesweb.customers.models import Interaction

        account = self.busy
        have = _db.session.scalar(
            select(func.count())
            .select_from(Interaction)
            .where(Interaction.account_id == account.id)
        )
        contact = make_contact(account)
        for k in range(have, events):
            make_interaction(
                account,
                author=self.owners[k % len(self.owners)],
                contact_id=contact.id if k % 2 else None,
                kind=("call", "email", "meeting", "visit", "wechat", "social", "other")[k % 7],
                occurred_at=utcnow() - timedelta(hours=k),
            )
            if k % 5 == 0:
                self._order(account, 1 + k % 3)
                make_task(self.user, account_id=account.id, due_at=utcnow() - timedelta(days=k),
                          done_at=utcnow(), done_by_id=self.user.id)  # fmt: skip

    def _order(self, account, lines: int) -> None:
        services.create_order(
            self.user,
            account,
            ordered_on=date.today(),
            currency="CNY",
            lines=[
                services.LineInput(f"Gateway IG-{n}", Decimal(n + 1), Decimal("980.00"))
                for n in range(lines)
            ],
        )


def _world(role: str, login_as) -> World:
    user, people = signed_in_team(role, login_as)
    return World(user, people)


@pytest.mark.parametrize("role", ["rep", "manager"])
@pytest.mark.parametrize("page", list(PAGES))
def test_statements_are_few_and_do_not_grow_with_the_data(db, client, login_as, role, page):
    world = _world(role, login_as)
    url, headers = PAGES[page]

    world.grow_to(accounts=5, busy_events=25)
    db.session.commit()
    small = statements(client, url.format(busy=world.busy.id), headers)

    world.grow_to(accounts=30, busy_events=60)
    db.session.commit()
    large = statements(client, url.format(busy=world.busy.id), headers)

    assert_few_and_flat(page, small, large, "5 vs 30 accounts")
