"""Account and contact search: the same rows in the same order on SQLite (FTS5 trigram) and
PostgreSQL (pg_trgm), whichever database the suite runs on; short terms, scope, soft deletes,
writes that bypass the ORM, and the capped list count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, update

from salesweb.core.models import utcnow
from salesweb.customers.models import Account, Contact, search_text_of
from salesweb.extensions import db as _db
from tests.conftest import HX, by_id, parse
from tests.factories import make_account, make_contact, make_user
from tests.querycount import assert_few_and_flat, statements


def _rows(client, url: str, prefix: str) -> list[str]:
    """The ids of the result rows, in order (`account-12` -> the name via the test's map)."""
    response = client.get(url, headers=HX)
    assert response.status_code == 200
    return _row_ids(response, prefix)


def _row_ids(response, prefix: str) -> list[str]:
    return parse(response).xpath(f"//tbody/tr[starts-with(@id, '{prefix}-')]/@id")


def _text(element) -> str:
    return " ".join(element.text_content().split())


@pytest.fixture
def book(db):
    """A small company: accounts and contacts with Chinese and Latin names, phones, e-mails,
    and known last-interaction times (the recency part of the order)."""
    now = utcnow()
    owner = make_user(role="rep")
    other = make_user(role="rep")

    def account(name, days_ago=None, **kw):
        last = None if days_ago is None else now - timedelta(days=days_ago)
        return make_account(owner=kw.pop("owner", owner), name=name, last_interaction_at=last, **kw)

    a = {
        "huaxin": account("上海华信科技有限公司", 5, phone="021-5555 0101"),
        "huaxin_bj": account("北京华信科技有限公司", 1, email="sales@huaxin-bj.cn"),
        "huaxin_prefix": account("华信科技集团", 30),
        "acme": account("Acme Trading Ltd", 2, email="buy@acmetrade.com"),
        "acme_prefix": account("Acmes Industrial", None),
        "pacme": account("Pacme Tools", 10, phone="+86 138 0013 8000"),
        "other_owner": account("华信科技外部", 1, owner=other),
        "deleted": account("已删除华信科技", 1),
    }
    a["deleted"].soft_delete()
    c = {
        "wangwei": make_contact(a["huaxin"], name="王伟", phone="139 1234 5678"),
        "wangwei2": make_contact(a["acme"], name="王伟强", email="wwq@example.com"),
        "li": make_contact(a["pacme"], name="Li Ming", email="liming@acmetrade.com"),
        "zhang": make_contact(a["huaxin_bj"], name="张伟", wechat="zw_wechat"),
    }
    _db.session.flush()
    return owner, a, c


def _ids(objs, prefix):
    return [f"{prefix}-{o.id}" for o in objs]


def test_accounts_same_rows_and_order_on_both_databases(client, login_as, book):
    owner, a, _c = book
    login_as(user=owner)
    # Chinese fragment: the name that starts with it first, then the most recent interaction.
    assert _rows(client, "/customers/accounts?q=华信科", "account") == _ids(
        [a["huaxin_prefix"], a["huaxin_bj"], a["huaxin"]], "account"
    )
    # Latin fragment, any case: names starting with it (recent first, never-contacted last),
    # then a name that only contains it.
    assert _rows(client, "/customers/accounts?q=ACME", "account") == _ids(
        [a["acme"], a["acme_prefix"], a["pacme"]], "account"
    )
    # A phone number written another way (+86, spaces, dashes) finds the digits.
    assert _rows(client, "/customers/accounts?q=0138-0013", "account") == _ids(
        [a["pacme"]], "account"
    )
    # Part of an e-mail address.
    assert _rows(client, "/customers/accounts?q=huaxin-bj", "account") == _ids(
        [a["huaxin_bj"]], "account"
    )


def test_contacts_same_rows_and_order_on_both_databases(client, login_as, book):
    owner, _a, c = book
    login_as(user=owner)
    assert _rows(client, "/customers/contacts?q=王伟强", "contact") == _ids(
        [c["wangwei2"]], "contact"
    )
    assert _rows(client, "/customers/contacts?q=acmetrade", "contact") == _ids([c["li"]], "contact")
    assert _rows(client, "/customers/contacts?q=1234-56", "contact") == _ids(
        [c["wangwei"]], "contact"
    )
    assert _rows(client, "/customers/contacts?q=zw_we", "contact") == _ids([c["zhang"]], "contact")


def test_one_and_two_character_terms_still_find_everything(client, login_as, book):
    """A trigram index needs three characters: 王伟 is found another way, with the same order
    (names that start with it first, then the most recently changed contact)."""
    owner, a, c = book
    login_as(user=owner)
    assert _rows(client, "/customers/contacts?q=王伟", "contact") == _ids(
        [c["wangwei2"], c["wangwei"]], "contact"
    )
    assert set(_rows(client, "/customers/contacts?q=伟", "contact")) == set(
        _ids([c["wangwei"], c["wangwei2"], c["zhang"]], "contact")
    )
    assert _rows(client, "/customers/accounts?q=华信", "account") == _ids(
        [a["huaxin_prefix"], a["huaxin_bj"], a["huaxin"]], "account"
    )


def test_search_keeps_to_scope_and_skips_deleted(client, login_as, book):
    _owner, a, _c = book
    admin = login_as(role="admin")
    assert admin
    found = _rows(client, "/customers/accounts?q=华信科技", "account")
    assert f"account-{a['other_owner'].id}" in found
    assert f"account-{a['deleted'].id}" not in found
    rep = make_user(role="rep")
    login_as(user=rep)
    assert _rows(client, "/customers/accounts?q=华信科技", "account") == []
    assert _rows(client, "/customers/contacts?q=王伟", "contact") == []


def test_index_follows_every_write_even_without_the_orm(client, login_as, book):
    owner, a, _c = book
    login_as(user=owner)
    # A rename through the ORM: the old name is no longer found, the new one is.
    renamed = a["acme_prefix"]
    renamed.name = "Zenith Supplies"
    renamed.refresh_keys()
    _db.session.flush()
    assert _rows(client, "/customers/accounts?q=acmes", "account") == []
    assert _rows(client, "/customers/accounts?q=zenith", "account") == [f"account-{renamed.id}"]
    # A Core bulk insert, as importers and bench/seed.py write.
    now = utcnow()
    _db.session.execute(
        insert(Account),
        [
            {
                "name": "Quokka Bulk Co",
                "type": "prospect",
                "owner_id": owner.id,
                "name_key": "quokkabulkco",
                "search_text": search_text_of("Quokka Bulk Co"),
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
        ],
    )
    # And a Core update of a contact's search text.
    _db.session.execute(
        update(Contact)
        .where(Contact.id == _c["li"].id)
        .values(name="Li Quokka", search_text=search_text_of("Li Quokka"))
    )
    assert len(_rows(client, "/customers/accounts?q=quokka", "account")) == 1
    assert _rows(client, "/customers/contacts?q=quokka", "contact") == [f"contact-{_c['li'].id}"]
    assert _rows(client, "/customers/contacts?q=liming", "contact") == []


def test_a_chosen_column_sort_wins_over_relevance(client, login_as, book):
    owner, a, _c = book
    login_as(user=owner)
    assert _rows(client, "/customers/accounts?q=acme&sort=name", "account") == _ids(
        [a["acme"], a["acme_prefix"], a["pacme"]], "account"
    )
    assert _rows(client, "/customers/accounts?q=acme&sort=-name", "account") == _ids(
        [a["pacme"], a["acme_prefix"], a["acme"]], "account"
    )


def test_search_form_keeps_only_a_chosen_sort(client, login_as, book):
    owner, _a, _c = book
    login_as(user=owner)
    sort = "//input[@name='sort']/@value"
    assert parse(client.get("/customers/contacts")).xpath(sort) == []
    assert parse(client.get("/customers/contacts?sort=-name")).xpath(sort) == ["-name"]


def test_long_lists_say_more_than_until_asked_to_count(app, client, login_as, book):
    owner, _a, _c = book
    login_as(user=owner)
    app.config["LIST_COUNT_LIMIT"] = 3
    try:
        response = client.get("/customers/accounts")
        assert "more than 3" in _text(parse(response).xpath("//nav[@class='pager']")[0])
        href = by_id(response, "count-exactly").get("href")
        assert "exact=1" in href
        assert len(_row_ids(response, "account")) == 6  # the page itself is whole
        response = client.get(href)
        assert "6 in all" in _text(parse(response).xpath("//*[contains(@class, 'pager')]")[0])
        assert by_id(response, "count-exactly") is None
    finally:
        app.config["LIST_COUNT_LIMIT"] = 10_000


def test_capped_list_still_pages(app, client, login_as, book):
    owner, _a, _c = book
    login_as(user=owner)
    app.config.update(LIST_COUNT_LIMIT=2, PER_PAGE=2)
    try:
        seen = []
        for page in (1, 2, 3):
            response = client.get(f"/customers/accounts?page={page}")
            seen += _row_ids(response, "account")
            has_next = bool(parse(response).xpath("//nav[@class='pager']//a[@rel='next']"))
            assert has_next == (page < 3)
        assert len(seen) == len(set(seen)) == 6
    finally:
        app.config.update(LIST_COUNT_LIMIT=10_000, PER_PAGE=25)


@pytest.mark.parametrize(
    "url",
    [
        "/customers/accounts?q=华信科技",
        "/customers/accounts?q=华信",
        "/customers/accounts",
        "/customers/contacts?q=王伟强",
        "/customers/contacts?q=1234-56",
    ],
)
def test_whole_company_search_statements_are_few_and_flat(client, login_as, book, url):
    owner, _a, _c = book
    login_as(role="admin")
    small = statements(client, url, {})
    for n in range(12):
        account = make_account(owner=owner, name=f"华信科技分公司 {n}", phone=f"139 1234 56{n:02d}")
        make_contact(account, name=f"王伟强{n}", phone=f"139 1234 56{n:02d}")
    _db.session.flush()
    large = statements(client, url, {})
    assert_few_and_flat(url, small, large, "8 vs 20 accounts")
