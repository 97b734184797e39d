"""Sign-in pages, own account, and user, team and audit administration."""

import time
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from salesweb.auth.models import User
from salesweb.core.models import AuditLog
from tests.conftest import HX, by_id, parse
from tests.factories import PASSWORD, make_team, make_user

GENERIC = "Sign-in failed"


def sign_in(client, email, password=PASSWORD):
    return client.post(
        "/auth/login",
        data={"email": email, "password": password},
        headers={"Accept-Language": "en"},
    )


def test_sign_in_and_out(client, db):
    user = make_user()
    db.session.commit()
    response = sign_in(client, user.email)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.post("/auth/logout").status_code == 303
    assert client.get("/").status_code == 302


HOSTILE_NEXT = [
    "https://evil.example/",
    "//evil.example/phish",
    "/\t/evil.example/phish",
    "/\n/x",
    "/\r/evil.example",
    "/\r\nSet-Cookie: a=b",
    "/\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "https:evil.example",
    "https:/evil.example",
    "/%2F%2Fevil.example",
    "%2F%2Fevil.example",
    "/\u3000/evil.example",
    "/\u00a0/evil.example",
    "/\u200b/evil.example",
    " //evil.example",
    "\t//evil.example",
    "javascript:alert(1)",
]


def assert_stays_on_site(response) -> None:
    assert response.status_code == 303
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc and location.startswith("/")
    assert not location.startswith("//") and "\\" not in location


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_sign_in_never_redirects_off_site(client, db, target):
    user = make_user()
    db.session.commit()
    response = client.post(
        "/auth/login", data={"email": user.email, "password": PASSWORD, "next": target}
    )
    assert_stays_on_site(response)


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_language_switch_never_redirects_off_site(client, target):
    response = client.post("/auth/locale", data={"locale": "en", "next": target})
    assert_stays_on_site(response)


