"""The list statements of the auth area: users, teams, the choices of its forms, the audit log."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select

from salesweb.auth.models import Role, Team, User
from salesweb.auth.permissions import TEAM_LEADS
from salesweb.core import jobs
from salesweb.core.i18n import select_timezone
from salesweb.core.models import AuditLog
from salesweb.core.params import parse_id
from salesweb.extensions import db

USER_SORTS = {
    "name": User.display_name.asc(),
    "-name": User.display_name.desc(),
    "email": User.email.asc(),
    "role": User.role.asc(),
    "-last": User.last_sign_in_at.desc(),
}


def user_filters(args: Mapping[str, str]) -> dict[str, Any]:
    """The user list's recognised filters, cleaned; an unknown role or status is ignored."""
    role = args.get("role", "")
    status = args.get("status", "")
    return {
        "q": args.get("q", "").strip()[:100],
        "role": role if role in {r.value for r in Role} else "",
        "team_id": parse_id(args.get("team")),
        "status": status if status in ("active", "inactive") else "",
    }


def user_list_stmt(f: Mapping[str, Any], order: Any) -> Select:
    """Users matching the filters of `user_filters`, in the given order."""
    stmt = select(User)
    if f["q"]:
        stmt = stmt.where(
            or_(User.email.like(f"%{f['q'].lower()}%"), User.display_name.ilike(f"%{f['q']}%"))
        )
    if f["role"]:
        stmt = stmt.where(User.role == f["role"])
    if f["team_id"]:
        stmt = stmt.where(User.team_id == f["team_id"])
    if f["status"]:
        stmt = stmt.where(User.active.is_(f["status"] == "active"))
    return stmt.order_by(order, User.id)


def all_teams() -> list[Team]:
    """Every team, by name."""
    return list(db.session.scalars(select(Team).order_by(Team.name)).unique())


def active_member_counts() -> dict[int | None, int]:
    """How many active people each team has (None: people in no team)."""
    rows = db.session.execute(
        select(User.team_id, func.count()).where(User.active.is_(True)).group_by(User.team_id)
    )
    return dict(rows.tuples().all())


def team_choices() -> list[tuple[int, str]]:
    """The teams a user may be put in, after "no team" (0)."""
    teams = db.session.execute(select(Team.id, Team.name).order_by(Team.name)).all()
    return [(0, _("— no team —"))] + [(t.id, t.name) for t in teams]


def manager_choices() -> list[tuple[int, str]]:
    """The active people who may lead a team, after "no manager" (0)."""
    rows = db.session.execute(
        select(User.id, User.display_name)
        .where(User.role.in_(TEAM_LEADS), User.active.is_(True))
        .order_by(User.display_name)
    ).all()
    return [(0, _("— no manager —"))] + [(r.id, r.display_name) for r in rows]


def _day(raw: str | None) -> date | None:
    try:
        return datetime.strptime(raw or "", "%Y-%m-%d").date()
    except ValueError:
        return None


def audit_filters(args: Mapping[str, str]) -> dict[str, Any]:
    """The audit log's filters: who acted, the kind of record, the first and last day."""
    return {
        "actor": args.get("actor", "").strip()[:254],
        "record_type": args.get("type", "").strip()[:60],
        "start": _day(args.get("from")),
        "end": _day(args.get("to")),
    }


def audit_list_stmt(f: Mapping[str, Any]) -> Select:
    """Audit rows matching the filters of `audit_filters`, the newest first."""
    stmt = select(AuditLog)
    if f["actor"]:
        stmt = stmt.where(AuditLog.actor_label.ilike(f"%{f['actor']}%"))
    if f["record_type"]:
        stmt = stmt.where(AuditLog.record_type == f["record_type"])
    tz = ZoneInfo(select_timezone())  # the dates are the reader's days, not UTC days
    if f["start"]:
        stmt = stmt.where(AuditLog.created_at >= datetime.combine(f["start"], time.min, tz))
    if f["end"]:
        next_day = datetime.combine(f["end"] + timedelta(days=1), time.min, tz)
        stmt = stmt.where(AuditLog.created_at < next_day)
    return stmt.order_by(AuditLog.created_at.desc(), AuditLog.id.desc())


def audit_record_types() -> list[str]:
    """The kinds of record the audit log holds rows for."""
    return list(db.session.scalars(select(AuditLog.record_type).distinct()))


def job_run_filters(args: Mapping[str, str]) -> dict[str, str | None]:
    """The filters of the job runs page (status, job); anything unknown means all."""
    status, name = args.get("status") or None, args.get("job") or None
    return {
        "status": status if status in jobs.RUN_STATUS_LABELS else None,
        "job": name if name and jobs.spec_for(name) else None,
    }


def scheduled_jobs() -> dict:
    """The periodic jobs with their switch and latest run (two queries), for the jobs page."""
    switches, latest = jobs.switches(), jobs.last_runs()
    rows = [(spec, switches[spec.name], latest.get(spec.name)) for spec in jobs.periodic_specs()]
    return {
        "scheduled": rows,
        "job_labels": {spec.name: str(spec.label or spec.name) for spec in jobs.specs()},
        "job_choices": sorted(
            ((spec.name, str(spec.label or spec.name)) for spec in jobs.specs()),
            key=lambda pair: pair[1],
        ),
        "run_statuses": [(k, str(v)) for k, v in jobs.RUN_STATUS_LABELS.items()],
    }


def job_run_summaries(runs: list) -> dict[int, str]:
    """What each run did, in the reader's language."""
    summaries = {}
    for run in runs:
        spec = jobs.spec_for(run.name)
        summaries[run.id] = spec.describe(run.result) if spec else ""
    return summaries


# --- workbench (h4): setup checks


def team_count() -> int:
    """How many teams there are."""
    return db.session.scalar(select(func.count()).select_from(Team)) or 0


def salespeople_count() -> int:
    """How many active people sell (reps and managers)."""
    stmt = select(func.count()).where(
        User.active.is_(True), User.role.in_((Role.REP, Role.MANAGER))
    )
    return db.session.scalar(stmt) or 0
