"""The user and team importer keeps the three levels of a sales-team list: agents in the team
of their manager, a team per manager, within its regional office; scopes follow it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from salesweb.auth import importers as _importers  # noqa: F401 - registers the kind
from salesweb.auth.models import Role, Team, User
from salesweb.auth.permissions import can_see_owner, scope_owned
from salesweb.core.importing import ImportJob, ImportReject
from salesweb.pipeline.models import Deal
from tests.datasets import crm_dataset
from tests.factories import make_team, make_user
from tests.pipeline.factories import make_deal

TEAMS_FILE = crm_dataset() / "sales_teams.csv"
MANAGERS = {
    "Dustin Brinkmann": "Central",
    "Melvin Marxen": "Central",
    "Cara Losch": "East",
    "Rocco Neubert": "East",
    "Celia Rouche": "West",
    "Summer Sewald": "West",
}


@pytest.fixture(autouse=True)
def uploads_in_tmp_and_english(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.setitem(app.config, "SALESWEB_DEFAULT_LOCALE", "en")


def run(app, path) -> ImportJob:
    result = app.test_cli_runner().invoke(args=["import", "users", str(path)])
    assert result.exit_code == 0, result.output
    from salesweb.extensions import db

    return db.session.scalar(select(ImportJob).order_by(ImportJob.id.desc()).limit(1))


def import_text(app, tmp_path, text: str) -> ImportJob:
    path = tmp_path / f"users-{len(list(tmp_path.iterdir()))}.csv"
    path.write_text(text, encoding="utf-8")
    return run(app, path)


def person(db, name: str) -> User:
    return db.session.scalar(select(User).where(User.display_name == name))


def reasons(db, job: ImportJob) -> dict[int, str]:
    rows = db.session.scalars(select(ImportReject).where(ImportReject.job_id == job.id))
    return {r.row_number: r.reason for r in rows}


def agents_in_file() -> dict[str, str]:
    lines = TEAMS_FILE.read_text(encoding="utf-8").splitlines()[1:]
    return {agent: manager for agent, manager, _office in (line.split(",") for line in lines)}


def test_the_shared_teams_file_gives_a_team_per_manager_within_its_office(app, db):
    job = run(app, TEAMS_FILE)
    assert (job.taken, job.rejected, job.rows_read) == (35, 0, 35)
    teams = {t.name: t for t in db.session.scalars(select(Team))}
    assert set(teams) == {f"{office} · {m}" for m, office in MANAGERS.items()}
    for manager_name, office in MANAGERS.items():
        team = teams[f"{office} · {manager_name}"]
        assert team.region == office
        assert team.manager.display_name == manager_name and team.manager.role == Role.MANAGER
        assert team.manager.team_id == team.id  # the manager works in the team they lead
    for agent, manager_name in agents_in_file().items():
        rep = person(db, agent)
        assert rep.role == Role.REP and rep.team.manager.display_name == manager_name
    assert db.session.scalar(select(func.count()).select_from(User)) == 41


def test_a_second_run_changes_nothing(app, db):
    run(app, TEAMS_FILE)
    again = run(app, TEAMS_FILE)
    assert (again.created_records, again.updated_records) == (0, 0)
    assert (again.taken, again.rejected) == (35, 0)
    assert db.session.scalar(select(func.count()).select_from(Team)) == 6


def test_each_manager_sees_only_their_own_agents_deals(app, db):
    run(app, TEAMS_FILE)
    agents = agents_in_file()
    deals = {name: make_deal(owner=person(db, name)) for name in agents}
    for manager_name in MANAGERS:
        manager = person(db, manager_name)
        seen = set(db.session.scalars(scope_owned(select(Deal.id), manager, Deal.owner_id)))
        mine = {deals[a].id for a, m in agents.items() if m == manager_name}
        assert seen == mine, manager_name
        for agent, deal in deals.items():
            assert can_see_owner(manager, deal.owner) == (agents[agent] == manager_name)
    # Two managers of one office: neither sees the other, nor the other's agents.
    dustin, melvin = person(db, "Dustin Brinkmann"), person(db, "Melvin Marxen")
    assert not can_see_owner(dustin, melvin) and not can_see_owner(melvin, dustin)
    assert not can_see_owner(dustin, person(db, "Darcel Schlecht"))


def test_a_former_team_per_office_is_split_by_manager(app, db, tmp_path):
    """A database imported before this change had one team per office: the office team stays
    with its manager, the other manager gets their own team and their agents follow."""
    central = make_team(name="Central", region="Central")
    dustin = make_user(role=Role.MANAGER, display_name="Dustin Brinkmann", team=central)
    melvin = make_user(role=Role.MANAGER, display_name="Melvin Marxen", team=central)
    central.manager = dustin
    darcel = make_user(display_name="Darcel Schlecht", team=central)
    moses = make_user(display_name="Moses Frase", team=central)
    db.session.commit()
    job = import_text(
        app,
        tmp_path,
        "sales_agent,manager,regional_office\n"
        "Moses Frase,Dustin Brinkmann,Central\n"
        "Darcel Schlecht,Melvin Marxen,Central\n",
    )
    assert (job.taken, job.created_records, job.updated_records) == (2, 1, 2)
    assert moses.team_id == dustin.team_id == central.id
    assert darcel.team_id == melvin.team_id != central.id
    assert darcel.team.name == "Central · Melvin Marxen" and darcel.team.manager_id == melvin.id
    assert not can_see_owner(dustin, darcel) and can_see_owner(melvin, darcel)


def test_managers_rows_teams_named_by_the_file_and_people_who_cannot_move(app, db, tmp_path):
    make_user(display_name="Li Na")  # a rep the file names a manager: promoted
    db.session.commit()
    job = import_text(
        app,
        tmp_path,
        "销售代表,销售经理,大区,团队\n"
        "Li Na,Li Na,华东,华东一组\n"  # the manager's own row
        "Zhang Min,Li Na,华东,华东一组\n"
        "Bo Chen,Wang Fang,华东,华东一组\n"  # the team is led by Li Na
        "Li Na,Wang Fang,华东,\n"  # Li Na leads 华东一组: not an agent of another
        "Ann Lee,,华南,\n",  # no manager: the office is the team
    )
    assert (job.taken, job.rejected) == (3, 2)
    why = reasons(db, job)
    assert "led by Li Na" in why[4] and "Li Na leads the team “华东一组”" in why[5]
    li = person(db, "Li Na")
    assert li.role == Role.MANAGER and li.team.name == "华东一组" and li.team.manager_id == li.id
    assert li.team.region == "华东" and person(db, "Zhang Min").team_id == li.team_id
    assert person(db, "Bo Chen") is None  # the refused row left nothing behind
    ann = person(db, "Ann Lee")
    assert ann.team.name == "华南" and ann.team.manager is None


def test_the_regional_office_column_is_guessed_apart_from_the_team(app):
    importer = _importers.UserImporter()
    with app.test_request_context():
        guessed = importer.guess(["sales_agent", "manager", "regional_office", "team", "email"])
    assert guessed == {"name": 0, "manager": 1, "office": 2, "team": 3, "email": 4}


def test_a_team_that_moved_office_is_updated_once(app, db, tmp_path):
    text = "sales_agent,manager,regional_office\nAnn Lee,Bo Chen,North\n"
    import_text(app, tmp_path, text)
    moved = import_text(app, tmp_path, text.replace("North", "South"))
    team = person(db, "Bo Chen").team
    assert (moved.created_records, moved.updated_records) == (0, 1)
    assert team.region == "South" and team.name == "North · Bo Chen"  # renaming is left to people
    again = import_text(app, tmp_path, text.replace("North", "South"))
    assert (again.created_records, again.updated_records) == (0, 0)
