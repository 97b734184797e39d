"""Measure the whole-company list and search pages as the bench administrator (issue 14).

    DATABASE_URL=sqlite:////tmp/bench.sqlite .venv/bin/python bench/admin_pages.py
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_pg .venv/bin/python bench/admin_pages.py

The same measurement as bench/run.py (its StatementLog, timing loop and table: one process, one
connection, a fresh context per request), for `bench.admin@example.com`, who sees every account,
contact and deal: the account list, account and contact searches for a Chinese, a Latin, a phone
and an e-mail fragment (and a two-character Chinese name, which no trigram index serves), and
the deal list. Kept apart from run.py so that each can grow on its own.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("bench_run", HERE / "run.py")
run = importlib.util.module_from_spec(_spec)
sys.modules["bench_run"] = run
_spec.loader.exec_module(run)

from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

ADMIN = "bench.admin@example.com"


def _fragments(db: Any) -> dict[str, str]:
    """Search terms people type, taken from the data: part of a Chinese and of a Latin account
    name, of a contact's name, phone and e-mail."""
    from salesweb.customers.models import Account, Contact

    def first(stmt):
        return db.session.scalar(stmt.limit(1)) or ""

    chinese = first(select(Account.name).where(Account.name.like("%公司%")).order_by(Account.id))
    latin = first(select(Account.name).where(Account.name.like("% %")).order_by(Account.id.desc()))
    person = first(
        select(Contact.name).where(func.length(Contact.name) == 3).order_by(Contact.id.desc())
    )
    phone = first(select(Contact.phone_key).where(Contact.phone_key != "").order_by(Contact.id))
    email = first(select(Contact.email).where(Contact.email.like("%@%")).order_by(Contact.id))
    return {
        "account, Chinese 3 chars": ("accounts", chinese[2:5]),
        "account, Chinese 2 chars": ("accounts", chinese[2:4]),
        "account, Latin word": ("accounts", latin.split()[0].lower()[:6] if latin else "a"),
        "contact, name 3 chars": ("contacts", person),
        "contact, name 2 chars": ("contacts", person[1:]),
        "contact, phone digits": ("contacts", phone[3:8]),
        "contact, e-mail part": ("contacts", email.split("@")[0][:6]),
    }


def pages(db: Any) -> list[Any]:
    """The admin's pages: lists first, then each search as the live search box sends it."""
    out = [
        run.Page("account list, first page", "/customers/accounts"),
        run.Page("contact list, first page", "/customers/contacts"),
        run.Page("deal list, first page", "/pipeline/deals"),
    ]
    for label, (area, term) in _fragments(db).items():
        out.append(
            run.Page(f"search {label} ({term})", f"/customers/{area}?q={term}", dict(run.HX))
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("-n", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--explain", action="store_true", help="plan of each slowest statement")
    parser.add_argument("--only", default="", help="only the pages whose label contains this")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("set DATABASE_URL or pass --database-url")

    from salesweb import create_app
    from salesweb.auth.models import User
    from salesweb.extensions import db

    url = make_url(args.database_url)
    options: dict[str, Any] = {"pool_pre_ping": True}
    if url.get_backend_name() != "sqlite":
        options.update(pool_size=1, max_overflow=0)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": args.database_url, "SQLALCHEMY_ENGINE_OPTIONS": options}
    )
    db_name = "SQLite" if url.get_backend_name() == "sqlite" else "PostgreSQL"
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == ADMIN))
        if admin is None:
            raise SystemExit(f"No {ADMIN}: build the data with bench/seed.py first.")
        chosen = [p for p in pages(db) if args.only in p.label]
        plans = [("admin", admin.get_id(), chosen)]
        engine = db.engine
        db.session.remove()
    print(f"{db_name}, admin: {args.n} requests per page after {args.warmup} warm-ups", flush=True)
    results = run.measure(app, engine, plans, args.n, args.warmup)
    print()
    print(run.table(results, db_name))
    for r in results:
        if r.slowest_sql:
            took, sql, params = r.slowest_sql
            print(f"\nslowest statement of '{r.page.label}': {took:.1f} ms")
            print("  " + " ".join(sql.split())[:300])
            if args.explain:
                print(run.explain(engine, sql, params))
    engine.dispose()
    return 0 if all(r.ok and not r.misses for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
