"""Backup and restore of an installation: the database and every upload folder in one archive
(.tar.gz) with a manifest. SQLite goes through its online backup API in both directions, so a
WAL file left behind by a stop or a crash can never bring newer rows back; PostgreSQL goes
through pg_dump -Fc and pg_restore --clean.

A serving process holds a shared lock on `<database file>.serving` from its first request
on (SQLite), and a server shows as a connection in pg_stat_activity (PostgreSQL): restore
refuses while either says a server is there, unless forced.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from salesweb.config import ROOT
from salesweb.core import files, importing
from salesweb.core.models import utcnow
from salesweb.extensions import db

try:
    import fcntl
except ImportError:  # not POSIX: no server lock, restore relies on the operator
    fcntl = None  # type: ignore[assignment]

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE = {"sqlite": "database/salesweb.sqlite", "postgresql": "database/salesweb.dump"}
FILES = "files"
SECRET_KEY = "secret_key"
_SERVING = "salesweb.serving_lock"
_serving_guard = threading.Lock()


class BackupError(Exception):
    """Backup or restore could not be done; the message tells the operator why."""


def database_kind(url: URL) -> str:
    """'sqlite' or 'postgresql': the databases salesweb can back up."""
    kind = url.get_backend_name()
    if kind not in DATABASE:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {kind}.")
    return kind


def configured_url() -> URL:
    """The database this installation uses (DATABASE_URL), as a URL."""
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def upload_stores() -> dict[str, Path]:
    """Every folder of uploaded files (import files and each area's), by its name in archives."""
    return {"imports": importing.upload_dir(), **files.stores()}


def serving_lock_path(url: URL) -> Path | None:
    """The lock file next to a SQLite database file (None for PostgreSQL or :memory:)."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).with_name(Path(url.database).name + ".serving")


def hold_serving_lock() -> None:
    """Once per process, at its first request: a shared lock that tells restore a server runs.

    The operating system drops it when the process ends, even by a crash. While a restore
    holds the lock exclusively, a new process's first request waits for it to finish."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if _SERVING in app.extensions or fcntl is None:
        return
    with _serving_guard:
        if _SERVING in app.extensions:
            return
        path = serving_lock_path(configured_url())
        descriptor = None
        if path is not None:
            # A bare descriptor, kept for the life of the process: the system closes it.
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(descriptor, fcntl.LOCK_SH)
        app.extensions[_SERVING] = descriptor


def backup(target: Path, with_secret_key: bool = False) -> dict[str, Any]:
    """Write the database, every upload folder and a manifest into one .tar.gz archive."""
    url = configured_url()
    kind = database_kind(url)
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".salesweb-backup-") as tmp:
        dump = Path(tmp) / "database"
        revision = _heads()
        if kind == "sqlite":
            _sqlite_copy(_sqlite_file(url), dump)
        else:
            _run(["pg_dump", "--format=custom", "--file", str(dump)], url)
        stores = upload_stores()
        manifest = {
            "format_version": FORMAT_VERSION,
            "database": kind,
            "revision": revision,
            "created_at": utcnow().isoformat(),
            "stores": sorted(stores),
            "secret_key": with_secret_key,
        }
        partial = Path(tmp) / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode())
            archive.add(dump, DATABASE[kind], recursive=False)
            for name, folder in stores.items():
                for path in sorted(folder.rglob("*")):
                    if path.is_file():
                        relative = path.relative_to(folder).as_posix()
                        archive.add(path, f"{FILES}/{name}/{relative}", recursive=False)
            if with_secret_key:
                archive.add(_secret_key_path(), SECRET_KEY, recursive=False)
        partial.chmod(0o600)  # every customer's data (and perhaps the secret key) is inside
        os.replace(partial, target)  # never a half-written archive under the chosen name
    return manifest


def restore(source: Path, force: bool = False) -> dict[str, Any]:
    """Put an archive's database and upload folders back in place of the current ones."""
    url = configured_url()
    kind = database_kind(url)
    try:
        archive = tarfile.open(source, "r:gz")  # noqa: SIM115 (closed by the with below)
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{source} is not a salesweb backup archive: {exc}") from exc
    with archive:
        manifest = _manifest(archive)
        _check(manifest, kind)
        scratch = Path(current_app.instance_path)
        scratch.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=scratch, prefix=".salesweb-restore-") as tmp:
            unpacked = Path(tmp)
            _extract(archive, unpacked, kind)
            db.session.remove()
            db.engine.dispose()  # our own pooled connections are not "a server"
            with _no_server(url, kind, force):
                if kind == "sqlite":
                    _sqlite_restore(unpacked / DATABASE[kind], _sqlite_file(url))
                else:
                    _run(_PG_RESTORE + [str(unpacked / DATABASE[kind])], url)
                _put_files_back(unpacked / FILES)
                if (unpacked / SECRET_KEY).is_file():
                    _put_secret_key_back(unpacked / SECRET_KEY)
    heads = ScriptDirectory(str(ROOT / "migrations")).get_heads()
    manifest["upgraded"] = sorted(manifest.get("revision") or []) != sorted(heads)
    if manifest["upgraded"]:
        from flask_migrate import upgrade

        upgrade(revision="heads")  # an older backup comes back at today's schema
    return manifest


_PG_RESTORE = [
    "pg_restore",
    "--clean",
    "--if-exists",
    "--no-owner",
    "--no-privileges",
    "--single-transaction",
]


def _heads() -> list[str]:
    with db.engine.connect() as connection:
        return sorted(MigrationContext.configure(connection).get_current_heads())


