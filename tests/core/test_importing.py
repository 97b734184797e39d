"""core.importing: reading files by content, row numbering, the runner, output helpers."""

from __future__ import annotations

import codecs
import io
import time
from datetime import timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from salesweb import config as app_config
from salesweb import create_app
from salesweb.core import importing, jobs, spreadsheets
from salesweb.core.importing import (
    BatchResult,
    Importer,
    ImportField,
    ImportJob,
    ImportReject,
    RowError,
    Status,
    Table,
    UploadRefused,
)
from salesweb.core.models import utcnow
from salesweb.extensions import db as _db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    workbook.close()
    return out.getvalue()


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


class Things(Importer):
    """A test importer: keeps what it is given, refuses 'bad' and, at write time, 'boom'."""

    label = "Things"
    batch_size = 2
    fields = (
        ImportField("name", "Name", ("名称",), required=True),
        ImportField("size", "Size", ("尺寸",)),
        ImportField("colour", "Colour", fixed=True),
    )

    def __init__(self) -> None:
        self.written: list[dict] = []

    def allowed(self, user):
        return True

    def prepare(self, job):
        return {}

    def convert(self, state, values, row_number):
        if values.get("name") == "bad":
            raise RowError("bad name")
        return dict(values)

    def write(self, state, rows):
        if any(r.data["name"] == "boom" for r in rows):
            raise RuntimeError("database says no")
        self.written.extend(r.data for r in rows)
        return BatchResult(created=len(rows))


