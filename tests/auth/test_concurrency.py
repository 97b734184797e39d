"""Sign-ins and saves at once, against a live waitress server on its own database.

On SQLite a request that writes begins IMMEDIATE and queues for the write lock; on PostgreSQL
rows are locked by the UPDATE. Either way: parallel failures all count, and no request ends in
a 500 "database is locked" -- the loser of two saves of one record gets a conflict.
"""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from lxml import html as lxml_html
from sqlalchemy import select

from salesweb.auth.models import User
from salesweb.customers.models import Account
from salesweb.extensions import db
from tests.factories import PASSWORD, make_account, make_user
from tests.live import Browser, live_server

SCHEMA = "auth_concurrency"
CONFLICT = "Someone else changed this record"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    settings = {"SALESWEB_LOGIN_LIMIT": "100000 per minute"}
    with live_server(tmp_path_factory, SCHEMA, threads=8, **settings) as running:
        yield running


def _at_once(calls: list[Callable]) -> list:
    """Run the calls in parallel threads released together; their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable):
        barrier.wait(timeout=60)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def _make(app, build: Callable) -> list:
    with app.app_context():
        made = build()
        db.session.commit()
        ids = [obj.id for obj in made]
        db.session.remove()
    return ids


def _user(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        db.session.remove()
    return user


def _sign_in(base: str, email: str, password: str = PASSWORD) -> tuple[Browser, int]:
    browser = Browser(base)
    data = urllib.parse.urlencode({"email": email, "password": password}).encode()
    status, _body = browser.open("/auth/login", data)
    return browser, status


def _edit_form(browser: Browser, account_id: int) -> dict[str, str]:
    status, body = browser.open(f"/customers/accounts/{account_id}/edit")
    assert status == 200
    return dict(lxml_html.fromstring(body).get_element_by_id("account-form").form_values())


def _save(browser: Browser, account_id: int, form: dict[str, str]) -> Callable:
    data = urllib.parse.urlencode(form).encode()
    return lambda: browser.open(f"/customers/accounts/{account_id}/edit", data)


def test_parallel_wrong_passwords_all_count(live):
    app, base = live
    [user_id] = _make(app, lambda: [make_user()])
    email = _user(app, user_id).email
    app.config["SALESWEB_LOCKOUT_FAILURES"] = 1000  # count without locking
    try:
        codes = _at_once([lambda: _sign_in(base, email, "wrong-password")[1]] * 16)
    finally:
        app.config["SALESWEB_LOCKOUT_FAILURES"] = 5
    assert codes == [422] * 16
    assert _user(app, user_id).failed_logins == 16


def test_parallel_wrong_passwords_lock_and_the_right_one_is_then_refused(live):
    app, base = live
    [user_id] = _make(app, lambda: [make_user()])
    email = _user(app, user_id).email
    codes = _at_once([lambda: _sign_in(base, email, "wrong-password")[1]] * 16)
    assert codes == [422] * 16
    assert _user(app, user_id).is_locked()
    assert _sign_in(base, email)[1] == 422


def test_parallel_sign_ins_all_succeed(live):
    app, base = live
    ids = _make(app, lambda: [make_user() for _ in range(12)])
    emails = [_user(app, user_id).email for user_id in ids]
    codes = _at_once([lambda email=email: _sign_in(base, email)[1] for email in emails])
    assert codes == [303] * 12
    assert all(_user(app, user_id).last_sign_in_at is not None for user_id in ids)


def test_parallel_saves_of_different_accounts_are_all_kept(live):
    app, base = live
    ids = _make(app, lambda: [make_account(owner=make_user()) for _ in range(8)])
    with app.app_context():
        owners = db.session.execute(
            select(Account.id, User.email).join(User, Account.owner_id == User.id)
        ).all()
        db.session.remove()
    saves = []
    for account_id, email in owners:
        if account_id in ids:
            browser, status = _sign_in(base, email)
            assert status == 303
            form = _edit_form(browser, account_id) | {"name": f"Saved {account_id}"}
            saves.append(_save(browser, account_id, form))
    codes = [status for status, _body in _at_once(saves)]
    assert codes == [303] * 8
    with app.app_context():
        names = db.session.scalars(select(Account.name).where(Account.id.in_(ids))).all()
        db.session.remove()
    assert sorted(names) == sorted(f"Saved {account_id}" for account_id in ids)


def test_parallel_saves_of_one_account_one_wins_the_others_conflict(live):
    app, base = live
    [account_id] = _make(app, lambda: [make_account(owner=make_user())])
    with app.app_context():
        account = db.session.get(Account, account_id)
        email, version = account.owner.email, account.version
        db.session.remove()
    browsers = [_sign_in(base, email)[0] for _ in range(6)]
    form = _edit_form(browsers[0], account_id)
    answers = _at_once(
        [_save(b, account_id, form | {"name": f"Version {n}"}) for n, b in enumerate(browsers)]
    )
    codes = sorted(status for status, _body in answers)
    assert codes.count(303) == 1 and 500 not in codes
    # Losers that ran after the winner read the new version (422, said on the form); losers
    # that ran alongside it (PostgreSQL) are stopped by the version column (409).
    for status, body in answers:
        assert status in (303, 409, 422)
        if status != 303:
            assert CONFLICT in body
    with app.app_context():
        assert db.session.get(Account, account_id).version == version + 1
        db.session.remove()
