"""The importer of users and teams (upload page and `flask import users`), and who an import
acts as.

Users and teams come from a file shaped like a sales-team list (agent, manager, office): matched
by display name, created without a password (they sign in once an administrator sets one).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
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
    teams: dict[str, int]
    emails: set[str]


def imported_email(name: str, taken: set[str]) -> str:
    """firstname.lastname@imported.invalid, made unique; an address nobody can receive mail at."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    local = ".".join(re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", ascii_name))[:60] or "user"
    candidate, n = f"{local}@{IMPORTED_MAIL_DOMAIN}", 2
    while candidate in taken:
        candidate, n = f"{local}.{n}@{IMPORTED_MAIL_DOMAIN}", n + 1
    return candidate


class UserImporter(ActingImporter):
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
            "team",
            _l("Team"),
            (
                "regional office",
                "office",
                "team name",
                "团队",
                "销售团队",
                "区域",
                "大区",
                "办事处",
            ),
            fixed=True,
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
        teams = {r.name.casefold(): r.id for r in db.session.execute(select(Team.id, Team.name))}
        return UserState(job_user(job), by_name, by_email, teams, set(by_email))

    def convert(self, state: UserState, values: dict[str, str], row_number: int) -> dict[str, Any]:
        label = self.field
        name = cells.text(values, "name", label("name").label, 120)
        if not name:
            raise RowError(_("The name is empty."))
        manager = cells.text(values, "manager", label("manager").label, 120)
        team = cells.text(values, "team", label("team").label, 120)
        email = cells.email(values.get("email", ""), label("email").label).lower()
        if cells.name_key(manager) == cells.name_key(name):
            manager = ""  # a manager's own row
        for who in (name, manager):
            if who and len(state.by_name.get(cells.name_key(who), [])) > 1:
                raise RowError(_("Several users are called “%(name)s”.", name=who))
        return {"name": name, "manager": manager, "team": team, "email": email}

    def write(self, state: UserState, rows: list[ParsedRow]) -> BatchResult:
        result = BatchResult()
        # Work on copies: if the database refuses the batch, the state stays as it was.
        by_name = {k: list(v) for k, v in state.by_name.items()}
        by_email, teams, emails = dict(state.by_email), dict(state.teams), set(state.emails)
        for row in rows:
            data = row.data
            created = updated = 0
            team, team_made = None, False
            if data["team"]:
                team_id = teams.get(data["team"].casefold())
                if team_id is None:
                    team = auth_services.create_team(None, name=data["team"], region=data["team"])
                    teams[team.name.casefold()] = team.id
                    created, team_made = created + 1, True
                else:
                    team = db.session.get(Team, team_id)
            if data["manager"]:
                manager, made, moved = self._user(
                    data["manager"], "", Role.MANAGER, team, by_name, by_email, emails
                )
                created, updated = created + made, updated + moved
                if team is not None and team.manager is None:
                    team.manager = manager  # the first manager named for an office leads it
                    updated += 0 if team_made else 1
            _user, made, moved = self._user(
                data["name"], data["email"], Role.REP, team, by_name, by_email, emails
            )
            created, updated = created + made, updated + moved
            result.created += created
            result.updated += updated
            if not created and not updated:
                result.unchanged += 1
        db.session.flush()
        state.by_name, state.by_email, state.teams, state.emails = by_name, by_email, teams, emails
        return result

    @staticmethod
    def _user(
        name: str,
        email: str,
        role: str,
        team: Team | None,
        by_name: dict[str, list[int]],
        by_email: dict[str, int],
        emails: set[str],
    ) -> tuple[User, int, int]:
        """The user of this name (or e-mail), else a new one without a password: (user, created, moved)."""
        user_id = by_email.get(email) if email else None
        if user_id is None:
            ids = by_name.get(cells.name_key(name), [])
            if len(ids) > 1:
                raise RowError(_("Several users are called “%(name)s”.", name=name))
            user_id = ids[0] if ids else None
        if user_id is not None:
            user = db.session.get(User, user_id)
            assert user is not None
            if team is not None and user.team_id != team.id:
                user.team = team  # the file says where the person works now
                return user, 0, 1
            return user, 0, 0
        address = email or imported_email(name, emails)
        user = auth_services.create_user(
            None, email=address, display_name=name, role=role, password=None, team=team
        )
        by_name.setdefault(cells.name_key(name), []).append(user.id)
        by_email[address] = user.id
        emails.add(address)
        return user, 1, 0


importing.register("users", UserImporter())
