"""core.jobs in immediate mode: a job's effect, its run row, a failure rolled back, the switches,
the schedule in the company's time zone, and the administrator's page of runs."""

from __future__ import annotations

from datetime import datetime, timedelta

import click
import pytest
from huey.storage import RedisStorage, SqliteStorage
from sqlalchemy import func, select

from salesweb import config as app_config
from salesweb import create_app
from salesweb.core import jobs
from salesweb.core.jobs import JobRun, JobSwitch, RunStatus
from salesweb.core.models import AuditLog, utcnow
from salesweb.customers.models import Account
from tests.conftest import HX, by_id, parse
from tests.factories import make_account, make_interaction, make_user
from tests.querycount import MAX_STATEMENTS, statements

RECLAIM = "customers.reclaim"


def _idle_account():
    rep = make_user()
    old = utcnow() - timedelta(days=200)
    account = make_account(owner=rep, owner_since=old)
    make_interaction(account, occurred_at=old)
    return account


def _runs(db, name: str) -> list[JobRun]:
    return list(db.session.scalars(select(JobRun).where(JobRun.name == name).order_by(JobRun.id)))


@pytest.fixture
def boom():
    """A job that writes an account and then fails."""

    @jobs.task("tests.boom")
    def explode(name: str) -> None:
        make_account(name=name)
        raise ZeroDivisionError("the sums went wrong")

    yield explode
    jobs.forget("tests.boom")


def test_the_nightly_reclaim_moves_an_idle_account_to_the_pool_and_records_its_run(app, db):
    account = _idle_account()
    db.session.commit()
    with app.test_request_context():
        jobs.spec_for(RECLAIM).enqueue(trigger="manual")
    db.session.refresh(account)
    assert account.owner_id is None
    [run] = _runs(db, RECLAIM)
    assert (run.status, run.trigger, run.result, run.error) == (
        RunStatus.DONE,
        "manual",
        {"count": 1},
        None,
    )
    assert run.finished_at >= run.started_at
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert jobs.spec_for(RECLAIM).describe(run.result) == (
            "Accounts returned to the public pool: 1"
        )


def test_a_failing_job_records_its_error_and_leaves_the_database_unchanged(app, db, boom):
    before = db.session.scalar(select(func.count()).select_from(Account))
    with app.test_request_context():
        boom.enqueue("不该留下的客户")  # Huey logs the error; the run row keeps it
    assert db.session.scalar(select(func.count()).select_from(Account)) == before
    [run] = _runs(db, "tests.boom")
    assert run.status == RunStatus.FAILED and run.finished_at is not None
    assert run.error == "ZeroDivisionError: the sums went wrong"
    assert run.arguments == "'不该留下的客户'"


def test_run_without_reraise_returns_the_failed_run(app, db, boom):
    with app.app_context():
        record = jobs.run(app, boom, ("x",), trigger="command", reraise=False)
    assert record.status == RunStatus.FAILED and "ZeroDivisionError" in record.error


def test_a_switched_off_job_is_skipped_on_schedule_but_runs_by_hand(app, db):
    account = _idle_account()
    with app.test_request_context():
        jobs.set_enabled(RECLAIM, False)
        db.session.commit()
        assert jobs.switches()[RECLAIM] is False
        spec = jobs.spec_for(RECLAIM)
        assert jobs.run(app, spec, trigger="schedule", slot="2026-12-01T18:15") is None
        assert account.owner_id is not None and _runs(db, RECLAIM) == []
        assert jobs.run(app, spec, trigger="manual").status == RunStatus.DONE
    assert account.owner_id is None


def test_a_schedule_slot_runs_once_however_many_schedulers_fire(app, db):
    spec = jobs.spec_for(RECLAIM)
    with app.test_request_context():
        first = jobs.run(app, spec, trigger="schedule", slot="2026-12-01T18:15")
        second = jobs.run(app, spec, trigger="schedule", slot="2026-12-01T18:15")
    assert first.status == RunStatus.DONE and second is None
    assert len(_runs(db, RECLAIM)) == 1


