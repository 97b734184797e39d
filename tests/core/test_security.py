"""Security headers, health check, safe redirects and the cookie policy."""

from sqlalchemy.exc import OperationalError

from salesweb.core.security import safe_next
from tests.conftest import parse


def test_security_headers_on_pages_errors_and_static(client):
    for url in ("/auth/login", "/no-such-page", "/static/css/app.css", "/healthz"):
        response = client.get(url)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        response.close()


def test_no_inline_script_or_hx_on_in_pages(client, login_as):
    login_as("admin")
    for url in ("/", "/auth/users", "/auth/teams", "/auth/audit", "/auth/users/new"):
        response = client.get(url)
        body = response.get_data(as_text=True)
        assert "<script>" not in body and "hx-on" not in body, url
        tree = parse(response)
        for script in tree.iter("script"):
            assert script.get("src", "").startswith("/static/"), url
        for attr in ("src", "href", "action"):
            for value in tree.xpath(f"//@{attr}"):
                assert not value.startswith(("http:", "https:", "//")), (url, value)


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200


def test_healthz_reports_database_down(client, db, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("down"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503


def test_safe_next_accepts_only_local_paths():
    assert safe_next("/auth/users?page=2") == "/auth/users?page=2"
    assert safe_next("/customers/accounts?q=客户") == "/customers/accounts?q=客户"
    for bad in ("https://evil.example", "//evil.example", "/\\evil", "", None, "javascript:x"):
        assert safe_next(bad) is None
    # What werkzeug and browsers strip or rewrite must not open a way out.
    for bad in ("/\t/evil.example", "/\n/x", "/\r/x", "/\u3000/x", "/\u200b/x", "/a b"):
        assert safe_next(bad) is None


def test_session_cookie_flags(client, db):
    from tests.factories import PASSWORD, make_user

    make_user(email="cookie@example.com")
    db.session.commit()
    response = client.post(
        "/auth/login", data={"email": "cookie@example.com", "password": PASSWORD}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_secure_over_tls(client, db):
    from tests.factories import PASSWORD, make_user

    make_user(email="tls@example.com")
    db.session.commit()
    response = client.post(
        "/auth/login",
        data={"email": "tls@example.com", "password": PASSWORD},
        base_url="https://localhost",
    )
    assert "Secure" in response.headers["Set-Cookie"]
