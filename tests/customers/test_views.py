"""Customers pages: page vs fragment, scope, bad input, pool, tasks, orders."""

from datetime import timedelta

from sqlalchemy import func, select

from salesweb.core.models import utcnow
from salesweb.customers.models import Account, Interaction, Task
from tests.conftest import HX, by_id, parse
from tests.factories import (
    make_account,
    make_contact,
    make_interaction,
    make_task,
    make_team,
    make_user,
)

EN = {"Accept-Language": "en"}


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_account_list_page_and_live_search_fragment(client, login_as, db):
    rep = login_as("rep")
    make_account(owner=rep, name="杭州云帆科技有限公司")
    make_account(owner=rep, name="Northwind Traders", phone="+86 138 0013 8000")
    make_account(owner=make_user(), name="Someone else's 云帆")
    db.session.commit()
    page = client.get("/customers/accounts")
    assert "<html" in page.get_data(as_text=True)
    assert len(parse(page).xpath("//table[@id='account-table']/tbody/tr")) == 2
    fragment = client.get("/customers/accounts?q=云帆", headers=HX)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "杭州云帆科技有限公司" in body and "Someone else" not in body
    assert "HX-Request" in fragment.headers["Vary"]
    by_phone = client.get("/customers/accounts?q=13800138000", headers=HX)
    assert "Northwind" in by_phone.get_data(as_text=True)
    assert "No account matches" in client.get(
        "/customers/accounts?q=zzz", headers={**HX, **EN}
    ).get_data(as_text=True)


def test_account_list_filters_and_sort(client, login_as, db):
    admin = login_as("admin")
    make_account(name="B corp", type="customer", region="East", tags=",vip,")
    make_account(name="A corp", type="customer", region="East")
    make_account(name="C corp", type="prospect", region="West")
    db.session.commit()
    rows = parse(client.get("/customers/accounts?type=customer&region=East&sort=-name")).xpath(
        "//table[@id='account-table']/tbody/tr/td[1]/a/text()"
    )
    assert rows == ["B corp", "A corp"]
    tagged = parse(client.get("/customers/accounts?tag=vip")).xpath(
        "//table[@id='account-table']/tbody/tr"
    )
    assert len(tagged) == 1
    junk = client.get(
        "/customers/accounts?type=zzz&sort=drop&owner=;&last_before=yesterday&page=-1"
    )
    assert junk.status_code == 200 and admin


