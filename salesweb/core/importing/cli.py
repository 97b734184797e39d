"""`flask import KIND FILE`: one sub-command per registered importer, and `flask import resume`."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import click
from flask import Flask, current_app
from flask_babel import force_locale

from salesweb.core.errors import DomainError
from salesweb.core.importing.models import ImportJob, Status
from salesweb.core.importing.reading import UploadRefused
from salesweb.core.importing.registry import Importer, get_importer, importer_for, importers
from salesweb.core.importing.runner import queue_job, run_job
from salesweb.core.importing.storage import rejects_of, set_mapping, store_upload
from salesweb.extensions import db


def _parse_pairs(pairs: Sequence[str], option: str) -> dict[str, str]:
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint=option)
        name, value = pair.split("=", 1)
        out[name.strip()] = value.strip()
    return out


def cli_mapping(
    importer: Importer, headers: list[str], maps: Sequence[str], sets: Sequence[str]
) -> tuple[dict, dict]:
    """The guessed mapping changed by --map COLUMN=FIELD (empty FIELD: ignore the column)."""
    columns = importer.guess(headers)
    known = {f.key for f in importer.fields}
    lookup = {h: i for i, h in reversed(list(enumerate(headers)))}
    for column, target in _parse_pairs(maps, "--map").items():
        if column not in lookup:
            raise click.BadParameter(
                f"no column {column!r} in the file (columns: {', '.join(headers)})",
                param_hint="--map",
            )
        index = lookup[column]
        columns = {k: v for k, v in columns.items() if v != index}
        if target:
            if target not in known:
                raise click.BadParameter(
                    f"unknown field {target!r} (fields: {', '.join(sorted(known))})",
                    param_hint="--map",
                )
            columns[target] = index
    fixed = _parse_pairs(sets, "--set")
    return columns, fixed


class _ImportGroup(click.Group):
    """`flask import KIND FILE`: one sub-command per registered importer, found at run time."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*importers(), "resume"])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name == "resume":
            return _resume_command()
        if get_importer(name) is not None:
            return _kind_command(name)
        return None


def _kind_command(kind: str) -> click.Command:
    importer = importer_for(kind)

    @click.command(
        name=kind, help=f"Import {kind} from a CSV or XLSX file.", epilog=_fixed_help(importer)
    )
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option(
        "--map",
        "maps",
        multiple=True,
        metavar="COLUMN=FIELD",
        help="Map a column to a field (FIELD empty: ignore it).",
    )
    @click.option(
        "--set",
        "sets",
        multiple=True,
        metavar="FIELD=VALUE",
        help="One value for every row of a field.",
    )
    def command(
        file: Path, maps: tuple[str, ...], sets: tuple[str, ...], **options: tuple[str, ...]
    ) -> None:
        with file.open("rb") as handle:
            limit = current_app.config["SALESWEB_UPLOAD_LIMIT"]
            current_app.config["SALESWEB_UPLOAD_LIMIT"] = (
                1 << 62
            )  # the command line has no upload limit
            try:
                job = store_upload(handle, file.name, kind, None)
            except UploadRefused as exc:
                raise click.ClickException(exc.message) from exc
            finally:
                current_app.config["SALESWEB_UPLOAD_LIMIT"] = limit
        columns, fixed = cli_mapping(importer, job.headers, maps, sets)
        try:
            set_mapping(job, {k: str(v) for k, v in columns.items()}, fixed, options)
        except DomainError as exc:
            job.path().unlink(missing_ok=True)
            db.session.rollback()
            raise click.ClickException(exc.message) from exc
        mapped = ", ".join(
            f"{job.headers[i]}->{k}"
            for k, i in sorted(job.mapping["columns"].items(), key=lambda kv: kv[1])
        )
        click.echo(f"mapping: {mapped}")
        queue_job(job)
        db.session.commit()
        job = run_job(job.id)
        assert job is not None
        _report(job)

    for option in importer.options:  # the importer's own settings, e.g. deals' --map-stage
        command.params.append(
            click.Option(
                [f"--{option.key.replace('_', '-')}", option.key],
                multiple=True,
                metavar=option.metavar,
                help=option.cli_help or None,
            )
        )
    return command


def _fixed_help(importer: Importer) -> str | None:
    """The fields that `--set FIELD=VALUE` gives for every row, each with what it does."""
    fields = [f for f in importer.fields if f.fixed]
    if not fields:
        return None
    with force_locale("en"):  # the command line speaks English, as its options do
        lines = [
            textwrap.fill(
                f"{f.key}: {f.help or f.label}", 78, initial_indent="  ", subsequent_indent="    "
            )
            for f in fields
        ]
    # \b keeps click from re-flowing the list into one paragraph.
    return "\b\nFields for --set FIELD=VALUE (one value for every row):\n" + "\n".join(lines)


def _report(job: ImportJob) -> None:
    for reject in rejects_of(job, limit=20):
        click.echo(f"row {reject.row_number}: {reject.reason}")
    if job.rejected > 20:
        click.echo(f"... and {job.rejected - 20} more rejected rows")
    if job.status == Status.FAILED:
        click.echo(f"failed: {job.error}", err=True)
    # The records, then the rows: a second run of the same file says "created: 0 updated: 0".
    click.echo(
        f"created: {job.created_records} updated: {job.updated_records}"
        f" unchanged: {job.unchanged_records}"
    )
    click.echo(f"taken: {job.taken} rejected: {job.rejected} read: {job.rows_read}")
    if job.status == Status.FAILED:
        raise SystemExit(1)


def _resume_command() -> click.Command:
    @click.command(name="resume", help="Finish a queued or stalled import job (by its number).")
    @click.argument("job_id", type=int)
    def command(job_id: int) -> None:
        job = run_job(job_id)
        if job is None:
            raise click.ClickException(
                f"import #{job_id} is not waiting, or its worker is still running"
            )
        _report(job)

    return command


def register_cli(app: Flask) -> None:
    """Add `flask import` to the app's command line (once)."""
    if "import" not in app.cli.commands:
        app.cli.add_command(
            _ImportGroup(name="import", help="Import records from CSV or XLSX files.")
        )