@pytest.fixture(autouse=True)
def uploads_in_tmp(app, tmp_path, monkeypatch):
    """Stored uploads go to a temporary instance folder, not the working tree's."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))


@pytest.fixture
def things():
    importer = Things()
    importing.register("things", importer)
    yield importer
    importing._IMPORTERS.pop("things", None)


# --- reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        ("名称,尺寸\n上海公司,1\n".encode(), "utf-8"),
        (codecs.BOM_UTF8 + "名称,尺寸\n上海公司,1\n".encode(), "utf-8-sig"),
        ("名称,尺寸\n上海公司,1\n".encode("gbk"), "gb18030"),
        ("名称\t尺寸\n上海公司\t1\n".encode("utf-16"), "utf-16"),
    ],
)
def test_csv_encodings_are_detected(tmp_path, content, encoding):
    path = write(tmp_path, "a.csv", content)
    assert importing.sniff_format(path) == ("csv", encoding)
    with Table(path, "csv", encoding) as table:
        assert table.headers() == ["名称", "尺寸"]
        assert list(table.rows()) == [(2, ["上海公司", "1"])]


def test_xlsx_is_recognised_by_content_whatever_its_name(tmp_path):
    path = write(
        tmp_path,
        "really.csv",
        xlsx_bytes([["名称", "尺寸"], ["上海公司", 2.0], [None, None], ["B", 1.5]]),
    )
    assert importing.sniff_format(path) == ("xlsx", None)
    with Table(path, "xlsx", None) as table:
        assert table.headers() == ["名称", "尺寸"]
        # an empty row is skipped; numbers read as a person sees them
        assert list(table.rows()) == [(2, ["上海公司", "2"]), (4, ["B", "1.5"])]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (PNG, "not a CSV or XLSX"),
        (EXE, "not a CSV or XLSX"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
        (b"", "empty"),
        (b"PK\x03\x04" + b"\x00" * 100, "ZIP"),
    ],
)
def test_files_that_are_not_spreadsheets_are_refused(app, tmp_path, content, says):
    path = write(tmp_path, "upload.csv", content)
    with (
        app.test_request_context(headers={"Accept-Language": "en"}),
        pytest.raises(UploadRefused) as exc,
    ):
        importing.sniff_format(path)
    assert says in exc.value.message
    assert exc.value.field == "file"


def test_rows_are_numbered_as_a_spreadsheet_shows_them(tmp_path):
    content = b'\n\nname,size\na,1\n\n"b\nc",2\nd,3,extra\n'
    path = write(tmp_path, "a.csv", content)
    with Table(path, "csv", "utf-8") as table:
        assert table.headers() == ["name", "size"]
        rows = list(table.rows())
    # blank lines before the header and between rows are not rows; a quoted newline is one row
    assert [n for n, _ in rows] == [4, 6, 7]
    assert rows[1][1] == ["b\nc", "2"]
    assert rows[2][1] == ["d", "3", "extra"]


def test_semicolon_separated_csv(tmp_path):
    path = write(tmp_path, "a.csv", b"name;size\na;1\n")
    with Table(path, "csv", "utf-8") as table:
        assert table.headers() == ["name", "size"]
        assert list(table.rows()) == [(2, ["a", "1"])]


def test_guess_matches_keys_aliases_and_both_languages(app, things):
    with app.app_context():
        guessed = things.guess(["名称", "SIZE ", "colour", "other"])
    assert guessed == {"name": 0, "size": 1, "colour": 2}


# --- jobs ------------------------------------------------------------------------------------


def _job(app, things, tmp_path, content: bytes, name="t.csv") -> ImportJob:
    path = write(tmp_path, name, content)
    with path.open("rb") as handle:
        job = importing.store_upload(handle, name, "things", None)
    _db.session.commit()
    return job


def test_runner_takes_or_rejects_every_row_and_commits_per_batch(app, db, things, tmp_path):
    job = _job(app, things, tmp_path, b"name,size\na,1\nbad,2\nc,3\nboom,4\ne,5,extra\nf,6\n")
    importing.set_mapping(job, {"name": "0", "size": "1"}, {"colour": "red"})
    importing.queue_job(job)
    db.session.commit()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        done = importing.run_job(job.id)
    assert done.status == Status.DONE
    assert (done.rows_read, done.taken, done.rejected) == (6, 3, 3)
    assert done.taken + done.rejected == done.rows_read
    assert [d["name"] for d in things.written] == ["a", "c", "f"]
    assert things.written[0] == {"name": "a", "size": "1", "colour": "red"}
    rejects = {
        r.row_number: r
        for r in db.session.scalars(select(ImportReject).where(ImportReject.job_id == job.id))
    }
    assert rejects[3].reason == "bad name" and rejects[3].raw == ["bad", "2"]
    assert "database refused" in rejects[5].reason and rejects[5].raw == ["boom", "4"]
    assert "unquoted separator" in rejects[6].reason
    assert not done.path().exists()  # the upload is removed once imported


def test_a_job_runs_once(app, db, things, tmp_path):
    job = _job(app, things, tmp_path, b"name\na\n")
    importing.queue_job(job)
    db.session.commit()
    assert importing.run_job(job.id).status == Status.DONE
    assert importing.run_job(job.id) is None
    with pytest.raises(importing.DomainError):
        importing.queue_job(job)


def test_a_stalled_job_resumes_after_its_last_batch(app, db, things, tmp_path):
    job = _job(app, things, tmp_path, b"name\na\nb\nc\nd\ne\n")
    job.status = Status.RUNNING
    job.rows_read, job.taken = 2, 2
    job.heartbeat_at = utcnow() - timedelta(minutes=30)
    db.session.commit()
    assert job.stalled
    done = importing.run_job(job.id)
    assert [d["name"] for d in things.written] == ["c", "d", "e"]
    assert (done.rows_read, done.taken, done.rejected) == (5, 5, 0)


def test_the_resume_job_hands_stalled_imports_to_the_queue_again(app, db, things, tmp_path):
    stalled = _job(app, things, tmp_path, b"name\na\nb\nc\n")
    stalled.status, stalled.rows_read, stalled.taken = Status.RUNNING, 1, 1
    stalled.heartbeat_at = utcnow() - timedelta(minutes=30)
    busy = _job(app, things, tmp_path, b"name\nx\n", name="busy.csv")
    busy.status, busy.heartbeat_at = Status.RUNNING, utcnow()  # its worker is still reporting
    db.session.commit()
    run = jobs.run(app, jobs.spec_for("imports.resume"), trigger="manual")
    assert run.result == {"count": 1}
    assert [d["name"] for d in things.written] == ["b", "c"]  # on from its last batch
    assert (stalled.status, stalled.taken, busy.status) == (Status.DONE, 3, Status.RUNNING)


def test_mapping_needs_the_required_fields(app, db, things, tmp_path):
    job = _job(app, things, tmp_path, b"name,size\na,1\n")
    with (
        app.test_request_context(headers={"Accept-Language": "en"}),
        pytest.raises(importing.DomainError) as exc,
    ):
        importing.set_mapping(job, {"size": "1"}, {})
    assert "Name" in exc.value.message


def test_a_failure_marks_the_job_failed_with_its_error(app, db, things, tmp_path, monkeypatch):
    job = _job(app, things, tmp_path, b"name\na\n")
    importing.queue_job(job)
    db.session.commit()
    monkeypatch.setattr(things, "prepare", lambda job: 1 / 0)
    done = importing.run_job(job.id)
    assert done.status == Status.FAILED and "division by zero" in done.error


def test_a_queued_job_runs_on_a_worker_in_its_own_app_context(tmp_path, things):
    """Not immediate: the job waits in the SQLite queue until a worker thread takes it."""
    config = app_config.TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/worker.sqlite"
    config.SALESWEB_JOBS_IMMEDIATE = False
    config.SALESWEB_JOBS_PATH = str(tmp_path / "jobs.sqlite")
    other = create_app(config)
    other.instance_path = str(tmp_path)
    with other.app_context():
        upgrade()
        path = write(tmp_path, "t.csv", b"name\na\nb\nc\n")
        with path.open("rb") as handle:
            job = importing.store_upload(handle, "t.csv", "things", None)
        importing.queue_job(job)
        job_id = job.id
        _db.session.commit()
        importing.enqueue_job(job_id)
        huey = jobs.huey_of(other)
        assert huey.pending_count() == 1  # nothing ran in the caller
        _db.session.remove()
    consumer = jobs._EmbeddedConsumer(huey, workers=1, worker_type="thread", periodic=False)
    consumer.start()
    try:
        with other.test_request_context():  # reads as a GET: no write lock held while polling
            deadline = time.monotonic() + 30
            finished = select(jobs.JobRun).where(
                jobs.JobRun.name == "imports.run", jobs.JobRun.status != jobs.RunStatus.RUNNING
            )
            while time.monotonic() < deadline:
                run = _db.session.scalar(finished)  # the run row is written after the import
                if run is not None:
                    break
                _db.session.rollback()  # end the read snapshot to see the worker's commits
                time.sleep(0.1)
            job = _db.session.get(ImportJob, job_id)
            assert (job.status, job.taken, job.rows_read) == (Status.DONE, 3, 3)
            assert run.status == jobs.RunStatus.DONE and run.arguments == str(job_id)
            assert run.result == {"id": job_id, "taken": 3, "rejected": 0}
    finally:
        consumer.stop(graceful=True)
        with other.app_context():
            _db.session.remove()
            _db.engine.dispose()


def test_cli_mapping_overrides_the_guess(app, things):
    with app.app_context():
        columns, fixed = importing.cli_mapping(
            things, ["名称", "size", "x"], ["size=", "x=size"], ["colour=blue"]
        )
    assert columns == {"name": 0, "size": 2} and fixed == {"colour": "blue"}


# --- output ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+86", "-2+3", "@SUM(A1)", "\t=x"])
def test_formulas_are_neutralised(text):
    assert spreadsheets.neutralise(text) == "'" + text


def test_plain_values_are_left_alone():
    assert spreadsheets.neutralise("上海") == "上海"
    assert spreadsheets.neutralise(-5) == -5
    assert spreadsheets.neutralise(None) is None


def test_csv_stream_has_a_bom_and_neutralises(app):
    text = "".join(spreadsheets.csv_stream(["名称"], [["=cmd|' /C calc'!A0"], ["上海"]], chunk=1))
    assert text.startswith("\ufeff名称\r\n")
    assert "'=cmd" in text and "上海" in text


def test_xlsx_file_neutralises_formulas():
    out = spreadsheets.xlsx_file(["name"], [["=1+1"], [3]], title="things")
    workbook = load_workbook(out, read_only=True)
    values = [row[0] for row in workbook.active.iter_rows(values_only=True)]
    workbook.close()
    out.close()
    assert values == ["name", "'=1+1", 3]


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("'+86 21 5555 0199", "+86 21 5555 0199"),
        ("'=SUM(A1)", "=SUM(A1)"),
        ("'-5", "-5"),
        ("'@home", "@home"),
        ("'quoted'", "'quoted'"),  # not a mark: kept as the person typed it
        ("'", "'"),
        ("''=x", "''=x"),
        ("+86 21", "+86 21"),
    ],
)
def test_the_export_mark_is_removed_only_before_a_formula_start(cell, value):
    assert spreadsheets.unmark(cell) == value
    assert spreadsheets.unmark(spreadsheets.neutralise(value)) == value


# --- money: a currency is said, never assumed; the counts of records -----------------------


class Priced(Things):
    """Things with a price whose currency is a field of its own."""

    fields = (
        *Things.fields,
        ImportField("price", "Price"),
        ImportField("currency", "Currency", fixed=True, currency_of=("price",)),
    )

    def write(self, state, rows):
        # "same" rows change nothing, "new" rows make a record, the others update one
        result = BatchResult()
        for row in rows:
            if row.data["name"] == "same":
                result.unchanged += 1
            elif row.data["name"] == "new":
                result.created += 1
            else:
                result.updated += 1
        return result


@pytest.fixture
def priced():
    importing.register("priced", Priced())
    yield
    importing._IMPORTERS.pop("priced", None)


def test_amounts_without_a_currency_are_refused_saying_how_to_give_one(app, db, priced, tmp_path):
    path = write(tmp_path, "p.csv", b"name,price\na,1\n")
    with path.open("rb") as handle:
        job = importing.store_upload(handle, "p.csv", "priced", None)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(importing.DomainError) as exc:
            importing.set_mapping(job, {"name": "0", "price": "1"}, {})
        assert "no currency" in exc.value.message and "--set currency=USD" in exc.value.message
        assert "Price" in exc.value.message
        assert job.mapping == {"columns": {"name": 0, "price": 1}, "fixed": {}}  # the guess
        importing.set_mapping(job, {"name": "0", "price": "1"}, {"currency": "USD"})
        importing.set_mapping(job, {"name": "0"}, {})  # no amounts: no currency needed


def test_the_job_counts_created_updated_and_unchanged_records(app, db, priced, tmp_path):
    path = write(tmp_path, "p.csv", b"name,price,currency\nnew,1,USD\nsame,2,USD\nx,3,USD\n")
    result = app.test_cli_runner().invoke(args=["import", "priced", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-2:] == [
        "created: 1 updated: 1 unchanged: 1",
        "taken: 3 rejected: 0 read: 3",
    ]
    job = db.session.scalar(select(ImportJob).order_by(ImportJob.id.desc()).limit(1))
    assert (job.created_records, job.updated_records, job.unchanged_records) == (1, 1, 1)


def test_help_lists_the_fields_set_gives(app, priced):
    result = app.test_cli_runner().invoke(args=["import", "priced", "--help"])
    assert result.exit_code == 0
    assert "Fields for --set FIELD=VALUE" in result.output
    assert "  colour: Colour" in result.output and "  currency: Currency" in result.output
