"""Measure the pages of bench/run.py over HTTP, against a real waitress server, with 1 and 4
clients at a time; print p50 and p95 per page and the server's memory after the run.

    DATABASE_URL=sqlite:////tmp/bench.sqlite .venv/bin/python bench/http.py
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_pg .venv/bin/python bench/http.py
    DATABASE_URL=... .venv/bin/python bench/http.py --url http://127.0.0.1:8000 --pid 1234

Without --url the script starts `waitress-serve --threads 4 --call salesweb:create_app` on a free
port with that DATABASE_URL (and SALESWEB_GC_FREEZE as given by --gc), waits for it, and stops it
afterwards; with --url it measures that server (give --pid to read its memory). The pages and the
people are those of bench/run.py (it reads the same database to choose them); each client signs
in through the login form as the rep, the manager or the administrator (password
bench-pass-2026) and keeps one connection open, as a browser does.

The client time is the wall time from sending the request to reading the whole body. With 4
clients, each client asks for the same page `-n` times at once with the others; the figure to
compare is the p50 at 4 clients against 1 (issue 14: within 2x on PostgreSQL). The server's
resident memory (VmRSS) after the whole run must stay under --rss-limit MB (150).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import AREAS, ROLES, Page, plan  # noqa: E402

PASSWORD = "bench-pass-2026"
RSS_LIMIT_MB = 150.0
CONCURRENCY = (1, 4)
CSRF = re.compile(
    rb'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


class Client:
    """One browser: one kept-alive connection and its cookies."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, bytes, dict[str, str]]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        path = quote(path, safe="/?&=%~:+-._")  # a search term may be Chinese
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()  # the server closed a kept-alive connection: open a new one
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt:
                    raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _sep, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, data, {k.lower(): v for k, v in response.getheaders()}

    def sign_in(self, email: str) -> None:
        status, body, _ = self.request("GET", "/auth/login")
        match = CSRF.search(body)
        if status != 200 or not match:
            raise SystemExit(f"No sign-in form at /auth/login (HTTP {status}).")
        token = (match.group(1) or match.group(2)).decode()
        form = urlencode({"email": email, "password": PASSWORD, "csrf_token": token}).encode()
        status, _body, headers = self.request(
            "POST",
            "/auth/login",
            form,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status not in (302, 303) or "/auth/login" in headers.get("location", ""):
            raise SystemExit(f"{email} could not sign in (HTTP {status}).")


@dataclass
class Timing:
    page: Page
    role: str
    clients: int
    times_ms: list[float] = field(default_factory=list)
    status: int = 200
    size: int = 0

    def pct(self, p: float) -> float:
        ordered = sorted(self.times_ms)
        return ordered[max(0, int(round(p * len(ordered) + 0.5)) - 1)] if ordered else 0.0


def _timed(client: Client, page: Page, n: int, out: Timing, start: threading.Barrier) -> None:
    start.wait()
    for _ in range(n):
        began = time.perf_counter()
        status, body, _headers = client.request("GET", page.url, headers=page.headers)
        took = (time.perf_counter() - began) * 1000
        if status != 200:
            out.status = status
            return
        out.times_ms.append(took)
        out.size = len(body)


def measure(base: str, plans: list, emails: dict[str, str], n: int, warmup: int) -> list[Timing]:
    results = []
    for role, _user_id, pages in plans:
        clients = [Client(base) for _ in range(max(CONCURRENCY))]
        for client in clients:
            client.sign_in(emails[role])
        for page in pages:
            for client in clients[:1]:
                for _ in range(warmup):
                    client.request("GET", page.url, headers=page.headers)
            for k in CONCURRENCY:
                timing = Timing(page, role, k)
                start = threading.Barrier(k)
                threads = [
                    threading.Thread(target=_timed, args=(c, page, n, timing, start))
                    for c in clients[:k]
                ]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                results.append(timing)
                ok = timing.status == 200 and timing.times_ms
                figures = (
                    f"p50 {timing.pct(0.5):7.1f} ms  p95 {timing.pct(0.95):7.1f} ms"
                    if ok
                    else f"HTTP {timing.status}"
                )
                print(f"  {role:<8} {page.label:<45} x{k}  {figures}", flush=True)
    return results


def rss_mb(pid: int) -> float | None:
    """The resident memory of a process (Linux /proc), in MB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(database_url: str, threads: int, gc_freeze: bool) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SALESWEB_GC_FREEZE": "1" if gc_freeze else "0",
    }
    waitress = Path(sys.executable).with_name("waitress-serve")
    server = subprocess.Popen(
        [str(waitress), f"--port={port}", "--host=127.0.0.1", f"--threads={threads}",
         "--call", "salesweb:create_app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit(server.stderr.read().decode() if server.stderr else "server died")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server, base
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start within a minute")


def table(results: list[Timing], db_name: str) -> str:
    by_page: dict[tuple[str, str], dict[int, Timing]] = {}
    for t in results:
        by_page.setdefault((t.page.label, t.role), {})[t.clients] = t
    lines = [
        "| page | role | db | p50 ms x1 | p95 ms x1 | p50 ms x4 | p95 ms x4 | x4 / x1 | KB |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for (label, role), runs in by_page.items():
        one, four = runs.get(1), runs.get(4)
        if not one or not four or not one.times_ms or not four.times_ms:
            lines.append(f"| {label} | {role} | {db_name} | HTTP {one.status if one else '-'} |")
            continue
        ratio = four.pct(0.5) / one.pct(0.5) if one.pct(0.5) else 0
        lines.append(
            f"| {label} | {role} | {db_name} | {one.pct(0.5):.1f} | {one.pct(0.95):.1f} "
            f"| {four.pct(0.5):.1f} | {four.pct(0.95):.1f} | {ratio:.2f} | {one.size / 1024:.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--url", help="a running server (default: start one)")
    parser.add_argument("--pid", type=int, help="the running server's process id (its memory)")
    parser.add_argument("--threads", type=int, default=4, help="waitress threads (default 4)")
    parser.add_argument("--gc", choices=("freeze", "default"), default="freeze")
    parser.add_argument("-n", type=int, default=30, help="timed requests per client and page")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--area", choices=("all", *AREAS), default="all")
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument("--rss-limit", type=float, default=RSS_LIMIT_MB)
    parser.add_argument("--out", help="results file (default bench/results/http-<db>.md)")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("set DATABASE_URL or pass --database-url")
    roles = tuple(r.strip() for r in args.roles.split(",") if r.strip())

    from sqlalchemy.engine import make_url

    from salesweb import create_app
    from salesweb.extensions import db

    url = make_url(args.database_url)
    db_name = "SQLite" if url.get_backend_name() == "sqlite" else "PostgreSQL"
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url})
    with app.app_context():
        plans = plan(app, db, AREAS if args.area == "all" else (args.area,), roles)
        from salesweb.auth.models import User

        emails = {
            role: db.session.get(User, int(uid.split(":")[0])).email for role, uid, _ in plans
        }
        db.session.remove()
        db.engine.dispose()

    server = None
    pid = args.pid
    base = args.url
    if not base:
        server, base = start_server(args.database_url, args.threads, args.gc == "freeze")
        pid = server.pid
    print(
        f"{db_name} over HTTP at {base}: {args.n} requests per client and page, clients "
        f"{' and '.join(map(str, CONCURRENCY))}, gc {args.gc}",
        flush=True,
    )
    try:
        results = measure(base, plans, emails, args.n, args.warmup)
        rss = rss_mb(pid) if pid else None
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    report = table(results, db_name)
    memory = f"server memory after the run: {rss:.0f} MB RSS" if rss else "server memory: unknown"
    print()
    print(report)
    print(f"\n{memory}")
    out = (
        Path(args.out)
        if args.out
        else ROOT / "bench" / "results" / f"http-{url.get_backend_name()}.md"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f"# Over HTTP on {db_name} (gc {args.gc})\n\n{report}\n\n{memory}\n")
    print(f"written to {out}")
    failed = [t for t in results if t.status != 200 or not t.times_ms]
    for t in failed:
        print(f"MISSES: {t.page.label} ({t.role}, x{t.clients}): HTTP {t.status}", file=sys.stderr)
    if rss and rss > args.rss_limit:
        print(f"MISSES: server memory {rss:.0f} MB > {args.rss_limit:.0f} MB", file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