def test_schedules_are_read_in_the_company_time_zone(app, db):
    huey = jobs.huey_of(app)
    # 18:15 UTC is 02:15 the next morning in Shanghai: the reclaim's time, and a multiple of 5.
    due = {task.name for task in huey.read_periodic(datetime(2026, 12, 1, 18, 15))}
    assert due == {RECLAIM, "imports.resume"}
    assert {t.name for t in huey.read_periodic(datetime(2026, 12, 1, 19, 30))} == {
        "imports.resume",
        "jobs.prune",
    }
    [task] = [t for t in huey.read_periodic(datetime(2026, 12, 1, 18, 15)) if t.name == RECLAIM]
    assert task.kwargs == {"trigger": "schedule", "slot": "2026-12-01T18:15"}
    assert {t.name for t in huey.read_periodic(datetime(2026, 12, 1, 2, 15))} == {"imports.resume"}
    assert huey.read_periodic(datetime(2026, 12, 1, 2, 16)) == []


def test_the_queue_comes_from_the_configuration(tmp_path):
    config = app_config.TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/q.sqlite"
    config.SALESWEB_JOBS_IMMEDIATE = False
    config.SALESWEB_JOBS_PATH = str(tmp_path / "queue" / "jobs.sqlite")
    embedded = create_app(config)
    huey = jobs.huey_of(embedded)
    assert isinstance(huey.storage, SqliteStorage) and not huey.immediate
    assert huey.storage.filename == str(tmp_path / "queue" / "jobs.sqlite")
    assert jobs.start_embedded(embedded) is None  # never under the test client
    config.SALESWEB_JOBS_URL = "redis://127.0.0.1:6379/0"
    config.SALESWEB_JOBS_QUEUE = "elsewhere"
    redis_app = create_app(config)
    assert isinstance(jobs.huey_of(redis_app).storage, RedisStorage)
    assert jobs.huey_of(redis_app).name == "elsewhere"
    config.SALESWEB_JOBS_URL = "amqp://nowhere"
    with pytest.raises(ValueError, match="redis://"):
        create_app(config)


def test_every_periodic_job_declares_its_schedule_and_labels():
    periodic = {spec.name: spec for spec in jobs.periodic_specs()}
    assert {RECLAIM, "imports.resume", "surveys.remind", "jobs.prune"} <= set(periodic)
    for spec in periodic.values():
        assert spec.label and spec.when and spec.schedule.cron.count(" ") == 4


# --- the administrator's page ------------------------------------------------------------------


