"""`flask backup` and `flask restore`: every table's rows and every uploaded file come back as
they were at the backup, on SQLite and PostgreSQL; a WAL left by a crash brings nothing newer
back; restore refuses while a server holds the database and refuses foreign archives.

Each test has its own database (a SQLite file, or `<TEST_DATABASE_URL's name>_backup`), never
the suite's shared connection."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, delete, func, inspect, select, text
from sqlalchemy.engine import make_url

from salesweb import config as salesweb_config
from salesweb import create_app
from salesweb.core import backup, files, importing
from salesweb.customers.models import Account, Interaction
from salesweb.extensions import db
from tests.factories import make_account, make_contact, make_interaction, make_user

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
KINDS = ["sqlite", "postgresql"]


def _database(kind: str, tmp_path: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path}/live.sqlite"
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL is not set")
    parsed = make_url(url)
    name = f"{parsed.database}_backup"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


@contextmanager
def live_app(kind: str, tmp_path: Path):
    """A migrated installation of its own: database, upload folders and instance folder."""
    config = salesweb_config.TestConfig()
    config.SQLALCHEMY_DATABASE_URI = _database(kind, tmp_path)
    config.SALESWEB_FILES_DIR = str(tmp_path / "files")
    app = create_app(config)
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        upgrade(revision="heads")
        try:
            yield app
        finally:
            descriptor = app.extensions.pop("salesweb.serving_lock", None)
            if descriptor is not None:
                os.close(descriptor)
            db.session.remove()
            db.engine.dispose()


def cli(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def populate() -> None:
    rep = make_user(role="rep", display_name="Before")
    account = make_account(owner=rep, name="保留公司")
    make_contact(account, name="王芳")
    make_interaction(account, author=rep)
    make_interaction(account, author=rep)
    files.store(io.BytesIO(b"%PDF-1.4 kept contract"), "kept.pdf")
    files.store(io.BytesIO(PNG), "slide.png", area="lesson-files")
    (importing.upload_dir() / "accounts.upload").write_bytes(b"name\nA\n")
    db.session.commit()


def change_everything() -> None:
    """Insert, update and delete rows; add one upload and remove another."""
    rep = db.session.scalar(select(Account).limit(1)).owner
    make_account(owner=rep, name="Newer Co")
    rep.display_name = "After"
    db.session.execute(delete(Interaction))
    db.session.commit()
    files.store(io.BytesIO(b"%PDF-1.4 newer"), "newer.pdf")
    for path in files.storage_dir("lesson-files").iterdir():
        path.unlink()


def rows() -> dict[str, list[str]]:
    """Every table's rows, in a stable order."""
    db.session.remove()
    with db.engine.connect() as conn:
        return {
            name: sorted(repr(tuple(row)) for row in conn.execute(text(f'SELECT * FROM "{name}"')))
            for name in sorted(inspect(conn).get_table_names())
        }


