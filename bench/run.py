"""Measure the server time and SQL statements of the busiest customer and pipeline pages.

    DATABASE_URL=sqlite:////tmp/bench.sqlite .venv/bin/python bench/run.py
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_pg .venv/bin/python bench/run.py

Run it on a database built by bench/seed.py. The Flask test client signs in as a rep and as a
manager of the first bench team and requests each page `--warmup` times, then `-n` times; the
server time is the wall time around client.get (one process, one connection), and every SQL
statement the request sends is counted (BEGIN, which only SQLite sends, is left out). A page
that does not answer 200 is reported with its status instead of timed. The table is printed and
written to bench/results/<db>.md (git-ignored).

Targets (2-core machine), at most 12 statements per request everywhere:
customer pages p50 <= 25 ms and p95 <= 60 ms; the board p50 <= 40 ms; the deal list and the deal
page p50 <= 25 ms (the pipeline targets set no p95).
"""

from __future__ import annotations

import argparse
import contextvars
import math
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

P50_TARGET_MS = 25.0
P95_TARGET_MS = 60.0
BOARD_P50_TARGET_MS = 40.0
STATEMENT_TARGET = 12
HX = {"HX-Request": "true"}
AREAS = ("customers", "pipeline", "goals")


@dataclass
class Page:
    label: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    p50_target: float = P50_TARGET_MS
    p95_target: float | None = P95_TARGET_MS


@dataclass
class Result:
    page: Page
    role: str
    status: int
    times_ms: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    slowest_sql: tuple[float, str, Any] | None = None

    def pct(self, p: float) -> float:
        """Nearest-rank percentile of the measured times."""
        ordered = sorted(self.times_ms)
        return ordered[max(0, math.ceil(p * len(ordered)) - 1)]

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.times_ms)

    @property
    def misses(self) -> list[str]:
        if not self.ok:
            return []
        out = []
        if self.pct(0.5) > self.page.p50_target:
            out.append("p50")
        if self.page.p95_target is not None and self.pct(0.95) > self.page.p95_target:
            out.append("p95")
        if max(self.statements) > STATEMENT_TARGET:
            out.append("statements")
        return out