def test_sign_in_follows_only_local_next(client, db):
    user = make_user()
    db.session.commit()
    response = client.post(
        "/auth/login",
        data={"email": user.email, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.headers["Location"] == "/"


def test_wrong_credentials_same_message_whether_email_exists(client, db):
    user = make_user()
    db.session.commit()
    known = sign_in(client, user.email, "wrong-password")
    unknown = sign_in(client, "nobody@example.com", "wrong-password")
    assert known.status_code == unknown.status_code == 422
    known_msg = parse(known).xpath("//div[@class='form-errors']//text()")
    unknown_msg = parse(unknown).xpath("//div[@class='form-errors']//text()")
    assert known_msg == unknown_msg and GENERIC in "".join(known_msg)
    # The typed e-mail is kept; the password is not echoed back.
    assert by_id(known, "email").get("value") == user.email
    assert by_id(known, "password").get("value") in (None, "")


def test_five_wrong_passwords_lock_the_account(client, db):
    user = make_user()
    db.session.commit()
    for _ in range(5):
        sign_in(client, user.email, "wrong-password")
    response = sign_in(client, user.email)
    assert response.status_code == 422
    assert GENERIC in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.is_locked()


def test_sign_in_is_rate_limited_per_address(client, db, app):
    app.config["SALESWEB_LOGIN_LIMIT"] = "3 per minute"
    try:
        codes = [sign_in(client, "nobody@example.com", "x").status_code for _ in range(4)]
    finally:
        app.config["SALESWEB_LOGIN_LIMIT"] = "20 per minute"
    assert codes[:3] == [422, 422, 422] and codes[3] == 429


def test_deactivated_user_cannot_sign_in_and_is_signed_out(client, login_as, db):
    user = login_as("rep")
    assert client.get("/").status_code == 200
    user.active = False
    db.session.commit()
    assert client.get("/").status_code == 302
    assert sign_in(client, user.email).status_code == 422


def test_password_change_ends_other_sessions(app, client, db):
    user = make_user()
    db.session.commit()
    other = app.test_client()
    assert sign_in(client, user.email).status_code == 303
    assert sign_in(other, user.email).status_code == 303
    response = client.post(
        "/auth/password",
        data={"current": PASSWORD, "new": "a-new-long-password", "confirm": "a-new-long-password"},
    )
    assert response.status_code == 303
    assert client.get("/").status_code == 200  # this session goes on
    assert other.get("/").status_code == 302  # the other one is over


def test_captured_cookie_no_longer_works_after_sign_out(app, client, db):
    user = make_user()
    db.session.commit()
    assert sign_in(client, user.email).status_code == 303
    captured = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", captured)
    assert thief.get("/").status_code == 200  # the stolen cookie works while signed in
    assert client.post("/auth/logout").status_code == 303
    assert thief.get("/").status_code == 302
    client.set_cookie("session", captured)  # replayed in the same browser too
    assert client.get("/").status_code == 302


def test_sign_out_everywhere_from_preferences(app, client, login_as, db):
    user = login_as("rep")
    other = app.test_client()
    assert sign_in(other, user.email).status_code == 303
    page = client.get("/auth/preferences")
    button = by_id(page, "sign-out-everywhere")
    form = button.getparent()
    assert form.get("action") == "/auth/logout" and form.get("method") == "post"
    assert client.post(form.get("action")).status_code == 303
    assert client.get("/").status_code == 302
    assert other.get("/").status_code == 302
    actions = db.session.scalars(
        select(AuditLog.action).where(AuditLog.record_id == str(user.id))
    ).all()
    assert "signed_out" in actions


def test_sign_out_says_it_ends_every_session(client, login_as):
    login_as("rep")
    page = client.get("/", headers={"Accept-Language": "en"})
    assert by_id(page, "sign-out").get("aria-describedby") == "sign-out-help"
    assert "every device" in by_id(page, "sign-out-help").text_content()


def _last_used(client, hours_ago: float) -> None:
    with client.session_transaction() as session:
        session["_seen"] = int(time.time() - hours_ago * 3600)


def test_idle_session_is_signed_out(app, client, login_as):
    login_as("rep")
    _last_used(client, 11)
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        assert time.time() - session["_seen"] < 60  # use refreshed it
    _last_used(client, 12.5)
    response = client.get("/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    with client.session_transaction() as session:
        assert "_user_id" not in session and "_seen" not in session


def test_static_files_leave_the_session_alone(client, login_as):
    login_as("rep")
    _last_used(client, 1)
    response = client.get("/static/css/app.css")
    response.close()
    assert "Set-Cookie" not in response.headers  # last use is refreshed by pages only


def test_idle_hours_are_configurable(app, client, login_as):
    login_as("rep")
    _last_used(client, 2)
    app.config["SALESWEB_SESSION_IDLE_HOURS"] = 1
    try:
        assert client.get("/").status_code == 302
    finally:
        app.config["SALESWEB_SESSION_IDLE_HOURS"] = 12


def test_password_change_errors_next_to_fields(client, login_as):
    login_as("rep")
    response = client.post(
        "/auth/password",
        data={"current": "wrong", "new": "a-new-long-password", "confirm": "different-password"},
    )
    assert response.status_code == 422
    assert by_id(response, "confirm-error") is not None


def test_language_switch_saved_on_user_and_html_lang(client, login_as, db):
    user = login_as("rep", locale="zh_CN")
    page = client.get("/")
    assert parse(page).get("lang") == "zh-CN"
    assert "欢迎" in page.get_data(as_text=True)
    response = client.post("/auth/locale", data={"locale": "en", "next": "/auth/teams"})
    assert response.status_code == 303 and response.headers["Location"] == "/auth/teams"
    db.session.refresh(user)
    assert user.locale == "en"
    page = client.get("/")
    assert parse(page).get("lang") == "en" and "Welcome" in page.get_data(as_text=True)


def test_anonymous_pages_follow_accept_language_then_switcher(client):
    english = client.get("/auth/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert parse(english).get("lang") == "en"
    chinese = client.get("/auth/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert parse(chinese).get("lang") == "zh-CN"
    client.post("/auth/locale", data={"locale": "en"})
    switched = client.get("/auth/login", headers={"Accept-Language": "zh-CN"})
    assert parse(switched).get("lang") == "en"


def test_bad_locale_is_refused(client, login_as):
    login_as("rep")
    assert client.post("/auth/locale", data={"locale": "xx"}).status_code == 400


def test_preferences(client, login_as, db):
    user = login_as("rep")
    response = client.post(
        "/auth/preferences", data={"locale": "zh_CN", "timezone": "Europe/London"}
    )
    assert response.status_code == 303
    db.session.refresh(user)
    assert (user.locale, user.timezone) == ("zh_CN", "Europe/London")
    bad = client.post("/auth/preferences", data={"locale": "zh_CN", "timezone": "Mars/Base"})
    assert bad.status_code == 422 and by_id(bad, "timezone-error") is not None


def user_form(user, **changes):
    data = {
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role,
        "team_id": str(user.team_id or 0),
        "locale": user.locale,
        "timezone": user.timezone,
        "active": "y" if user.active else "",
        "version": str(user.version),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_admin_edits_user_and_finds_audit_row(client, login_as, db):
    login_as("admin")
    team = make_team(name="华东销售部")
    target = make_user(display_name="Old Name")
    db.session.commit()
    response = client.post(
        f"/auth/users/{target.id}",
        data=user_form(target, display_name="New Name", team_id=str(team.id), role="manager"),
    )
    assert response.status_code == 303
    audit_page = client.get("/auth/audit?type=users")
    row = db.session.scalars(
        select(AuditLog).where(AuditLog.record_id == str(target.id)).order_by(AuditLog.id.desc())
    ).first()
    assert row.changes["display_name"] == ["Old Name", "New Name"]
    assert row.changes["role"] == ["rep", "manager"]
    cell = by_id(audit_page, f"audit-{row.id}")
    assert cell is not None and "New Name" in cell.text_content()
    history = client.get(f"/auth/users/{target.id}")
    assert by_id(history, f"audit-{row.id}") is not None


def test_edit_conflict_is_reported(client, login_as, db):
    login_as("admin")
    target = make_user(display_name="Before")
    db.session.commit()
    stale = user_form(target, display_name="Mine")
    target.display_name = "Theirs"
    db.session.commit()
    response = client.post(f"/auth/users/{target.id}", data=stale)
    assert response.status_code == 422
    assert "Someone else changed" in response.get_data(as_text=True)
    db.session.refresh(target)
    assert target.display_name == "Theirs"


def test_create_user_bad_input_keeps_typed_values(client, login_as, db):
    login_as("admin")
    existing = make_user(email="taken@example.com")
    db.session.commit()
    count = db.session.scalar(select(db.func.count()).select_from(User))
    response = client.post(
        "/auth/users/new",
        data={
            "email": existing.email.upper(),
            "display_name": "X" * 121,
            "role": "rep",
            "team_id": "0",
            "locale": "en",
            "timezone": "UTC",
            "password": "short",
        },
    )
    assert response.status_code == 422
    assert by_id(response, "display_name-error") is not None
    response = client.post(
        "/auth/users/new",
        data={
            "email": "TAKEN@example.com",
            "display_name": "Typed Name",
            "role": "rep",
            "team_id": "0",
            "locale": "en",
            "timezone": "UTC",
        },
    )
    assert response.status_code == 422
    assert by_id(response, "email-error") is not None
    assert by_id(response, "display_name").get("value") == "Typed Name"
    bad_role = client.post(
        "/auth/users/new",
        data={
            "email": "new@example.com",
            "display_name": "N",
            "role": "superuser",
            "team_id": "0",
            "locale": "en",
            "timezone": "UTC",
        },
    )
    assert bad_role.status_code == 422 and by_id(bad_role, "role-error") is not None
    assert db.session.scalar(select(db.func.count()).select_from(User)) == count


def test_create_user_then_sign_in(client, login_as, db, app):
    login_as("admin")
    response = client.post(
        "/auth/users/new",
        data={
            "email": "New.Person@example.com",
            "display_name": "New Person",
            "role": "rep",
            "team_id": "0",
            "locale": "en",
            "timezone": "UTC",
            "password": "long-enough-pass",
        },
    )
    assert response.status_code == 303
    fresh = app.test_client()
    assert sign_in(fresh, "new.person@example.com", "long-enough-pass").status_code == 303


def test_reset_password_and_deactivate(client, login_as, db):
    login_as("admin")
    target = make_user()
    db.session.commit()
    short = client.post(f"/auth/users/{target.id}/password", data={"password": "short"})
    assert short.status_code == 422 and by_id(short, "password-error") is not None
    ok = client.post(f"/auth/users/{target.id}/password", data={"password": "reset-to-this-one"})
    assert ok.status_code == 303
    toggle = client.post(f"/auth/users/{target.id}/active")
    assert toggle.status_code == 303
    db.session.refresh(target)
    assert not target.active and target.check_password("reset-to-this-one")


def test_htmx_action_gets_location_not_redirect(client, login_as, db):
    login_as("admin")
    target = make_user()
    db.session.commit()
    response = client.post(f"/auth/users/{target.id}/active", headers=HX)
    assert response.status_code == 204
    assert response.headers["HX-Location"] == f"/auth/users/{target.id}"


def test_user_list_search_sort_and_pagination(client, login_as, db):
    login_as("admin")
    for i in range(30):
        make_user(display_name=f"Zeta {i:02d}")
    make_user(display_name="张三", email="zhangsan@example.com")
    db.session.commit()
    found = client.get("/auth/users?q=张三", headers=HX)
    rows = parse(found).xpath("//tbody/tr")
    assert len(rows) == 1 and "张三" in rows[0].text_content()
    page1 = client.get("/auth/users?q=zeta&sort=-name")
    names = [td.text_content() for td in parse(page1).xpath("//tbody/tr/td[1]")]
    assert names[0] == "Zeta 29" and len(names) == 25
    page2 = client.get("/auth/users?q=zeta&sort=-name&page=2")
    assert len(parse(page2).xpath("//tbody/tr")) == 5
    junk = client.get("/auth/users?page=abc&sort=;drop&team=x")
    assert junk.status_code == 200


def test_teams(client, login_as, db):
    login_as("admin")
    manager = make_user(role="manager", display_name="Boss")
    db.session.commit()
    response = client.post(
        "/auth/teams/new", data={"name": "North", "region": "NA", "manager_id": str(manager.id)}
    )
    assert response.status_code == 303
    db.session.refresh(manager)
    assert manager.team.name == "North"
    dup = client.post("/auth/teams/new", data={"name": "north", "region": "", "manager_id": "0"})
    assert dup.status_code == 422 and by_id(dup, "name-error") is not None
    listing = client.get("/auth/teams")
    assert by_id(listing, f"team-{manager.team_id}") is not None


def test_audit_filters(client, login_as, db):
    admin = login_as("admin")
    make_team(name="Filtered team")
    db.session.commit()
    response = client.get("/auth/audit?actor=system&type=teams&from=2000-01-01&to=2999-12-31")
    assert response.status_code == 200
    assert parse(response).xpath("//tbody/tr")
    none = client.get(f"/auth/audit?actor={admin.email}&type=teams")
    assert not parse(none).xpath("//tbody/tr")
    bad_dates = client.get("/auth/audit?from=yesterday&to=2026-13-45")
    assert bad_dates.status_code == 200
