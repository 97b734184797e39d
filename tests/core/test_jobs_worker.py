"""A real worker: `flask jobs worker` in its own process works the Redis queue that this process
fills, against a database both can see (a SQLite file, or a PostgreSQL schema of its own)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from flask_migrate import upgrade
from sqlalchemy import select
from sqlalchemy.engine import make_url

from salesweb.core import jobs
from salesweb.core.jobs import JobRun, RunStatus
from salesweb.core.models import utcnow
from salesweb.customers.models import Account
from salesweb.extensions import db
from tests.factories import make_account, make_interaction, make_user
from tests.live import fresh_app

REDIS_URL = os.environ.get("SALESWEB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[2]


def _redis_or_skip() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({exc}); CI runs this test with it")


def _database_url_for_worker(app) -> str:
    """The URL the worker gets: the same file, or the same PostgreSQL schema (search_path)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("connect_args", {}).get("options")
    if options:
        url = url.update_query_dict({"options": options})
    return url.render_as_string(hide_password=False)


def _wait_for(app, check, seconds: float = 60.0):
    """Poll as a reading request would (SQLite: a deferred BEGIN, no write lock held), ending
    each snapshot at once so the worker's commits become visible and its writes never wait."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with app.test_request_context():
            found = check()
            db.session.rollback()
        if found:
            return found
        time.sleep(0.2)
    return None


def test_a_worker_process_runs_a_queued_job_from_redis(tmp_path_factory, tmp_path):
    _redis_or_skip()
    queue = f"salesweb-test-{uuid.uuid4().hex[:12]}"  # this run's own queue
    settings = {
        "SALESWEB_JOBS_URL": REDIS_URL,
        "SALESWEB_JOBS_QUEUE": queue,
        "SALESWEB_JOBS_IMMEDIATE": False,
    }
    with fresh_app(tmp_path_factory, "jobs_worker", **settings) as app, app.app_context():
        upgrade(revision="heads")
        old = utcnow() - timedelta(days=200)
        account = make_account(owner=make_user(), owner_since=old)
        make_interaction(account, occurred_at=old)
        account_id = account.id
        db.session.commit()  # and no read after it: outside a request SQLite would lock
        env = {
            **os.environ,
            "FLASK_APP": "wsgi.py",
            "DATABASE_URL": _database_url_for_worker(app),
            "SECRET_KEY": "worker-test",
            "SALESWEB_JOBS_URL": REDIS_URL,
            "SALESWEB_JOBS_QUEUE": queue,
            "SALESWEB_JOBS_IMMEDIATE": "0",
        }
        log = (tmp_path / "worker.log").open("w+")
        flask = str(Path(sys.executable).with_name("flask"))
        worker = subprocess.Popen(
            [flask, "jobs", "worker", "--workers", "2", "--no-periodic"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        huey = jobs.huey_of(app)
        try:
            jobs.spec_for("customers.reclaim").enqueue(trigger="manual")
            finished = _wait_for(
                app,
                lambda: db.session.execute(
                    select(JobRun.status, JobRun.result, JobRun.trigger).where(
                        JobRun.name == "customers.reclaim", JobRun.status != RunStatus.RUNNING
                    )
                ).first(),
            )
            log.seek(0)
            assert finished is not None, f"no run recorded; worker said:\n{log.read()}"
            assert tuple(finished) == (RunStatus.DONE, {"count": 1}, "manual")
            with app.test_request_context():
                owner = db.session.scalar(select(Account.owner_id).where(Account.id == account_id))
                db.session.rollback()
            assert owner is None
            assert huey.pending_count() == 0
        finally:
            worker.send_signal(signal.SIGINT)  # graceful: finish the running job, then exit
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            log.close()
            huey.flush()  # this run's queue, results and schedule leave Redis with it
            huey.storage.conn.close()