class StatementLog:
    """Counts the statements of one request and remembers the slowest one."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.reset()
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def reset(self) -> None:
        self.count = 0
        self.slowest: tuple[float, str, Any] | None = None
        self._started = 0.0

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self._started = time.perf_counter()
        if statement.strip().upper() != "BEGIN":
            self.count += 1

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        took = (time.perf_counter() - self._started) * 1000
        if self.slowest is None or took > self.slowest[0]:
            self.slowest = (took, statement, parameters)

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


def _pick_users(db: Any) -> dict[str, Any]:
    """The rep and manager of the first bench team (or, on another database, the busiest ones)."""
    from salesweb.auth.models import User
    from salesweb.customers.models import Account

    users = {}
    for role, email in (
        ("rep", "bench.rep01.01@example.com"),
        ("manager", "bench.mgr01@example.com"),
    ):
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            owned = (
                select(Account.owner_id, func.count().label("n"))
                .group_by(Account.owner_id)
                .subquery()
            )
            user = db.session.scalar(
                select(User)
                .join(owned, owned.c.owner_id == User.id)
                .where(User.role == role, User.active.is_(True))
                .order_by(owned.c.n.desc())
                .limit(1)
            )
        if user is not None:
            users[role] = user
    return users


def _pages_for(db: Any, user: Any, has_timeline: bool) -> list[Page]:
    """The pages to time for one user, with a region, a search term and a busy account of theirs."""
    from salesweb.customers.models import Account, Interaction
    from salesweb.customers.permissions import scope_accounts

    visible = scope_accounts(select(Account.id), user).subquery()
    region = db.session.scalar(
        scope_accounts(select(Account.region), user)
        .where(Account.type == "customer")
        .group_by(Account.region)
        .order_by(func.count().desc(), Account.region)
        .limit(1)
    )
    name = db.session.scalar(
        scope_accounts(select(Account.name), user).order_by(Account.id).limit(1)
    )
    term = _search_word(name or "")
    busiest = db.session.scalar(
        select(Interaction.account_id)
        .where(Interaction.account_id.in_(select(visible.c.id)))
        .group_by(Interaction.account_id)
        .order_by(func.count().desc(), Interaction.account_id)
        .limit(1)
    )
    interactions = db.session.scalar(
        select(func.count()).select_from(Interaction).where(Interaction.account_id == busiest)
    )
    pages = [
        Page("account list, first page", "/customers/accounts"),
        Page(
            f"account list, filtered (region {region})",
            f"/customers/accounts?type=customer&region={region}&sort=-last&page=3",
        ),
        Page(f"live search ({term})", f"/customers/accounts?q={term}", dict(HX)),
        Page(f"account page ({interactions} interactions)", f"/customers/accounts/{busiest}"),
    ]
    if has_timeline:
        pages.append(
            Page(
                "timeline fragment, page 2",
                f"/customers/accounts/{busiest}/timeline?page=2",
                dict(HX),
            )
        )
    pages.append(Page("my tasks", "/customers/tasks"))
    return pages


def _pipeline_pages(db: Any, user: Any) -> list[Page]:
    """The board, the deal list (first page and a filtered one) and the deal page of the user's
    deal with the most quotes (then the most stage changes)."""
    from salesweb.pipeline.models import Deal, Quote, StageHistory
    from salesweb.pipeline.permissions import scope_deals

    visible = scope_deals(select(Deal.id), user).subquery()
    quotes = (
        select(Quote.deal_id, func.count().label("n"))
        .where(Quote.deal_id.in_(select(visible.c.id)), Quote.deleted_at.is_(None))
        .group_by(Quote.deal_id)
        .subquery()
    )
    history = (
        select(StageHistory.deal_id, func.count().label("n"))
        .where(StageHistory.deal_id.in_(select(quotes.c.deal_id)))
        .group_by(StageHistory.deal_id)
        .subquery()
    )
    busiest = db.session.execute(
        select(quotes.c.deal_id, quotes.c.n, history.c.n)
        .join(history, history.c.deal_id == quotes.c.deal_id)
        .order_by(quotes.c.n.desc(), history.c.n.desc(), quotes.c.deal_id)
        .limit(1)
    ).first()
    board = dict(p50_target=BOARD_P50_TARGET_MS, p95_target=None)
    deals = dict(p50_target=P50_TARGET_MS, p95_target=None)
    open_deals = db.session.scalar(
        scope_deals(select(func.count(Deal.id)), user).where(Deal.status == "open")
    )
    pages = [
        Page(f"board ({open_deals:,} open deals)", "/pipeline/board", **board),
        Page("deal list, first page", "/pipeline/deals", **deals),
        Page("deal list, filtered", "/pipeline/deals?min=1000&sort=-amount&page=2", **deals),
    ]
    if busiest is not None:
        deal_id, n_quotes, n_history = busiest
        label = f"deal page ({n_quotes} quotes, {n_history} stage rows)"
        pages.append(Page(label, f"/pipeline/deals/{deal_id}", **deals))
    return pages


def _search_word(name: str) -> str:
    """A word people would type: the trade name of a Chinese company, the first word otherwise."""
    if any("\u4e00" <= ch <= "\u9fff" for ch in name):
        return name[2:4]
    return name.split()[0].lower()[:6] if name.split() else "a"


def _has_timeline_route(app: Any) -> bool:
    return any(
        rule.rule.startswith("/customers/accounts/<") and rule.rule.endswith("/timeline")
        for rule in app.url_map.iter_rules()
    )


def _has_deals(db: Any) -> bool:
    from salesweb.pipeline.models import Deal

    return db.session.scalar(select(Deal.id).limit(1)) is not None


def plan(app: Any, db: Any, areas: tuple[str, ...] = AREAS) -> list[tuple[str, str, list[Page]]]:
    """Who signs in and which pages they ask for: (role, session user id, pages)."""
    users = _pick_users(db)
    if not users:
        raise SystemExit("No rep or manager found: build the data with bench/seed.py first.")
    has_timeline = _has_timeline_route(app)
    if "pipeline" in areas and not _has_deals(db):
        print(
            "No deals: the pipeline pages are left out (bench/seed.py --pipeline-only adds them)."
        )
        areas = tuple(a for a in areas if a != "pipeline")
    out = []
    for role, user in users.items():
        pages = _pages_for(db, user, has_timeline) if "customers" in areas else []
        if "pipeline" in areas:
            pages += _pipeline_pages(db, user)
        out.append((role, user.get_id(), pages))
    if "goals" in areas:
        out += goals_plan(db, users)
    return out


# --- goals (h1): attainment of a manager's team and of the whole company ------------------------
GOALS_P50_TARGET_MS = 40.0  # the workbench and a manager's attainment page
COMPANY_GOALS_P50_TARGET_MS = 100.0  # a director's (administrator's) whole-company attainment


def goals_plan(db: Any, users: dict[str, Any]) -> list[tuple[str, str, list[Page]]]:
    """The manager's attainment page and team panel, and an administrator's whole-company
    attainment page (for the current quarter, as a person opens them)."""
    from salesweb.auth.models import Role, User

    team = dict(p50_target=GOALS_P50_TARGET_MS, p95_target=None)
    out = []
    if "manager" in users:
        pages = [
            Page("goals: team attainment", "/goals/attainment", **team),
            Page("goals: team attainment panel", "/goals/panels/team", dict(HX), **team),
        ]
        out.append(("manager", users["manager"].get_id(), pages))
    admin = db.session.scalar(
        select(User).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id)
    )
    if admin is not None:
        company = dict(p50_target=COMPANY_GOALS_P50_TARGET_MS, p95_target=None)
        pages = [Page("goals: whole-company attainment", "/goals/attainment", **company)]
        out.append(("admin", admin.get_id(), pages))
    return out


def measure(app: Any, engine: Any, plans: list, n: int, warmup: int) -> list[Result]:
    """Time every page; call with no app context active, so that each request gets its own."""
    log = StatementLog(engine)
    results = []
    try:
        for role, user_id, pages in plans:
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"] = user_id
                session["_fresh"] = True
            for page in pages:
                results.append(_measure_page(client, log, page, role, n, warmup))
    finally:
        log.close()
    return results


def _get(client: Any, page: Page) -> Any:
    # A fresh context per request, as a real server has: nothing (g, the session's identity
    # map, the signed-in user) carries over from one request to the next.
    return contextvars.Context().run(client.get, page.url, headers=page.headers)


def _measure_page(
    client: Any, log: StatementLog, page: Page, role: str, n: int, warmup: int
) -> Result:
    response = _get(client, page)
    result = Result(page, role, response.status_code)
    if response.status_code != 200:
        location = response.headers.get("Location") or response.headers.get("HX-Redirect") or ""
        print(f"  {role:<8} {page.label:<45} HTTP {response.status_code} {location}", flush=True)
        return result
    for _ in range(max(0, warmup - 1)):
        _get(client, page)
    for _ in range(n):
        log.reset()
        started = time.perf_counter()
        response = _get(client, page)
        result.times_ms.append((time.perf_counter() - started) * 1000)
        result.statements.append(log.count)
        if response.status_code != 200:
            result.status = response.status_code
        if log.slowest and (result.slowest_sql is None or log.slowest[0] > result.slowest_sql[0]):
            result.slowest_sql = log.slowest
    print(
        f"  {role:<8} {page.label:<45} p50 {result.pct(0.5):7.1f} ms  p95 {result.pct(0.95):7.1f} ms"
        f"  statements {max(result.statements)}",
        flush=True,
    )
    return result


def _row_counts(db: Any) -> dict[str, int]:
    counts = {}
    for table in (
        "users",
        "accounts",
        "contacts",
        "interactions",
        "tasks",
        "orders",
        "deals",
        "deal_stage_history",
        "quotes",
        "quote_lines",
    ):
        counts[table] = db.session.scalar(text(f"SELECT count(*) FROM {table}"))
    db.session.rollback()
    return counts


def explain(engine: Any, sql: str, params: Any) -> str:
    """The plan of one statement, as the database would run it."""
    sqlite = engine.dialect.name == "sqlite"
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute(prefix + sql, params or ())
        rows = cursor.fetchall()
        cursor.close()
    return "\n".join(" | ".join(str(c) for c in row) for row in rows)


def table(results: list[Result], db_name: str) -> str:
    lines = [
        "| page | role | db | p50 ms | p95 ms | max statements | status |",
        "| --- | --- | --- | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        if not r.ok:
            lines.append(f"| {r.page.label} | {r.role} | {db_name} | - | - | - | HTTP {r.status} |")
            continue
        note = "ok" if not r.misses else "MISSES " + ", ".join(r.misses)
        lines.append(
            f"| {r.page.label} | {r.role} | {db_name} | {r.pct(0.5):.1f} | {r.pct(0.95):.1f} "
            f"| {max(r.statements)} | {note} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("-n", type=int, default=50, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument(
        "--explain", action="store_true", help="print the plan of each page's slowest statement"
    )
    parser.add_argument(
        "--area",
        choices=("all", *AREAS),
        default="all",
        help="which pages: customers, pipeline, goals or all (default)",
    )
    parser.add_argument("--out", help="results file (default bench/results/<db>.md)")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("set DATABASE_URL or pass --database-url")

    from salesweb import create_app
    from salesweb.extensions import db

    url = make_url(args.database_url)
    options: dict[str, Any] = {"pool_pre_ping": True}
    if url.get_backend_name() != "sqlite":
        options.update(pool_size=1, max_overflow=0)  # one connection, as one worker would have
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": args.database_url, "SQLALCHEMY_ENGINE_OPTIONS": options}
    )
    db_name = "SQLite" if url.get_backend_name() == "sqlite" else "PostgreSQL"
    print(f"{db_name}: {args.n} requests per page after {args.warmup} warm-ups", flush=True)
    with app.app_context():
        plans = plan(app, db, AREAS if args.area == "all" else (args.area,))
        counts = _row_counts(db)
        engine = db.engine
        db.session.remove()
    results = measure(app, engine, plans, args.n, args.warmup)
    report = table(results, db_name)
    print()
    print(report)
    explained = []
    for r in results:
        if r.ok and r.slowest_sql:
            took, sql, params = r.slowest_sql
            summary = " ".join(sql.split())[:160]
            print(f"\nslowest statement of '{r.page.label}' ({r.role}): {took:.1f} ms\n  {summary}")
            if args.explain:
                plan_text = explain(engine, sql, params)
                print(plan_text)
                explained.append(
                    f"### {r.page.label} ({r.role}), {took:.1f} ms\n\n```\n{sql}\n\n{plan_text}\n```"
                )
    engine.dispose()

    out = (
        Path(args.out) if args.out else ROOT / "bench" / "results" / f"{url.get_backend_name()}.md"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    header = [
        f"# Benchmark on {db_name}",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {args.n} requests per page after {args.warmup} warm-ups.",
        "",
        "Rows: " + ", ".join(f"{name} {count:,}" for name, count in counts.items()),
        "",
        f"Targets: at most {STATEMENT_TARGET} statements per request (BEGIN not counted); "
        f"customer pages p50 <= {P50_TARGET_MS:.0f} ms and p95 <= {P95_TARGET_MS:.0f} ms; "
        f"board p50 <= {BOARD_P50_TARGET_MS:.0f} ms; deal list and deal page "
        f"p50 <= {P50_TARGET_MS:.0f} ms.",
        "",
        "",
    ]
    out.write_text(
        "\n".join(header)
        + report
        + "\n"
        + ("\n\n" + "\n\n".join(explained) + "\n" if explained else "")
    )
    print(f"\nwritten to {out}")
    return 0 if all(r.ok and not r.misses for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
