"""Background and scheduled work on one task queue: Huey, never a thread or a cron line of ours.

Where jobs wait, from the configuration:

- `SALESWEB_JOBS_URL` unset: a SQLite file (`SALESWEB_JOBS_PATH`, default `instance/jobs.sqlite`),
  worked by threads of the serving process itself (`serving_app`, what `make run` serves). One
  process, nothing to install.
- `SALESWEB_JOBS_URL=redis://host:6379/0`: Redis. Web processes only enqueue; `flask jobs
  worker` works the queue, on as many machines as needed (`SALESWEB_JOBS_QUEUE` names it).
- `SALESWEB_JOBS_IMMEDIATE` (on in the tests): a job runs in the caller, at once.

An area declares its jobs in its own `jobs.py`, imported at blueprint setup:

    @jobs.task("imports.run")
    def run_import(job_id: int) -> dict: ...

    run_import.enqueue(job.id)  # after the commit that made its data visible to a worker

    @jobs.periodic("customers.reclaim", jobs.Schedule(hour="2", minute="15"),
                   label=_l("Return idle accounts to the pool"), when=_l("Every night at 02:15"))
    def reclaim() -> dict: ...

Every run happens inside an application context (the one it was called from, or its own),
writes a `JobRun` row (start, end, result, error) and commits the job's work once at its end; an
exception rolls the work back, records the error and goes to Huey (which retries if the job
says so). Periodic schedules are read in the company's time zone; an administrator can switch
each periodic job off (`JobSwitch`); when several schedulers fire the same minute (one per
worker), the unique (name, slot) of the run row lets only one of them run it.
"""

from __future__ import annotations

import atexit
import os
import traceback
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app, g, has_app_context
from flask.helpers import get_debug_flag
from flask_babel import lazy_gettext as _l
from huey import Huey, crontab
from huey.consumer import Consumer
from huey.storage import RedisStorage, SqliteStorage
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from salesweb.core.errors import DomainError
from salesweb.core.jobs.models import RUN_STATUS_LABELS, JobRun, JobSwitch, RunStatus
from salesweb.core.models import utcnow
from salesweb.extensions import db

EXTENSION = "salesweb_jobs"
SLOT_FORMAT = "%Y-%m-%dT%H:%M"


class JobFailed(Exception):
    """A job that recorded its own failure (an import) says so; its run is marked failed."""


@dataclass(frozen=True)
class Schedule:
    """A crontab in the company's time zone (0 = Sunday for day_of_week)."""

    minute: str = "*"
    hour: str = "*"
    day: str = "*"
    month: str = "*"
    day_of_week: str = "*"

    @property
    def cron(self) -> str:
        return f"{self.minute} {self.hour} {self.day} {self.month} {self.day_of_week}"

    def validator(self) -> Callable[[datetime], bool]:
        return crontab(self.minute, self.hour, self.day, self.month, self.day_of_week, strict=True)


@dataclass
class JobSpec:
    """A job as declared in code; the same spec serves every application and worker."""

    name: str
    func: Callable[..., Any]
    schedule: Schedule | None = None
    label: Any = None
    when: Any = None
    summary: Callable[[dict], str] | None = None
    retries: int = 0
    retry_delay: int = 0
    _validate: Callable[[datetime], bool] | None = field(default=None, repr=False)

    def enqueue(self, *args: Any, trigger: str = "queued") -> None:
        """Put one run on the current application's queue (immediate mode: run it now)."""
        _task(huey_of(current_app), self)(*args, trigger=trigger)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.func(*args, **kwargs)

    def describe(self, result: dict | None) -> str:
        """What a run did, in the reader's language."""
        if not result:
            return ""
        if self.summary is not None:
            return self.summary(result)
        return ", ".join(f"{key}: {value}" for key, value in result.items())


_SPECS: dict[str, JobSpec] = {}


