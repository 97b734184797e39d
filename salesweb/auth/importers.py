"""The importer of users and teams (upload page and `flask import users`), and who an import
acts as.

Users and teams come from a file shaped like a sales-team list (agent, manager, office): matched
by display name, created without a password (they sign in once an administrator sets one).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import select

from salesweb.auth import services as auth_services
from salesweb.auth.models import Role, Team, User
from salesweb.auth.permissions import can_manage_users
from salesweb.core import importing
from salesweb.core.importing import (
    BatchResult,
    Importer,
    ImportField,
    ImportJob,
    ParsedRow,
    RowError,
    cells,
)
from salesweb.extensions import db

IMPORTED_MAIL_DOMAIN = "imported.invalid"


def job_user(job: ImportJob) -> User | None:
    """The person who started the job; None for the command line."""
    return db.session.get(User, job.created_by_id) if job.created_by_id else None


def job_actor(acting: User | None, job: ImportJob) -> tuple[int | None, str, str | None]:
    """Who the audit rows of a job name: the person, or the job run from the command line."""
    if acting is None:
        return (None, f"import #{job.id} (command line)", None)
    return (acting.id, acting.email, None)


class ActingImporter(Importer):
    """An importer whose state keeps the acting user as `acting` (None: the command line):
    the job's audit rows name that person."""

    def audit_actor(self, state: Any, job: ImportJob) -> tuple[int | None, str, str | None]:
        return job_actor(state.acting, job)


@dataclass
class UserState:
    acting: User | None
    by_name: dict[str, list[int]]
    by_email: dict[str, int]
    teams: dict[str, int]  # casefolded name -> id
    led: dict[int, int]  # manager id -> the team they lead
    emails: set[str]

    def copy(self) -> UserState:
        """A working copy for one batch: if the database refuses it, the state stays as it was."""
        return UserState(
            self.acting,
            {k: list(v) for k, v in self.by_name.items()},
            dict(self.by_email),
            dict(self.teams),
            dict(self.led),
            set(self.emails),
        )


@dataclass
class Counts:
    """What one row did; `made` holds the records it created (their first values are no update)."""

    created: int = 0
    updated: int = 0
    made: set[tuple[str, int]] = field(default_factory=set)

    def new(self, record: Team | User) -> None:
        self.created += 1
        self.made.add((record.__tablename__, record.id))

    def changed(self, record: Team | User) -> None:
        if (record.__tablename__, record.id) not in self.made:
            self.updated += 1