def test_admin_sees_scheduled_jobs_and_the_runs_newest_first(client, db, app, login_as, boom):
    login_as("admin")
    with app.test_request_context():
        jobs.run(app, jobs.spec_for(RECLAIM), trigger="manual")
        jobs.run(app, boom, ("x",), reraise=False)
    response = client.get("/auth/jobs", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert by_id(response, "job-customers-reclaim") is not None
    rows = parse(response).xpath("//table[@id='job-run-table']/tbody/tr")
    [reclaimed], [failed_run] = _runs(db, RECLAIM), _runs(db, "tests.boom")
    assert [r.get("id") for r in rows] == [f"job-run-{failed_run.id}", f"job-run-{reclaimed.id}"]
    assert "ZeroDivisionError" in rows[0].text_content()
    assert "Accounts returned to the public pool: 0" in rows[1].text_content()
    failed = client.get("/auth/jobs?status=failed", headers=HX)
    assert "<html" not in failed.get_data(as_text=True)
    assert len(parse(failed).xpath("//table[@id='job-run-table']/tbody/tr")) == 1
    assert client.get("/auth/jobs?status=nonsense&job=nonsense").status_code == 200  # all
    one_job = client.get(f"/auth/jobs?job={RECLAIM}", headers=HX)
    assert [r.get("id") for r in parse(one_job).xpath("//table[@id='job-run-table']/tbody/tr")] == [
        f"job-run-{reclaimed.id}"
    ]


def test_switching_a_job_off_returns_the_table_and_is_audited(client, db, login_as):
    admin = login_as("admin")
    response = client.post(f"/auth/jobs/{RECLAIM}/switch", data={"enabled": "0"}, headers=HX)
    assert response.status_code == 200 and "jobSwitched" in response.headers["HX-Trigger"]
    assert by_id(response, "job-customers-reclaim-state").text_content().strip() in ("Off", "关")
    assert by_id(response, "job-customers-reclaim-switch") is not None
    row = db.session.scalar(select(JobSwitch).where(JobSwitch.name == RECLAIM))
    assert row.enabled is False
    assert (
        db.session.scalar(select(AuditLog.actor_id).where(AuditLog.record_type == "job_switches"))
        == admin.id
    )
    plain = client.post(f"/auth/jobs/{RECLAIM}/switch", data={"enabled": "1"})
    assert plain.status_code == 303 and plain.headers["Location"].endswith("/auth/jobs")
    db.session.refresh(row)
    assert row.enabled is True


@pytest.mark.parametrize(
    ("url", "data", "status"),
    [
        (f"/auth/jobs/{RECLAIM}/switch", {"enabled": "maybe"}, 400),
        (f"/auth/jobs/{RECLAIM}/switch", {}, 400),
        ("/auth/jobs/imports.run/switch", {"enabled": "0"}, 404),  # not a periodic job
        ("/auth/jobs/nothing/run", {}, 404),
    ],
)
def test_bad_switches_are_refused_and_change_nothing(client, db, login_as, url, data, status):
    login_as("admin")
    assert client.post(url, data=data).status_code == status
    assert db.session.scalar(select(func.count()).select_from(JobSwitch)) == 0


def test_run_now_runs_the_job_and_goes_back_to_the_page(client, db, login_as):
    login_as("admin")
    account = _idle_account()
    db.session.commit()
    response = client.post(f"/auth/jobs/{RECLAIM}/run")
    assert response.status_code == 303 and response.headers["Location"].endswith("/auth/jobs")
    db.session.refresh(account)
    assert account.owner_id is None
    [run] = _runs(db, RECLAIM)
    assert run.trigger == "manual" and run.status == RunStatus.DONE


def test_the_jobs_page_sends_few_statements_however_many_runs(client, db, login_as, app):
    login_as("admin")
    spec = jobs.spec_for(RECLAIM)
    with app.test_request_context():
        jobs.run(app, spec, trigger="manual")
    small = statements(client, "/auth/jobs", {})
    with app.test_request_context():
        for _ in range(20):
            jobs.run(app, spec, trigger="manual")
    large = statements(client, "/auth/jobs", {})
    assert len(small) <= MAX_STATEMENTS and len(large) == len(small), "\n\n".join(large)


# --- the command line -------------------------------------------------------------------------


def test_cli_lists_the_jobs_and_runs_one(app, db):
    account = _idle_account()
    db.session.commit()
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["jobs", "list"])
    assert listed.exit_code == 0 and RECLAIM in listed.output and "15 2 * * *" in listed.output
    ran = runner.invoke(args=["jobs", "run", RECLAIM])
    assert ran.exit_code == 0, ran.output
    assert "done" in ran.output
    db.session.refresh(account)
    assert account.owner_id is None
    assert runner.invoke(args=["jobs", "run", "imports.run"]).exit_code != 0
    worker = runner.invoke(args=["jobs", "worker"])
    assert worker.exit_code != 0 and "IMMEDIATE" in worker.output


def test_the_reloaders_watching_process_starts_no_consumer(monkeypatch):
    command = click.Command("run", params=[click.Option(["--reload/--no-reload"], default=None)])
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    with click.Context(command, info_name="run") as ctx:
        ctx.params["reload"] = True
        assert jobs._reloader_watcher()  # the parent: its child serves
        monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
        assert not jobs._reloader_watcher()  # the child that serves
        monkeypatch.delenv("WERKZEUG_RUN_MAIN")
        ctx.params["reload"] = False
        assert not jobs._reloader_watcher()  # no reloader: this process serves
    assert not jobs._reloader_watcher()  # waitress --call: no click context at all


def test_prune_deletes_runs_older_than_the_kept_days(app, db):
    spec = jobs.spec_for(RECLAIM)
    with app.test_request_context():
        old = jobs.run(app, spec, trigger="manual")
        recent = jobs.run(app, spec, trigger="manual")
        db.session.get(JobRun, old.id).started_at = utcnow() - timedelta(days=40)
        db.session.commit()
        pruned = jobs.run(app, jobs.spec_for("jobs.prune"), trigger="manual")
    assert pruned.result == {"count": 1}
    left = set(db.session.scalars(select(JobRun.id).where(JobRun.name == RECLAIM)))
    assert left == {recent.id}