def stored_files() -> dict[str, str]:
    return {
        f"{name}/{path.relative_to(folder).as_posix()}": hashlib.sha256(
            path.read_bytes()
        ).hexdigest()
        for name, folder in backup.upload_stores().items()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def accounts_named(name: str) -> int:
    db.session.remove()
    return db.session.scalar(select(func.count()).where(Account.name == name))


@pytest.mark.parametrize("kind", KINDS)
def test_restore_brings_back_every_row_and_file_as_at_backup(kind, tmp_path):
    with live_app(kind, tmp_path) as app:
        populate()
        before_rows, before_files = rows(), stored_files()
        assert len(before_files) == 3 and before_rows["accounts"]
        archive = tmp_path / "salesweb-backup.tar.gz"
        made = cli(app, "backup", str(archive))
        assert made.exit_code == 0, made.output
        change_everything()
        assert rows() != before_rows and stored_files() != before_files
        restored = cli(app, "restore", str(archive))
        assert restored.exit_code == 0, restored.output
        assert rows() == before_rows
        assert stored_files() == before_files
        with tarfile.open(archive) as tar:
            manifest = json.load(tar.extractfile("manifest.json"))
            assert backup.SECRET_KEY not in tar.getnames()
        assert manifest["database"] == kind and manifest["format_version"] == 1
        assert [repr((r,)) for r in manifest["revision"]] == rows()["alembic_version"]
        assert manifest["created_at"] and archive.stat().st_mode & 0o077 == 0


def test_a_newer_wal_left_by_a_crash_does_not_come_back(tmp_path):
    with live_app("sqlite", tmp_path) as app:
        populate()
        before = rows()
        archive = tmp_path / "b.tar.gz"
        assert cli(app, "backup", str(archive)).exit_code == 0
        live = Path(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)
        holder = sqlite3.connect(live)  # an open connection keeps the WAL from being folded in
        make_account(name="Newer Co")
        db.session.commit()
        crash = tmp_path / "crash"
        crash.mkdir()
        names = [live.name, f"{live.name}-wal", f"{live.name}-shm"]
        for name in names:  # the files as a killed server leaves them
            shutil.copy(live.parent / name, crash / name)
        assert (crash / f"{live.name}-wal").stat().st_size > 0
        db.session.remove()
        db.engine.dispose()
        holder.close()
        for name in names:
            shutil.copy(crash / name, live.parent / name)
        probe = tmp_path / "probe"
        shutil.copytree(crash, probe)  # the crash image really holds the newer row
        with sqlite3.connect(probe / live.name) as check:
            newer = check.execute("SELECT count(*) FROM accounts WHERE name = 'Newer Co'")
            assert newer.fetchone()[0] == 1
        restored = cli(app, "restore", str(archive))
        assert restored.exit_code == 0, restored.output
        assert accounts_named("Newer Co") == 0
        assert rows() == before
        db.engine.dispose()
        with sqlite3.connect(live) as check:
            assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.parametrize("kind", KINDS)
def test_restore_refuses_while_a_server_holds_the_database(kind, tmp_path):
    with live_app(kind, tmp_path) as app:
        populate()
        archive = tmp_path / "b.tar.gz"
        assert cli(app, "backup", str(archive)).exit_code == 0
        make_account(name="After Backup")
        db.session.commit()
        server = None
        if kind == "sqlite":
            assert app.test_client().get("/healthz").status_code == 200  # a serving process
        else:
            url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
            import psycopg

            server = psycopg.connect(url.render_as_string(hide_password=False))
        refused = cli(app, "restore", str(archive))
        assert refused.exit_code != 0
        assert "stop" in refused.output and "--force" in refused.output
        assert accounts_named("After Backup") == 1
        if server is not None:
            server.close()
            forced = cli(app, "restore", str(archive))
        else:
            forced = cli(app, "restore", "--force", str(archive))
        assert forced.exit_code == 0, forced.output
        assert accounts_named("After Backup") == 0


def _rewritten(archive: Path, target: Path, **manifest_changes) -> Path:
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "manifest.json":
                data = json.dumps({**json.loads(data), **manifest_changes}).encode()
                member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    return target


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"database": "postgresql"}, "holds a postgresql database"),
        ({"revision": ["0999"]}, "newer"),
        ({"format_version": 2}, "newer salesweb"),
    ],
)
def test_restore_refuses_a_foreign_or_newer_archive(tmp_path, changes, message):
    with live_app("sqlite", tmp_path) as app:
        populate()
        archive = tmp_path / "b.tar.gz"
        assert cli(app, "backup", str(archive)).exit_code == 0
        make_account(name="After Backup")
        db.session.commit()
        foreign = _rewritten(archive, tmp_path / "foreign.tar.gz", **changes)
        refused = cli(app, "restore", str(foreign))
        assert refused.exit_code != 0 and message in refused.output
        assert accounts_named("After Backup") == 1


def test_restore_refuses_what_is_not_an_archive_and_keeps_the_secret_key_only_when_asked(
    tmp_path,
):
    with live_app("sqlite", tmp_path) as app:
        junk = tmp_path / "junk.tar.gz"
        junk.write_text("not an archive")
        refused = cli(app, "restore", str(junk))
        assert refused.exit_code != 0 and "not a salesweb backup" in refused.output
        secret = Path(app.instance_path) / "secret_key"
        secret.parent.mkdir(parents=True, exist_ok=True)
        secret.write_text("kept-secret")
        archive = tmp_path / "with-key.tar.gz"
        assert cli(app, "backup", "--with-secret-key", str(archive)).exit_code == 0
        secret.write_text("changed")
        assert cli(app, "restore", str(archive)).exit_code == 0
        assert secret.read_text() == "kept-secret" and secret.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("entry", ["files/imports/../../../../escaped", "files/imports/link"])
def test_restore_refuses_entries_that_leave_the_archive(tmp_path, entry):
    with live_app("sqlite", tmp_path) as app:
        archive = tmp_path / "b.tar.gz"
        assert cli(app, "backup", str(archive)).exit_code == 0
        make_account(name="After Backup")
        db.session.commit()
        hostile = tmp_path / "hostile.tar.gz"
        with tarfile.open(archive) as tar:
            members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
        with tarfile.open(hostile, "w:gz") as out:
            for member, data in members:
                out.addfile(member, io.BytesIO(data))
            extra = tarfile.TarInfo(entry)
            if entry.endswith("link"):
                extra.type, extra.linkname = tarfile.SYMTYPE, "/etc/passwd"
                out.addfile(extra)
            else:
                extra.size = 4
                out.addfile(extra, io.BytesIO(b"evil"))
        refused = cli(app, "restore", str(hostile))
        assert refused.exit_code != 0 and "entry" in refused.output
        assert accounts_named("After Backup") == 1
        assert not (tmp_path / "escaped").exists()