def test_other_reps_account_is_404_and_leaks_nothing(client, login_as, db):
    login_as("rep")
    other = make_account(owner=make_user(), name="Secret Co")
    db.session.commit()
    for url in (
        f"/customers/accounts/{other.id}",
        f"/customers/accounts/{other.id}/edit",
        f"/customers/accounts/{other.id}/timeline",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Secret Co" not in response.get_data(as_text=True)
    assert client.post(f"/customers/accounts/{other.id}/delete").status_code == 404


def test_manager_sees_team_and_compliance_reads_only(client, login_as, db):
    team = make_team()
    rep = make_user(team=team)
    account = make_account(owner=rep)
    manager = make_user(role="manager", team=team)
    db.session.commit()
    login_as(user=manager)
    assert client.get(f"/customers/accounts/{account.id}").status_code == 200
    login_as("compliance")
    assert client.get(f"/customers/accounts/{account.id}").status_code == 200
    assert client.get(f"/customers/accounts/{account.id}/edit").status_code == 403
    assert client.post(f"/customers/accounts/{account.id}/delete").status_code == 403


def form_data(**overrides):
    data = {
        "name": "深圳星河电子有限公司",
        "type": "prospect",
        "industry": "Electronics",
        "revenue_currency": "CNY",
        "credit_currency": "CNY",
        "owner_id": "0",
        "tags": "vip, 华南",
    }
    data.update(overrides)
    return data


def test_create_account_shows_duplicates_then_saves_anyway(client, login_as, db):
    rep = login_as("rep")
    own = make_account(name="深圳星河电子", owner=rep)
    theirs = make_account(
        name="深圳星河电子", owner=make_user(), phone="0755 8888 1234", email="boss@xinghe.cn"
    )
    db.session.commit()
    before = count(db, Account)
    response = client.post("/customers/accounts/new", data=form_data(), headers=EN)
    assert response.status_code == 422
    box = by_id(response, "duplicates")
    assert box is not None and f"/customers/accounts/{own.id}" in box.xpath(".//a/@href")
    # Another rep's account is named with its owner, without a link or its contact details.
    other = by_id(response, f"duplicate-{theirs.id}")
    assert other is not None and not other.xpath(".//a")
    assert theirs.owner.display_name in other.text_content()
    assert "8888" not in other.text_content() and "xinghe" not in other.text_content()
    assert by_id(response, "name").get("value") == "深圳星河电子有限公司"  # kept what was typed
    assert count(db, Account) == before
    saved = client.post("/customers/accounts/new", data=form_data(confirm_duplicates="yes"))
    assert saved.status_code == 303
    account = db.session.scalar(select(Account).order_by(Account.id.desc()))
    assert account.owner_id == rep.id and account.tag_list == ["vip", "华南"]


def test_create_account_bad_input_is_field_level(client, login_as, db):
    login_as("rep")
    before = count(db, Account)
    response = client.post(
        "/customers/accounts/new",
        headers=EN,
        data=form_data(
            name="x" * 201,
            employees="many",
            annual_revenue="-5",
            email="not-an-email",
            type="alien",
        ),
    )
    assert response.status_code == 422
    for field in ("name", "employees", "annual_revenue", "email", "type"):
        assert by_id(response, f"{field}-error") is not None, field
    assert count(db, Account) == before


def test_manager_cannot_give_account_to_outsider(client, login_as, db):
    team = make_team()
    login_as("manager", team=team)
    outsider = make_user()
    db.session.commit()
    response = client.post(
        "/customers/accounts/new", data=form_data(name="Unique One", owner_id=str(outsider.id))
    )
    assert response.status_code == 422 and by_id(response, "owner_id-error") is not None


def test_user_text_is_escaped(client, login_as, db):
    rep = login_as("rep")
    account = make_account(
        owner=rep, name="<script>alert(1)</script>", notes="<img src=x onerror=alert(1)>"
    )
    db.session.commit()
    body = client.get(f"/customers/accounts/{account.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in body and "<img src=x" not in body
    assert "&lt;script&gt;" in body


def test_edit_conflict(client, login_as, db):
    rep = login_as("rep")
    account = make_account(owner=rep, name="Before")
    db.session.commit()
    stale_version = account.version
    account.name = "Changed by someone"
    db.session.commit()
    response = client.post(
        f"/customers/accounts/{account.id}/edit",
        headers=EN,
        data=form_data(name="Mine", version=str(stale_version)),
    )
    assert response.status_code == 422 and "Someone else changed" in response.get_data(as_text=True)
    db.session.refresh(account)
    assert account.name == "Changed by someone"


def test_delete_and_restore(client, login_as, db):
    rep = make_user()
    account = make_account(owner=rep)
    db.session.commit()
    login_as(user=rep)
    assert client.post(f"/customers/accounts/{account.id}/delete").status_code == 303
    assert client.get(f"/customers/accounts/{account.id}").status_code == 404
    assert account.id not in [
        a.id for a in db.session.scalars(select(Account).where(Account.deleted_at.is_(None)))
    ]
    login_as("admin")
    listing = client.get("/customers/accounts/deleted")
    assert by_id(listing, f"deleted-account-{account.id}") is not None
    assert client.post(f"/customers/accounts/{account.id}/restore").status_code == 303
    db.session.refresh(account)
    assert not account.is_deleted


def test_timeline_filter_and_pages(client, login_as, db):
    rep = login_as("rep")
    account = make_account(owner=rep)
    for i in range(25):
        make_interaction(
            account,
            author=rep,
            kind="call" if i % 2 else "visit",
            occurred_at=utcnow() - timedelta(days=i),
            summary=f"note {i}",
        )
    db.session.commit()
    first = client.get(f"/customers/accounts/{account.id}")
    assert len(parse(first).xpath("//ol[@id='timeline-list']/li")) == 20
    second = client.get(f"/customers/accounts/{account.id}/timeline?page=2", headers=HX)
    assert "<html" not in second.get_data(as_text=True)
    assert len(parse(second).xpath("//li")) == 5
    visits = client.get(f"/customers/accounts/{account.id}/timeline?kind=interaction", headers=HX)
    assert len(parse(visits).xpath("//ol/li")) == 20


def test_timeline_page_opened_without_htmx_lands_on_the_account_page(client, login_as, db):
    rep = login_as("rep")
    account = make_account(owner=rep)
    for i in range(25):
        make_interaction(account, author=rep, occurred_at=utcnow() - timedelta(days=i))
    db.session.commit()
    plain = client.get(f"/customers/accounts/{account.id}/timeline?page=2&kind=interaction")
    assert plain.status_code == 303
    target = plain.headers["Location"]
    assert target.startswith(f"/customers/accounts/{account.id}?")
    assert "page=2" in target and "kind=interaction" in target
    page = client.get(target)
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert len(parse(page).xpath("//ol[@id='timeline-list']/li")) == 5
    newer = parse(page).xpath("//nav[contains(@class, 'pager')]/a/@href")
    assert newer and newer[0].startswith(f"/customers/accounts/{account.id}?")


def test_log_interaction_with_next_task(client, login_as, db):
    rep = login_as("rep")
    account = make_account(owner=rep)
    contact = make_contact(account, name="王芳")
    db.session.commit()
    form = client.get(f"/customers/accounts/{account.id}/interactions/new")
    assert by_id(form, "interaction-form") is not None
    response = client.post(
        f"/customers/accounts/{account.id}/interactions/new",
        data={
            "kind": "call",
            "direction": "outbound",
            "occurred_at": "2026-11-20T10:30",
            "contact_id": str(contact.id),
            "summary": "谈了报价",
            "outcome": "interested",
            "create_task": "y",
            "task_title": "Send the quote",
            "task_due": "2026-11-30T09:00",
            "task_priority": "high",
        },
    )
    assert response.status_code == 303
    task = db.session.scalar(select(Task).where(Task.title == "Send the quote"))
    assert task.owner_id == rep.id and task.contact_id == contact.id
    interaction = db.session.scalar(select(Interaction).where(Interaction.account_id == account.id))
    # 10:30 in Asia/Shanghai is 02:30 UTC
    assert interaction.occurred_at.hour == 2


def test_log_interaction_missing_task_fields(client, login_as, db):
    rep = login_as("rep")
    account = make_account(owner=rep)
    db.session.commit()
    response = client.post(
        f"/customers/accounts/{account.id}/interactions/new",
        headers=EN,
        data={
            "kind": "call",
            "direction": "outbound",
            "occurred_at": "not a date",
            "contact_id": "0",
            "summary": "",
            "create_task": "y",
        },
    )
    assert response.status_code == 422
    for field in ("occurred_at", "summary", "task_title", "task_due"):
        assert by_id(response, f"{field}-error") is not None, field
    assert count(db, Interaction) == 0


def test_my_tasks_overdue_first_done_and_undo(client, login_as, db):
    rep = login_as("rep")
    later = make_task(rep, title="Later", due_at=utcnow() + timedelta(days=3))
    overdue = make_task(rep, title="Overdue", due_at=utcnow() - timedelta(days=1))
    make_task(make_user(), title="Not mine")
    db.session.commit()
    page = client.get("/customers/tasks")
    rows = parse(page).xpath("//table[@id='task-table']/tbody/tr")
    assert [r.get("id") for r in rows] == [f"task-{overdue.id}", f"task-{later.id}"]
    assert "overdue" in rows[0].get("class")
    response = client.post(f"/customers/tasks/{overdue.id}/done", headers=HX)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == '{"taskDone": true}'
    row = parse(response)
    assert row.get("id") == f"task-{overdue.id}" and "done" in row.get("class")
    assert client.post(f"/customers/tasks/{overdue.id}/undo").status_code == 303
    db.session.refresh(overdue)
    assert overdue.done_at is None


def test_cannot_complete_someone_elses_task(client, login_as, db):
    login_as("rep")
    other = make_task(make_user())
    db.session.commit()
    assert client.post(f"/customers/tasks/{other.id}/done").status_code == 404


def test_pool_claim_and_manager_assign(client, login_as, db):
    team = make_team()
    rep = make_user(team=team)
    pooled = make_account(name="Pool Co")
    db.session.commit()
    login_as(user=rep)
    listing = client.get("/customers/pool")
    assert by_id(listing, f"pool-account-{pooled.id}") is not None
    assert client.post(f"/customers/accounts/{pooled.id}/claim").status_code == 303
    db.session.refresh(pooled)
    assert pooled.owner_id == rep.id
    login_as("manager", team=team)
    peer = make_user(team=team)
    db.session.commit()
    assert (
        client.post(
            f"/customers/accounts/{pooled.id}/assign", data={"owner_id": str(peer.id)}
        ).status_code
        == 303
    )
    db.session.refresh(pooled)
    assert pooled.owner_id == peer.id
    outsider = make_user()
    db.session.commit()
    client.post(f"/customers/accounts/{pooled.id}/assign", data={"owner_id": str(outsider.id)})
    db.session.refresh(pooled)
    assert pooled.owner_id == peer.id


def test_notice_of_reclaimed_accounts_at_sign_in(client, db, app):
    from salesweb.customers.models import OwnershipNotice
    from tests.factories import PASSWORD

    rep = make_user()
    account = make_account(name="Gone Co")
    db.session.add(OwnershipNotice(user_id=rep.id, account_id=account.id))
    db.session.commit()
    client.post("/auth/login", data={"email": rep.email, "password": PASSWORD}, headers=EN)
    home = client.get("/", headers=EN)
    assert "Gone Co" in by_id(home, "toasts").text_content()
    assert db.session.scalar(select(OwnershipNotice.seen_at)) is not None


def test_contacts_search_and_edit(client, login_as, db):
    rep = login_as("rep")
    account = make_account(owner=rep)
    contact = make_contact(account, name="王芳", wechat="wangfang88", email="wf@example.com")
    make_contact(make_account(owner=make_user()), name="王芳 twin", wechat="wangfang99")
    db.session.commit()
    found = client.get("/customers/contacts?q=wangfang", headers=HX)
    rows = parse(found).xpath("//tbody/tr")
    assert len(rows) == 1 and rows[0].get("id") == f"contact-{contact.id}"
    bad = client.post(
        f"/customers/contacts/{contact.id}",
        headers=EN,
        data={
            "name": "",
            "email": "broken",
            "preferred_channel": "phone",
            "locale": "zh_CN",
            "version": contact.version,
        },
    )
    assert (
        bad.status_code == 422
        and by_id(bad, "name-error") is not None
        and by_id(bad, "email-error") is not None
    )


def test_order_form(client, login_as, db):
    rep = login_as("rep")
    account = make_account(owner=rep)
    db.session.commit()
    half = client.post(
        f"/customers/accounts/{account.id}/orders/new",
        headers=EN,
        data={
            "ordered_on": "2026-11-01",
            "currency": "CNY",
            "lines-0-product": "GTX Basic",
            "lines-0-quantity": "",
        },
    )
    assert half.status_code == 422 and by_id(half, "lines-0-product-error") is not None
    ok = client.post(
        f"/customers/accounts/{account.id}/orders/new",
        data={
            "ordered_on": "2026-11-01",
            "currency": "CNY",
            "lines-0-product": "GTX Basic",
            "lines-0-quantity": "2",
            "lines-0-unit_price": "550",
        },
    )
    assert ok.status_code == 303
    detail = client.get(ok.headers["Location"], headers=EN)
    assert "1,100.00" in by_id(detail, "order-total").text_content()
    page = client.get(f"/customers/accounts/{account.id}", headers=EN)
    assert "1,100.00" in by_id(page, "account-ltv").text_content()