def imported_email(name: str, taken: set[str]) -> str:
    """firstname.lastname@imported.invalid, made unique; an address nobody can receive mail at."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    local = ".".join(re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", ascii_name))[:60] or "user"
    candidate, n = f"{local}@{IMPORTED_MAIL_DOMAIN}", 2
    while candidate in taken:
        candidate, n = f"{local}.{n}@{IMPORTED_MAIL_DOMAIN}", n + 1
    return candidate


class UserImporter(ActingImporter):
    """Three levels, as a sales-team list has them: each agent in the team of their manager,
    a team per manager, within its regional office (the team's region). A file that names
    teams instead (a "team" column) puts people in those teams."""

    label = _l("Users and teams")
    batch_size = 500
    fields = (
        ImportField(
            "name",
            _lp("person", "Name"),
            (
                "sales agent",
                "agent",
                "sales rep",
                "rep",
                "user",
                "display name",
                "full name",
                "销售代表",
                "销售",
                "姓名",
                "员工",
            ),
            required=True,
        ),
        ImportField(
            "manager", _l("Manager"), ("sales manager", "销售经理", "经理", "主管"), fixed=True
        ),
        ImportField(
            "office",
            _l("Regional office"),
            ("office", "region", "regional office", "区域", "大区", "办事处", "分公司"),
            fixed=True,
            help=_l("The region of the manager's team."),
        ),
        ImportField(
            "team",
            _l("Team"),
            ("team name", "sales team", "团队", "销售团队", "小组"),
            fixed=True,
            help=_l("Without it, each manager's team is named after the office and the manager."),
        ),
        ImportField(
            "email", _lp("address", "E-mail"), ("email address", "mail", "邮箱", "电子邮件")
        ),
    )

    def allowed(self, user: Any) -> bool:
        return user is None or can_manage_users(user)

    def prepare(self, job: ImportJob) -> UserState:
        by_name: dict[str, list[int]] = {}
        by_email: dict[str, int] = {}
        for r in db.session.execute(select(User.id, User.display_name, User.email)):
            by_name.setdefault(cells.name_key(r.display_name), []).append(r.id)
            by_email[r.email.lower()] = r.id
        teams: dict[str, int] = {}
        led: dict[int, int] = {}
        for r in db.session.execute(select(Team.id, Team.name, Team.manager_id).order_by(Team.id)):
            teams[r.name.casefold()] = r.id
            if r.manager_id is not None:
                led.setdefault(r.manager_id, r.id)  # the first team of one who leads several
        return UserState(job_user(job), by_name, by_email, teams, led, set(by_email))

    def convert(self, state: UserState, values: dict[str, str], row_number: int) -> dict[str, Any]:
        label = self.field
        name = cells.text(values, "name", label("name").label, 120)
        if not name:
            raise RowError(_("The name is empty."))
        manager = cells.text(values, "manager", label("manager").label, 120)
        office = cells.text(values, "office", label("office").label, 120)
        team = cells.text(values, "team", label("team").label, 120)
        email = cells.email(values.get("email", ""), label("email").label).lower()
        leads_self = cells.name_key(manager) == cells.name_key(name)  # a manager's own row
        for who in (name, manager):
            if who and len(state.by_name.get(cells.name_key(who), [])) > 1:
                raise RowError(_("Several users are called “%(name)s”.", name=who))
        return {
            "name": name,
            "manager": "" if leads_self else manager,
            "leads_self": leads_self,
            "office": office,
            "team": team,
            "email": email,
        }

    def write(self, state: UserState, rows: list[ParsedRow]) -> BatchResult:
        result = BatchResult()
        work = state.copy()
        for row in rows:
            counts = self._write_row(work, row.data)
            result.created += counts.created
            result.updated += counts.updated
            if not counts.created and not counts.updated:
                result.unchanged += 1
        db.session.flush()
        state.by_name, state.by_email, state.teams = work.by_name, work.by_email, work.teams
        state.led, state.emails = work.led, work.emails
        return result

    def _write_row(self, state: UserState, data: dict[str, Any]) -> Counts:
        counts = Counts()
        if data["leads_self"]:
            person = self._user(state, data["name"], data["email"], Role.MANAGER, counts)
            self._lead(state, person, data, counts)
            return counts
        team = None
        if data["manager"]:
            manager = self._user(state, data["manager"], "", Role.MANAGER, counts)
            team = self._lead(state, manager, data, counts)
        elif data["team"] or data["office"]:
            # No manager named: the team (or, without one, the office) is the team.
            team = self._team(state, data["team"] or data["office"], data["office"], counts)
        person = self._user(state, data["name"], data["email"], Role.REP, counts)
        led_id = state.led.get(person.id)
        if team is not None and led_id is not None and led_id != team.id:
            led = db.session.get(Team, led_id)
            raise RowError(
                _(
                    "%(name)s leads the team “%(team)s” and stays in it.",
                    name=person.display_name,
                    team=led.name if led else "",
                )
            )
        self._place(person, team, counts)
        return counts

    def _lead(self, state: UserState, manager: User, data: dict[str, Any], counts: Counts) -> Team:
        """The team this manager leads (found, named by the file, or made), with them in it."""
        if manager.role == Role.REP:
            manager.role = Role.MANAGER  # the file names them a manager
            counts.changed(manager)
        office = data["office"]
        team_id = state.led.get(manager.id)
        if data["team"]:
            team = self._team(state, data["team"], office, counts)
            if team.manager_id is not None and team.manager_id != manager.id:
                raise RowError(
                    _(
                        "The team “%(team)s” is led by %(manager)s.",
                        team=team.name,
                        manager=team.manager.display_name if team.manager else "",
                    )
                )
        elif team_id is not None:
            team = db.session.get(Team, team_id)
            assert team is not None
        else:
            team = self._team(state, self._team_name(state, manager, office), office, counts)
        if office and team.region != office:
            team.region = office  # the office the file says the team works in
            counts.changed(team)
        if team.manager_id != manager.id:
            team.manager = manager
            counts.changed(team)
        state.led.setdefault(manager.id, team.id)
        self._place(manager, team, counts)
        return team

    @staticmethod
    def _team_name(state: UserState, manager: User, office: str) -> str:
        """ "Central · Dustin Brinkmann": the office and the manager, made unique."""
        base = f"{office} · {manager.display_name}" if office else manager.display_name
        base, name, n = base[:112], base[:120], 2
        while name.casefold() in state.teams:
            name, n = f"{base} ({n})", n + 1
        return name

    @staticmethod
    def _team(state: UserState, name: str, office: str, counts: Counts) -> Team:
        """The team of this name, made (in the office's region) when there is none."""
        team_id = state.teams.get(name.casefold())
        if team_id is not None:
            team = db.session.get(Team, team_id)
            assert team is not None
            return team
        team = auth_services.create_team(None, name=name, region=office)
        state.teams[team.name.casefold()] = team.id
        counts.new(team)
        return team

    @staticmethod
    def _place(person: User, team: Team | None, counts: Counts) -> None:
        if team is not None and person.team_id != team.id:
            person.team = team  # the file says where the person works now
            counts.changed(person)

    @staticmethod
    def _user(state: UserState, name: str, email: str, role: str, counts: Counts) -> User:
        """The user of this e-mail (or name), else a new one without a password."""
        user_id = state.by_email.get(email) if email else None
        if user_id is None:
            ids = state.by_name.get(cells.name_key(name), [])
            if len(ids) > 1:
                raise RowError(_("Several users are called “%(name)s”.", name=name))
            user_id = ids[0] if ids else None
        if user_id is not None:
            user = db.session.get(User, user_id)
            assert user is not None
            return user
        address = email or imported_email(name, state.emails)
        user = auth_services.create_user(
            None, email=address, display_name=name, role=role, password=None
        )
        state.by_name.setdefault(cells.name_key(name), []).append(user.id)
        state.by_email[address] = user.id
        state.emails.add(address)
        counts.new(user)
        return user


importing.register("users", UserImporter())