def task(name: str, *, label: Any = None, summary: Callable[[dict], str] | None = None,
         retries: int = 0, retry_delay: int = 0) -> Callable[[Callable], JobSpec]:  # fmt: skip
    """Declare a job that runs when something enqueues it."""

    def declare(func: Callable) -> JobSpec:
        spec = JobSpec(name, func, None, label, None, summary, retries, retry_delay)
        _SPECS[name] = spec
        return spec

    return declare


def periodic(name: str, schedule: Schedule, *, label: Any, when: Any,
             summary: Callable[[dict], str] | None = None) -> Callable[[Callable], JobSpec]:  # fmt: skip
    """Declare a job the scheduler runs by itself, on `schedule` in the company's time zone."""

    def declare(func: Callable) -> JobSpec:
        spec = JobSpec(name, func, schedule, label, when, summary, _validate=schedule.validator())
        _SPECS[name] = spec
        return spec

    return declare


def specs() -> list[JobSpec]:
    return sorted(_SPECS.values(), key=lambda s: s.name)


def periodic_specs() -> list[JobSpec]:
    return [s for s in specs() if s.schedule is not None]


def spec_for(name: str) -> JobSpec | None:
    return _SPECS.get(name)


def forget(name: str) -> None:
    """Take a declared job away (tests that declare their own)."""
    _SPECS.pop(name, None)


# --- the queue --------------------------------------------------------------------------------


class SalesHuey(Huey):
    """Huey that knows its Flask application and reads schedules in the company's time zone."""

    flask_app: Flask

    def read_periodic(self, timestamp: datetime | None) -> list:
        timestamp = timestamp or self._get_timestamp()
        local = self._company_time(timestamp)
        slot = timestamp.strftime(SLOT_FORMAT)
        due = []
        for spec in list(_SPECS.values()):
            if spec._validate is not None and spec._validate(local):
                due.append(_task(self, spec).s(trigger="schedule", slot=slot))
        return due

    def _company_time(self, timestamp: datetime) -> datetime:
        """The scheduler's UTC minute as the company's wall clock."""
        from salesweb.core import settings

        with self.flask_app.app_context():
            zone = ZoneInfo(settings.get("timezone"))
        return timestamp.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)


def build_huey(app: Flask) -> SalesHuey:
    """The queue the configuration names: Redis, or the SQLite file (immediate: in memory).
    Huey keeps no results: what a run did is its JobRun row, and nothing reads Huey's store."""
    url = app.config.get("SALESWEB_JOBS_URL") or ""
    name = app.config.get("SALESWEB_JOBS_QUEUE") or "salesweb"
    immediate = bool(app.config.get("SALESWEB_JOBS_IMMEDIATE"))
    if url.startswith(("redis://", "rediss://", "unix://")):
        huey = SalesHuey(
            name, results=False, immediate=immediate, storage_class=RedisStorage, url=url
        )
    elif url:
        raise ValueError(f"SALESWEB_JOBS_URL must be a redis:// URL or unset, not {url!r}")
    else:
        path = app.config.get("SALESWEB_JOBS_PATH") or f"{app.instance_path}/jobs.sqlite"
        if not immediate:
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        huey = SalesHuey(
            name, results=False, immediate=immediate, storage_class=SqliteStorage, filename=path
        )
    huey.flask_app = app
    return huey


def init_app(app: Flask) -> None:
    """Give the application its queue and register every job declared so far on it."""
    from salesweb.core.jobs import cli

    huey = build_huey(app)
    app.extensions[EXTENSION] = huey
    for spec in specs():
        _task(huey, spec)
    cli.register(app)


def huey_of(app: Flask) -> SalesHuey:
    return app.extensions[EXTENSION]


