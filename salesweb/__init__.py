"""salesweb: the sales-management system for small teams."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, get_flashed_messages, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from salesweb.config import INSTANCE, ROOT, Config, config_from_env
from salesweb.core.transactions import sqlite_begin
from salesweb.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL and foreign keys on every SQLite connection (the busy timeout: _sqlite_options)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        # Let SQLAlchemy issue BEGIN itself so SAVEPOINTs and rollbacks behave.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        if SQLITE_OPTIMIZE:
            # Planner statistics, as SQLite recommends for long-lived connections: optimize
            # with 0x10002 when the connection opens (3.46+ then checks every table, not only
            # the ones this connection used), and again from time to time (_sqlite_optimize).
            # The analysis limit keeps each ANALYZE to a sample, quick even on a big table.
            cursor.execute("PRAGMA analysis_limit=400")
            cursor.execute("PRAGMA optimize=0x10002")
            _record.info["optimized_at"] = time.monotonic()
        cursor.close()


# A pooled connection lives as long as the process: every so often, when it goes back to the
# pool (between requests, outside any transaction), PRAGMA optimize re-analyzes the tables this
# connection used whose size changed a lot since their last ANALYZE; usually it does nothing.
SQLITE_OPTIMIZE_SECONDS = 3600
# Off unless SALESWEB_SQLITE_OPTIMIZE=1: with statistics, SQLite rates `deleted_at IS NULL` as
# picking ~2 rows (the average per value of a soft-delete column) and walks the single-column
# deleted_at indexes: the account page's timeline took 3-4 s on the bench data. Queries that
# wrap that test in core.pagination.live() keep their plans; the rest must before this is on.
SQLITE_OPTIMIZE = os.environ.get("SALESWEB_SQLITE_OPTIMIZE") == "1"


@event.listens_for(Engine, "checkin")
def _sqlite_optimize(dbapi_connection: Any, record: Any) -> None:
    if not SQLITE_OPTIMIZE or dbapi_connection is None:
        return
    if not type(dbapi_connection).__module__.startswith("sqlite3"):
        return
    if time.monotonic() - record.info.get("optimized_at", 0) < SQLITE_OPTIMIZE_SECONDS:
        return
    record.info["optimized_at"] = time.monotonic()
    dbapi_connection.execute("PRAGMA optimize")


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn: Any) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(sqlite_begin())


def create_app(config: Config | Mapping[str, Any] | None = None) -> Flask:
    """Build the application: extensions, blueprints, CLI and template globals."""
    app = Flask(
        __name__,
        instance_path=str(INSTANCE),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    if config is None:
        config = config_from_env()
    if isinstance(config, Mapping):
        base = Config()
        app.config.from_object(base)
        app.config.update(config)
    else:
        app.config.from_object(config)
    if app.config.get("SALESWEB_PROXY_COUNT"):
        count = app.config["SALESWEB_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]

    _sqlite_options(app)
    from salesweb.core.params import IdConverter

    # Before any blueprint adds its rules: every <int:...> becomes a bounded ASCII id.
    app.url_map.converters["int"] = IdConverter
    _init_extensions(app)
    _register_blueprints(app)
    _init_jobs(app)
    _register_request_hooks(app)
    _register_template_globals(app)
    _freeze_startup_objects(app)
    return app


_frozen = False


def _freeze_startup_objects(app: Flask) -> None:
    """Move what start-up built (modules, classes, mappers, the catalogs) out of the garbage
    collector's sight, once per process: they live as long as the process, yet every full
    collection during a request walked them all. On the bench (bench/README.md) the full
    collections of a run took 17x less time, the longest from seconds to a fifth of one."""
    global _frozen
    if _frozen or not app.config.get("SALESWEB_GC_FREEZE"):
        return
    gc.collect()
    gc.freeze()
    _frozen = True


def _sqlite_options(app: Flask) -> None:
    """On SQLite, a writer waits up to SALESWEB_SQLITE_BUSY_SECONDS for the writers ahead of it."""
    if not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = {**options.get("connect_args", {})}
    connect_args["timeout"] = app.config["SALESWEB_SQLITE_BUSY_SECONDS"]
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "connect_args": connect_args}


def _init_extensions(app: Flask) -> None:
    from salesweb.core import audit
    from salesweb.core.i18n import select_locale, select_timezone
    from salesweb.core.security import SessionInterface

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    htmx.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    app.session_interface = SessionInterface()
    from sqlalchemy.orm import Session

    audit.install(Session)

    @login_manager.user_loader
    def load_user(token: str):
        from salesweb.auth.models import User
        from salesweb.core.params import parse_id

        raw_id, _, session_token = token.partition(":")
        user_id = parse_id(raw_id)
        if user_id is None:
            return None
        user = db.session.get(User, user_id)
        if user is None or not user.active or user.session_token != session_token:
            return None
        return user


def _register_blueprints(app: Flask) -> None:
    from salesweb import auth, compliance, core, customers, goals, pipeline, surveys, training
    from salesweb.core import cli, errors

    app.register_blueprint(core.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(customers.bp)
    app.register_blueprint(pipeline.bp)
    app.register_blueprint(compliance.bp)
    app.register_blueprint(surveys.bp)
    app.register_blueprint(surveys.public_bp)
    app.register_blueprint(training.bp)
    app.register_blueprint(goals.bp)
    errors.register(app)
    cli.register(app)


def _init_jobs(app: Flask) -> None:
    """The job queue, once every area has declared its jobs (core.jobs)."""
    from salesweb.core import jobs

    jobs.init_app(app)


def _register_request_hooks(app: Flask) -> None:
    from salesweb.core.backup import hold_serving_lock
    from salesweb.core.params import refuse_nul_bytes
    from salesweb.core.security import enforce_access, expire_idle_session, set_security_headers

    app.before_request(hold_serving_lock)
    app.before_request(expire_idle_session)
    app.before_request(enforce_access)
    app.before_request(refuse_nul_bytes)

    @app.after_request
    def after(response):
        set_security_headers(response)
        _append_toasts(response)
        return response


def _append_toasts(response) -> None:
    """After an htmx request, deliver pending flash messages as an out-of-band toast swap."""
    if not htmx or response.mimetype != "text/html" or response.direct_passthrough:
        return
    if response.status_code in (204, 301, 302, 303) or "HX-Redirect" in response.headers:
        return
    if "HX-Location" in response.headers:
        return
    messages = get_flashed_messages(with_categories=True)
    if messages:
        oob = render_template("_macros/toasts_oob.html", messages=messages)
        response.set_data(response.get_data(as_text=True) + oob)


def _register_template_globals(app: Flask) -> None:
    """The shell's own globals; each area registers its own (core.shell.register_globals)."""
    from salesweb.core.audit import action_label
    from salesweb.core.history import kind_label
    from salesweb.core.i18n import LOCALE_NAMES, html_lang, register_filters
    from salesweb.core.models import utcnow
    from salesweb.core.money import format_money
    from salesweb.core.navigation import menu
    from salesweb.core.pagination import url_with
    from salesweb.core.panels import panels_for

    register_filters(app)
    app.jinja_env.globals.update(
        html_lang=html_lang,
        locale_names=LOCALE_NAMES,
        format_money=format_money,
        panels_for=panels_for,
        main_menu=menu,
        utcnow=utcnow,
        action_label=action_label,
        kind_label=kind_label,
        url_with=url_with,
    )
    app.jinja_env.filters["money"] = format_money
