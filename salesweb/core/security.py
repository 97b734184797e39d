"""Route access declarations, security headers and the session cookie policy."""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request, Response, abort, current_app, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, logout_user

from salesweb.extensions import htmx

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed_in"  # any active user, whatever the role
ROLES = ("admin", "manager", "rep", "compliance")

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def access(*rules: str) -> Callable:
    """Declare who may call a route: PUBLIC, SIGNED_IN or role names. Every route must say."""
    unknown = set(rules) - {PUBLIC, SIGNED_IN, *ROLES}
    if not rules or unknown:
        raise ValueError(f"unknown access rule(s): {sorted(unknown) or 'none given'}")

    def decorate(view: Callable) -> Callable:
        view.access_rules = frozenset(rules)  # type: ignore[attr-defined]
        return view

    return decorate


def declared_rules(app: Flask, endpoint: str) -> frozenset[str] | None:
    """The access rules a route declared, or None when it declared none."""
    if endpoint == "static":
        return frozenset({PUBLIC})
    view = app.view_functions.get(endpoint)
    return getattr(view, "access_rules", None)


def allowed(rules: frozenset[str], user: Any) -> bool:
    if PUBLIC in rules:
        return True
    if not user.is_authenticated:
        return False
    return SIGNED_IN in rules or user.role in rules


def enforce_access() -> Response | None:
    """before_request: refuse a request the route's declaration does not allow."""
    if request.endpoint is None:
        return None  # 404/405 answered by the router
    rules = declared_rules(current_app, request.endpoint)
    if rules is None:
        # A route without a declaration is a programming error: refuse rather than guess.
        current_app.logger.error("route %s declares no access rule", request.endpoint)
        abort(403)
    if allowed(rules, current_user):
        return None
    if not current_user.is_authenticated:
        login_url = url_for(
            "auth.login", next=request.full_path if request.method == "GET" else None
        )
        if htmx:
            response = Response("", 401)
            response.headers["HX-Redirect"] = login_url
            return response
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    abort(403)


def set_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure whenever the request came over TLS (directly or via proxy)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        secure = bool(app.config["SESSION_COOKIE_SECURE"])
        try:
            req: Request = request._get_current_object()  # type: ignore[attr-defined]
        except RuntimeError:
            return secure
        return secure or req.is_secure


def safe_next(target: str | None) -> str | None:
    """Only same-site paths may be redirected to (after sign-in, after a language switch).

    Browsers and werkzeug drop tabs and newlines from a URL and read a backslash as a slash,
    so "/<tab>/evil.example" would become "//evil.example" on the way out: anything holding a
    control character, a space of any kind or a backslash is refused, then the rest must
    parse (as werkzeug parses it) without a scheme or a host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


SEEN_KEY = "_seen"  # when the signed-in session was last used, in the signed cookie


def expire_idle_session() -> None:
    """before_request: sign out a session unused for SALESWEB_SESSION_IDLE_HOURS.

    The time of last use rides in the signed session cookie, refreshed at most once a minute
    (not on every response), and is judged here on the server, whatever the cookie's expiry."""
    if request.endpoint == "static":
        return  # a page counts as use; its stylesheets need not re-send the cookie
    if "_user_id" not in session:
        session.pop(SEEN_KEY, None)
        return
    now = int(time.time())
    seen = session.get(SEEN_KEY)
    if (
        isinstance(seen, int)
        and now - seen > current_app.config["SALESWEB_SESSION_IDLE_HOURS"] * 3600
    ):
        logout_user()
        session.pop(SEEN_KEY, None)
    elif not isinstance(seen, int) or now - seen >= 60:
        session[SEEN_KEY] = now