def _task(huey: SalesHuey, spec: JobSpec) -> Any:
    """The Huey task of a spec on this queue, registered the first time it is asked for."""
    tasks = huey.__dict__.setdefault("_salesweb_tasks", {})
    if spec.name not in tasks:

        def execute(*args: Any, trigger: str = "queued", slot: str | None = None, task=None):
            attempt = spec.retries - (task.retries if task is not None else 0) + 1
            return run(huey.flask_app, spec, args, trigger=trigger, slot=slot, attempt=attempt)

        tasks[spec.name] = huey.task(
            name=spec.name, retries=spec.retries, retry_delay=spec.retry_delay, context=True
        )(execute)
    return tasks[spec.name]


# --- one run ----------------------------------------------------------------------------------


def run(
    app: Flask,
    spec: JobSpec,
    args: tuple = (),
    *,
    trigger: str = "queued",
    slot: str | None = None,
    attempt: int = 1,
    reraise: bool = True,
) -> JobRun | None:
    """Run one job in an application context, recorded; None when it did not run (switched
    off, or its schedule slot already taken by another worker)."""
    reuse = has_app_context() and current_app._get_current_object() is app
    with nullcontext() if reuse else app.app_context():
        if not reuse:
            g.audit_actor = (None, f"job {spec.name}", None)
        if trigger == "schedule" and not is_enabled(spec.name):
            return None
        run_id = _start(spec, args, trigger, slot, attempt)
        if run_id is None:
            return None
        try:
            result = spec.func(*args)
        except Exception as exc:
            db.session.rollback()
            record = _finish(run_id, RunStatus.FAILED, error=_error_text(exc))
            if reraise:
                raise
            return record
        return _finish(run_id, RunStatus.DONE, result=_as_result(result))


def _start(spec: JobSpec, args: tuple, trigger: str, slot: str | None, attempt: int) -> int | None:
    record = JobRun(
        name=spec.name,
        slot=slot,
        trigger=trigger,
        attempt=attempt,
        arguments=", ".join(repr(a) for a in args)[:200],
        status=RunStatus.RUNNING,
        started_at=utcnow(),
    )
    db.session.add(record)
    try:
        db.session.commit()
    except IntegrityError:  # another scheduler's worker took this slot
        db.session.rollback()
        return None
    return record.id


def _finish(run_id: int, status: str, result: dict | None = None, error: str | None = None):
    record = db.session.get(JobRun, run_id)
    assert record is not None
    record.status, record.result, record.error = status, result, error
    record.finished_at = utcnow()
    db.session.commit()
    db.session.refresh(record)  # loaded, so the caller can read it after this context ends
    return record


def _as_result(value: Any) -> dict | None:
    if value is None or isinstance(value, dict):
        return value
    return {"count": value} if isinstance(value, int) else {"result": str(value)[:500]}


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, DomainError | JobFailed):
        return str(getattr(exc, "message", None) or exc)[:2000]
    lines = traceback.format_exception_only(type(exc), exc)
    return "".join(lines).strip()[:2000]


# --- switches ---------------------------------------------------------------------------------


def switches() -> dict[str, bool]:
    """name -> on/off of every periodic job (a job without a row is on)."""
    stored = dict(db.session.execute(select(JobSwitch.name, JobSwitch.enabled)).all())
    return {spec.name: stored.get(spec.name, True) for spec in periodic_specs()}


def is_enabled(name: str) -> bool:
    stored = db.session.scalar(select(JobSwitch.enabled).where(JobSwitch.name == name))
    return True if stored is None else bool(stored)


def set_enabled(name: str, enabled: bool) -> JobSwitch:
    """Switch a periodic job on or off (the audit log records who did)."""
    spec = spec_for(name)
    if spec is None or spec.schedule is None:
        raise DomainError("unknown periodic job")
    row = db.session.scalar(select(JobSwitch).where(JobSwitch.name == name))
    if row is None:
        row = JobSwitch(name=name, enabled=enabled)
        db.session.add(row)
    row.enabled = enabled
    db.session.flush()
    return row


