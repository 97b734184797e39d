"""Importing targets: owner, period, measure and number per row; every rejected row with its
reason, taken + rejected = read; a second run changes nothing; managers are offered the kind."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from salesweb.core.importing import ImportJob, ImportReject
from salesweb.goals.models.target import Target
from tests.conftest import by_id
from tests.factories import make_team, make_user

EN = {"Accept-Language": "en"}


@pytest.fixture(autouse=True)
def uploads_in_tmp_and_english(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.setitem(app.config, "SALESWEB_DEFAULT_LOCALE", "en")


def run_file(app, tmp_path, text: str):
    path = tmp_path / f"targets-{len(list(tmp_path.iterdir()))}.csv"
    path.write_text(text, encoding="utf-8")
    return app.test_cli_runner().invoke(args=["import", "targets", str(path)])


def _last_job(db):
    return db.session.scalar(select(ImportJob).order_by(ImportJob.id.desc()).limit(1))


def test_rows_are_taken_or_rejected_with_reasons(app, db, tmp_path):
    team = make_team(name="East 华东")
    make_user(email="rita@example.com", team_id=team.id)
    db.session.commit()
    content = (
        "owner,period,measure,number\n"
        "company,2026,won_amount,1200000\n"
        "East 华东,2026-Q3,业绩,300000.50\n"
        "rita@example.com,2026-07,Won deals,4\n"
        "rita@example.com,2026-08,won_count,1.5\n"
        "nobody@example.com,2026-Q3,won_amount,10\n"
        "company,2026-Q5,won_amount,10\n"
        "company,2026-Q4,won_amount,-3\n"
        "company,2026-Q4,bananas,3\n"
        "company,2026,won_amount,5\n"
    )
    result = run_file(app, tmp_path, content)
    assert result.exit_code == 0, result.output
    job = _last_job(db)
    rejects = {
        r.row_number: r.reason
        for r in db.session.scalars(select(ImportReject).where(ImportReject.job_id == job.id))
    }
    assert sorted(rejects) == [5, 6, 7, 8, 9, 10]
    assert "whole numbers" in rejects[5] and "nobody@example.com" in rejects[6]
    assert "no such period" in rejects[7] and "negative" in rejects[8]
    assert "measure" in rejects[9] and "Row 2" in rejects[10]
    taken = db.session.scalar(select(func.count()).select_from(Target))
    assert taken == 3 and taken + len(rejects) == 9
    team_target = db.session.scalar(select(Target).where(Target.team_id == team.id))
    assert team_target.value == Decimal("300000.50") and team_target.period_key == "2026-Q3"
    again = run_file(app, tmp_path, content)
    assert again.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Target)) == 3
    assert _last_job(db).unchanged_records == 3


def test_managers_are_offered_the_targets_import_and_reps_are_not(client, db, login_as):
    login_as("manager")
    offered = by_id(client.get("/customers/imports/new", headers=EN), "kind").xpath(
        "./option/@value"
    )
    assert "targets" in offered
    login_as("rep")
    response = client.get("/customers/imports/new", headers=EN)
    kinds = by_id(response, "kind")
    assert kinds is None or "targets" not in kinds.xpath("./option/@value")