def _sqlite_file(url: URL) -> Path:
    if serving_lock_path(url) is None:
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(str(url.database))


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live database (readers and writers may go on meanwhile)."""
    if not source.is_file():
        raise BackupError(f"The database file {source} does not exist.")
    live = sqlite3.connect(source, timeout=30)
    copy = sqlite3.connect(target)
    try:
        live.backup(copy)
    finally:
        copy.close()
        live.close()


def _sqlite_restore(backup_file: Path, live_file: Path) -> None:
    """Copy the backup into the live database through SQLite itself: the live WAL is read and
    then overwritten page by page, so nothing newer than the backup survives."""
    _integrity(backup_file, "The archive's database is damaged")
    live_file.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(backup_file)
    live = sqlite3.connect(live_file, timeout=30)
    try:
        source.backup(live)
        live.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        live.close()
        source.close()
    _integrity(live_file, "The restored database failed its integrity check")


def _integrity(path: Path, message: str) -> None:
    connection = sqlite3.connect(path)
    try:
        result = connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()
    if result != "ok":
        raise BackupError(f"{message}: {result}")


def _run(command: list[str], url: URL) -> None:
    """Run a PostgreSQL client with the connection of DATABASE_URL (password in the environment,
    never on the command line where `ps` shows it)."""
    dsn = URL.create(
        "postgresql", url.username, None, url.host, url.port, url.database, url.query
    ).render_as_string(hide_password=False)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    try:
        done = subprocess.run(
            [command[0], "--dbname", dsn, *command[1:]],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client).") from exc
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()}")


@contextmanager
def _no_server(url: URL, kind: str, force: bool) -> Iterator[None]:
    """Refuse (unless forced) while a server uses the database; hold it off meanwhile."""
    if kind == "postgresql":
        others = _other_connections()
        if others and not force:
            raise BackupError(
                f"{others} other connection(s) to database {url.database} are open: stop every "
                "salesweb process (and other clients) first, or use --force."
            )
        yield
        return
    path = serving_lock_path(url)
    if path is None or fcntl is None:
        yield
        return
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not force:
                raise BackupError(
                    "A salesweb server is using this database: stop it first, or use --force."
                ) from None
        yield  # closing the file releases the lock


def _other_connections() -> int:
    with db.engine.connect() as connection:
        count = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    db.engine.dispose()
    return int(count)


def _manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = archive.getmember(MANIFEST)
        handle = archive.extractfile(member)
        manifest = json.loads(handle.read()) if handle else None
    except (KeyError, ValueError, tarfile.TarError) as exc:
        raise BackupError("The archive has no readable manifest: not a salesweb backup.") from exc
    if not isinstance(manifest, dict):
        raise BackupError("The archive's manifest is not valid.")
    return manifest


def _check(manifest: dict[str, Any], kind: str) -> None:
    """Refuse an archive of another database kind, a newer format or a newer schema."""
    if not isinstance(manifest.get("format_version"), int):
        raise BackupError("The archive's manifest has no format version.")
    if manifest["format_version"] > FORMAT_VERSION:
        raise BackupError("The archive was made by a newer salesweb: upgrade salesweb first.")
    if manifest.get("database") != kind:
        raise BackupError(
            f"The archive holds a {manifest.get('database')} database; this installation "
            f"uses {kind}. Restore it into an installation with the same database."
        )
    revisions = manifest.get("revision") or []
    if not isinstance(revisions, list):
        raise BackupError("The archive's manifest names no schema revision list.")
    scripts = ScriptDirectory(str(ROOT / "migrations"))
    for revision in revisions:
        try:
            known = scripts.get_revision(str(revision))
        except CommandError:
            known = None
        if known is None:
            raise BackupError(
                f"The archive's database is at schema revision {revision}, which this salesweb "
                "does not know (it is newer): upgrade salesweb first."
            )


def _extract(archive: tarfile.TarFile, target: Path, kind: str) -> None:
    """Unpack only the parts a backup has; the 'data' filter refuses paths that leave target."""
    wanted = {DATABASE[kind], SECRET_KEY}
    found = False
    for member in archive.getmembers():
        if member.name == MANIFEST:
            continue
        expected = member.name in wanted or member.name.startswith(f"{FILES}/")
        if not expected or not (member.isfile() or member.isdir()):
            raise BackupError(f"The archive holds an unexpected entry: {member.name}")
        try:
            archive.extract(member, target, filter="data")
        except tarfile.FilterError as exc:
            raise BackupError(f"The archive holds an unsafe entry: {member.name}") from exc
        found = found or member.name == DATABASE[kind]
    if not found:
        raise BackupError("The archive holds no database.")


def _put_files_back(unpacked: Path) -> None:
    """Make every upload folder hold exactly the archive's files: the folder is rebuilt next
    to itself and swapped in, so a failure leaves the old one whole."""
    for name, folder in upload_stores().items():
        incoming = unpacked / name
        staging = folder.with_name(f".{folder.name}.restoring")
        retired = folder.with_name(f".{folder.name}.replaced")
        for leftover in (staging, retired):
            shutil.rmtree(leftover, ignore_errors=True)
        if incoming.is_dir():
            shutil.copytree(incoming, staging)
        else:
            staging.mkdir()
        folder.rename(retired)
        staging.rename(folder)
        shutil.rmtree(retired)


def _secret_key_path() -> Path:
    path = Path(current_app.instance_path) / SECRET_KEY
    if not path.is_file():
        raise BackupError(f"There is no {path} to include (SECRET_KEY comes from the environment).")
    return path


def _put_secret_key_back(unpacked: Path) -> None:
    path = Path(current_app.instance_path) / SECRET_KEY
    shutil.copyfile(unpacked, path)
    path.chmod(0o600)


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(utcnow().timestamp())
    info.mode = 0o600
    stream: IO[bytes] = io.BytesIO(data)
    archive.addfile(info, stream)