def runs_stmt(status: str | None = None, name: str | None = None):
    """Job runs, newest first, optionally of one status or job."""
    stmt = select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc())
    if status:
        stmt = stmt.where(JobRun.status == status)
    if name:
        stmt = stmt.where(JobRun.name == name)
    return stmt


def last_runs() -> dict[str, JobRun]:
    """The latest run of each periodic job, in one query."""
    from sqlalchemy import func

    names = [s.name for s in periodic_specs()]
    latest = (
        select(JobRun.name, func.max(JobRun.id).label("id"))
        .where(JobRun.name.in_(names))
        .group_by(JobRun.name)
        .subquery()
    )
    rows = db.session.scalars(select(JobRun).join(latest, latest.c.id == JobRun.id))
    return {row.name: row for row in rows}


def _prune_summary(result: dict) -> str:
    from flask_babel import gettext as _

    return _("Old job runs deleted: %(count)s", count=result["count"])


@periodic(
    "jobs.prune",
    Schedule(hour="3", minute="30"),
    label=_l("Delete old job runs"),
    when=_l("Every night at 03:30"),
    summary=_prune_summary,
)
def prune_runs() -> int:
    """Runs older than SALESWEB_JOBS_KEEP_DAYS days leave the list (the audit log stays)."""
    cutoff = utcnow() - timedelta(days=current_app.config["SALESWEB_JOBS_KEEP_DAYS"])
    result = db.session.execute(
        delete(JobRun)
        .where(JobRun.started_at < cutoff, JobRun.status != RunStatus.RUNNING)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


# --- working the queue ------------------------------------------------------------------------


class _EmbeddedConsumer(Consumer):
    """The consumer inside the serving process: the server owns the process's signals."""

    def _set_signal_handlers(self) -> None:
        return None


_EMBEDDED: dict[int, Consumer] = {}


def _reloader_watcher() -> bool:
    """True in the watching parent of `flask run --reload`: its child serves and works the jobs."""
    if os.environ.get("WERKZEUG_RUN_MAIN") == "true":
        return False
    ctx = click.get_current_context(silent=True)
    if ctx is None or ctx.info_name != "run":
        return False
    reload = ctx.params.get("reload")
    return bool(get_debug_flag() if reload is None else reload)


def start_embedded(app: Flask) -> Consumer | None:
    """Work the SQLite queue with threads of this process, once per application; not in tests,
    not in immediate mode, not when Redis is configured (workers do that), and not in the
    reloader's watching process (`flask --app salesweb.core.jobs:serving_app run --debug`)."""
    huey = huey_of(app)
    if app.testing or huey.immediate or app.config.get("SALESWEB_JOBS_URL"):
        return None
    if _reloader_watcher():
        return None
    if id(app) in _EMBEDDED:
        return _EMBEDDED[id(app)]
    workers = max(int(app.config.get("SALESWEB_JOBS_WORKERS") or 1), 1)
    consumer = _EmbeddedConsumer(huey, workers=workers, worker_type="thread", periodic=True)
    consumer.start()
    _EMBEDDED[id(app)] = consumer
    atexit.register(consumer.stop)
    app.logger.info("jobs: %s worker thread(s) on %s", workers, app.config["SALESWEB_JOBS_PATH"])
    return consumer


def serving_app() -> Flask:
    """What `make run` serves: the application, with its queue worked in the same process."""
    from salesweb import create_app

    app = create_app()
    start_embedded(app)
    return app


__all__ = [
    "RUN_STATUS_LABELS",
    "JobFailed",
    "JobRun",
    "JobSpec",
    "JobSwitch",
    "RunStatus",
    "Schedule",
    "build_huey",
    "huey_of",
    "init_app",
    "is_enabled",
    "last_runs",
    "periodic",
    "periodic_specs",
    "run",
    "runs_stmt",
    "serving_app",
    "set_enabled",
    "spec_for",
    "specs",
    "start_embedded",
    "switches",
    "task",
]
