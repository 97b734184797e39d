"""`flask jobs ...`: work the queue (the scale-out worker), list the jobs, run one now."""

from __future__ import annotations

import logging

import click
from flask import Flask, current_app
from flask.cli import AppGroup


def register(app: Flask) -> None:
    if "jobs" in app.cli.commands:
        return
    group = AppGroup("jobs", help="Background and scheduled jobs (the Huey queue).")

    @group.command("worker")
    @click.option(
        "--workers",
        "-w",
        type=int,
        default=None,
        help="Worker threads (default: SALESWEB_JOBS_WORKERS).",
    )
    @click.option(
        "--periodic/--no-periodic",
        default=True,
        help="Also run the schedule (safe on every worker: a slot runs once).",
    )
    def worker(workers: int | None, periodic: bool) -> None:  # fmt: skip
        """Work the queue until stopped (SIGINT or SIGTERM finish the running jobs first)."""
        from huey.consumer import Consumer

        from salesweb.core.jobs import huey_of

        huey = huey_of(current_app)
        if huey.immediate:
            raise click.UsageError("SALESWEB_JOBS_IMMEDIATE is on: jobs run in the caller.")
        count = workers or int(current_app.config.get("SALESWEB_JOBS_WORKERS") or 1)
        if count < 1:
            raise click.BadParameter("must be at least 1", param_hint="--workers")
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        click.echo(f"jobs worker: queue {huey.name!r}, {count} thread(s)", err=True)
        Consumer(huey, workers=count, worker_type="thread", periodic=periodic).run()

    @group.command("list")
    def list_jobs() -> None:
        """The declared jobs, their schedule and whether each is switched on."""
        from salesweb.core import jobs

        states = jobs.switches()
        for spec in jobs.specs():
            when = spec.schedule.cron if spec.schedule else "on demand"
            state = "" if spec.schedule is None else ("on" if states[spec.name] else "off")
            click.echo(f"{spec.name:28} {when:18} {state}")

    @group.command("run")
    @click.argument("name")
    def run_job(name: str) -> None:
        """Run a periodic job now, in this process, recorded like a scheduled run."""
        from salesweb.core import jobs

        spec = jobs.spec_for(name)
        if spec is None or spec.schedule is None:
            raise click.BadParameter(f"no periodic job {name!r}", param_hint="NAME")
        record = jobs.run(current_app._get_current_object(), spec, trigger="command", reraise=False)
        assert record is not None
        click.echo(
            f"{record.name}: {record.status} {spec.describe(record.result) or record.error or ''}"
        )
        if record.status != jobs.RunStatus.DONE:
            raise SystemExit(1)

    app.cli.add_command(group)
