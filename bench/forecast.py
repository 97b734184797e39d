"""Measure the forecast pages on the bench database (bench/seed.py): a manager of a bench team
(20 people with the default --users 200 --teams 10) and an administrator (the director).

    DATABASE_URL=sqlite:////tmp/bench.sqlite .venv/bin/python bench/forecast.py
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_pg .venv/bin/python bench/forecast.py

It reuses bench/run.py's measurement (server time around the test client's request, every SQL
statement counted). The bench data has no administrator and no forecast: one administrator and a
submission per person for the current quarter are added first (once), so the pages show numbers.
Targets: at most 12 statements per request; p50 <= 40 ms for the manager's pages and <= 100 ms
for the company page (the issue's targets for the comparable attainment pages).
"""

from __future__ import annotations

import argparse
import os
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.run import Page, measure, table  # noqa: E402

MANAGER = "bench.mgr01@example.com"
ADMIN = "bench.admin@example.com"


def _page(label: str, url: str, **targets) -> Page:
    """A page whose key (what --baseline matches on in bench/run.py) is its label."""
    return Page(label, label, url, **targets)


def _prepare(db) -> tuple[object, object]:
    """The manager and the administrator; the administrator and the quarter's submissions are
    added when missing."""
    from salesweb.auth.models import Role, User
    from salesweb.core.models import today
    from salesweb.goals import queries
    from salesweb.goals.models.forecast import ForecastSubmission
    from salesweb.goals.periods import Period, PeriodKind

    manager = db.session.scalar(select(User).where(User.email == MANAGER))
    if manager is None:
        raise SystemExit("No bench manager: build the data with bench/seed.py first.")
    admin = db.session.scalar(select(User).where(User.email == ADMIN))
    if admin is None:
        admin = User(email=ADMIN, display_name="Bench Admin", role=Role.ADMIN, locale="zh_CN")
        admin.set_password("bench-pass-2026")
        db.session.add(admin)
    quarter = Period.containing(today(), PeriodKind.QUARTER)
    if not db.session.scalar(select(func.count()).select_from(ForecastSubmission)):
        for person in queries.forecast_members(t.id for t in queries.forecast_teams(admin)):
            db.session.add(
                ForecastSubmission(
                    period_key=quarter.key,
                    owner_id=person.id,
                    amount=Decimal(100000 + person.id),
                    currency="CNY",
                    submitted_by_id=person.id,
                )
            )
    db.session.commit()
    return manager, admin


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("-n", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("set DATABASE_URL or pass --database-url")

    from salesweb import create_app
    from salesweb.extensions import db

    url = make_url(args.database_url)
    options: dict = {"pool_pre_ping": True}
    if url.get_backend_name() != "sqlite":
        options.update(pool_size=1, max_overflow=0)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": args.database_url, "SQLALCHEMY_ENGINE_OPTIONS": options}
    )
    with app.app_context():
        manager, admin = _prepare(db)
        plans = [
            (
                "manager",
                manager.get_id(),
                [
                    _page(
                        "team forecast (20 people)",
                        "/goals/forecast/team",
                        p50_target=40,
                        p95_target=None,
                    ),
                    _page("my forecast", "/goals/forecast", p50_target=40, p95_target=None),
                    _page(
                        "team chart (fragment)",
                        "/goals/forecast/team/chart",
                        p50_target=1000,
                        p95_target=None,
                    ),
                    _page(
                        "forecast history",
                        "/goals/forecast/history",
                        p50_target=40,
                        p95_target=None,
                    ),
                    _page(
                        "forecast to review (panel)", "/goals/forecast/panel/review", p50_target=40
                    ),
                ],
            ),
            (
                "admin",
                admin.get_id(),
                [
                    _page(
                        "company forecast",
                        "/goals/forecast/company",
                        p50_target=100,
                        p95_target=None,
                    )
                ],
            ),
        ]
        engine = db.engine
        db.session.remove()
    results = measure(app, engine, plans, args.n, args.warmup)
    print()
    print(table(results, "SQLite" if url.get_backend_name() == "sqlite" else "PostgreSQL"))
    for r in results:
        if r.ok and r.slowest_sql:
            took, sql, _params = r.slowest_sql
            print(f"\nslowest of '{r.page.label}': {took:.1f} ms\n  {' '.join(sql.split())[:300]}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
