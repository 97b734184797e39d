"""Imports: upload, column mapping, preview, commit, progress (htmx polling) and the rejects."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, flash, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectField, StringField, TextAreaField

from salesweb.core import importing, spreadsheets
from salesweb.core.errors import DomainError
from salesweb.core.forms import form_status, saving
from salesweb.core.htmx import done, render_page, see_other
from salesweb.core.importing import Importer, ImportJob, Status
from salesweb.core.pagination import paginate
from salesweb.core.security import access
from salesweb.customers import bp, services
from salesweb.customers import importers as _importers  # noqa: F401 - registers the kinds
from salesweb.customers.permissions import (
    IMPORTERS,
    can_import_accounts,
    can_view_import,
    scope_imports,
)
from salesweb.customers.queries import imported_account_counts
from salesweb.extensions import db

REJECTS_SHOWN = 100


class ImportUploadForm(FlaskForm):
    kind = SelectField(_l("What to import"))
    file = FileField(
        _l("File"),
        validators=[FileRequired(_l("Choose a CSV or XLSX file."))],
        description=_l(
            "CSV (UTF-8, or GBK as Excel saves it in China) or Excel .xlsx. "
            "The first row names the columns."
        ),
    )


class ImportConfirmForm(FlaskForm):
    """Only the CSRF token: confirming a preview, resuming a job."""


class ImportMappingForm(FlaskForm):
    """A job's mapping as the mapping page posts it: `col-<index>` names the field of each
    column, `fixed-<field>` a value for every row, `option-<key>` an option's lines. The
    fields depend on the job's columns and importer, so `of` builds the class for a job."""

    job: ImportJob
    importer: Importer

    @classmethod
    def of(cls, job: ImportJob, importer: Importer) -> ImportMappingForm:
        fields: dict[str, Any] = {f"col-{i}": StringField() for i in range(len(job.headers))}
        fields |= {f"fixed-{f.key}": StringField() for f in importer.fields if f.fixed}
        fields |= {f"option-{o.key}": TextAreaField() for o in importer.options}
        form = type("JobMappingForm", (cls,), fields)()
        form.job, form.importer = job, importer
        return form

    def _text(self, name: str) -> str:
        return self._fields[name].data or ""

    def columns(self) -> dict[str, str]:
        """Field -> column index from the per-column selects; a field chosen twice is refused."""
        labels = self.importer.field_labels()
        columns: dict[str, str] = {}
        for index in range(len(self.job.headers)):
            key = self._text(f"col-{index}")
            if key in columns:
                raise DomainError(
                    _("“%(field)s” is chosen for two columns.", field=labels.get(key, key))
                )
            if key:
                columns[key] = str(index)
        return columns

    def fixed(self) -> dict[str, str]:
        return {f.key: self._text(f"fixed-{f.key}") for f in self.importer.fields if f.fixed}

    def options(self) -> dict[str, list[str]]:
        """The importer's own options, one value per line of their text areas."""
        return {o.key: self._text(f"option-{o.key}").splitlines() for o in self.importer.options}

    def mapping(self) -> tuple[dict[str, str], dict[str, str], dict[str, list[str]]]:
        return self.columns(), self.fixed(), self.options()

    def shown(self) -> tuple[dict[int, str], dict[str, str], dict[str, str]]:
        """Column -> field, the fixed values and the options' texts to show: as posted, else
        as saved or guessed."""
        if self.is_submitted():
            by_column = {i: self._text(f"col-{i}") for i in range(len(self.job.headers))}
            options = self.options()
            return by_column, self.fixed(), {k: "\n".join(v) for k, v in options.items()}
        mapping = self.job.mapping
        by_column = {int(i): key for key, i in mapping.get("columns", {}).items()}
        options = {key: "\n".join(lines) for key, lines in mapping.get("options", {}).items()}
        return by_column, dict(mapping.get("fixed", {})), options


def _kinds() -> list[tuple[str, str]]:
    return [(k, str(i.label)) for k, i in importing.importers().items() if i.allowed(current_user)]


def _job_or_404(job_id: int) -> ImportJob:
    """A job is seen by the person who started it, and by administrators."""
    job = db.session.get(ImportJob, job_id)
    if job is None or not can_view_import(current_user, job):
        abort(404)
    importer = importing.get_importer(job.kind)
    if importer is None or not importer.allowed(current_user):
        abort(403)
    return job


def _upload_form() -> ImportUploadForm:
    form = ImportUploadForm()
    form.kind.choices = _kinds()
    if not form.kind.choices:
        abort(403)
    if not form.is_submitted() and request.args.get("kind") in dict(form.kind.choices):
        form.kind.data = request.args["kind"]  # a link from the contacts list asks for contacts
    return form


@bp.route("/imports/new", methods=["GET", "POST"])
@access(*IMPORTERS)
def import_upload():
    try:
        form = _upload_form()
    except RequestEntityTooLarge:  # beyond MAX_CONTENT_LENGTH: refused before it is read
        form = ImportUploadForm(formdata=None)
        form.kind.choices = _kinds()
        form.file.errors = [_("The file is larger than %(size)s.", size=_limit())]
        return _upload_page(form, 413)
    if form.validate_on_submit():
        with saving(form):
            upload = form.file.data
            job = importing.store_upload(
                upload, upload.filename or "", form.kind.data, current_user.id
            )
            db.session.commit()
            return see_other("customers.import_mapping", job_id=job.id)
    return _upload_page(form, form_status(form))


def _upload_page(form: ImportUploadForm, status: int) -> Response:
    return render_page(
        "customers/import_upload.html", block="form", http_status=status, form=form, limit=_limit()
    )


def _limit() -> str:
    return importing.size_text(current_app.config["SALESWEB_UPLOAD_LIMIT"])


@bp.route("/imports/<int:job_id>/mapping", methods=["GET", "POST"])
@access(*IMPORTERS)
def import_mapping(job_id: int):
    job = _job_or_404(job_id)
    if job.status != Status.PENDING or job.file_gone:
        return see_other("customers.import_detail", job_id=job.id)
    form = ImportMappingForm.of(job, importing.get_importer(job.kind))
    if form.validate_on_submit():
        with saving(form):
            importing.set_mapping(job, *form.mapping())
            db.session.commit()
            return see_other("customers.import_preview", job_id=job.id)
    return render_page(
        "customers/import_mapping.html",
        block="form",
        http_status=form_status(form),
        form=form,
        job=job,
        importer=form.importer,
        samples=_samples(job),
        chosen=form.shown(),
    )


def _samples(job: ImportJob, count: int = 3) -> list[list[str]]:
    """The first values of each column, to recognise it by."""
    out: list[list[str]] = [[] for _ in job.headers]
    with importing.open_table(job) as table:
        for n, (_row, cells) in enumerate(table.rows()):
            if n >= count:
                break
            for index, cell in enumerate((cells or [])[: len(job.headers)]):
                if cell.strip():
                    out[index].append(cell.strip()[:60])
    return out


@bp.get("/imports/<int:job_id>/preview")
@access(*IMPORTERS)
def import_preview(job_id: int):
    job = _job_or_404(job_id)
    if job.status != Status.PENDING or job.file_gone:
        return see_other("customers.import_detail", job_id=job.id)
    importer = importing.get_importer(job.kind)
    if importer.check_mapping(job.mapping):  # the guess lacks a required field: choose first
        return see_other("customers.import_mapping", job_id=job.id)
    rows, more = importing.preview(job)
    fields = [
        f
        for f in importer.fields
        if f.key in job.mapping["columns"] or f.key in job.mapping["fixed"]
    ]
    return render_page(
        "customers/import_preview.html",
        job=job,
        rows=rows,
        more=more,
        fields=fields,
        problems=sum(1 for r in rows if r.problem),
        form=ImportConfirmForm(),
    )


@bp.post("/imports/<int:job_id>/commit")
@access(*IMPORTERS)
def import_commit(job_id: int):
    job = _job_or_404(job_id)
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if job.file_gone:  # the detail page says so and offers the upload again
        return see_other("customers.import_detail", job_id=job.id)
    try:
        importing.queue_job(job)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        if job.status != Status.PENDING:
            return see_other("customers.import_detail", job_id=job.id)
        flash(exc.message, "error")
        return see_other("customers.import_mapping", job_id=job.id)
    _start(job.id)
    return see_other("customers.import_detail", job_id=job.id)


def _start(job_id: int) -> None:
    """On the job queue (in the tests it runs at once, on the request's connection)."""
    importing.enqueue_job(job_id)


@bp.post("/imports/<int:job_id>/resume")
@access(*IMPORTERS)
def import_resume(job_id: int):
    job = _job_or_404(job_id)
    if not ImportConfirmForm().validate_on_submit():
        abort(400)
    if job.stalled:
        _start(job.id)
    return see_other("customers.import_detail", job_id=job.id)


def _detail_context(job: ImportJob) -> dict:
    importer = importing.get_importer(job.kind)
    rejects = importing.rejects_of(job, limit=REJECTS_SHOWN) if job.finished else []
    # Where an account import's records went: the pool is not in a manager's account list.
    pooled, listed = (
        imported_account_counts(current_user, job.id)
        if job.kind == "accounts" and job.finished
        else (None, None)
    )
    return {
        "job": job,
        "importer": importer,
        "rejects": rejects,
        "form": ImportConfirmForm(),
        "pooled": pooled,
        "listed": listed,
    }


@bp.get("/imports/<int:job_id>")
@access(*IMPORTERS)
def import_detail(job_id: int):
    job = _job_or_404(job_id)
    return render_page("customers/import_detail.html", **_detail_context(job))


@bp.get("/imports/<int:job_id>/status")
@access(*IMPORTERS)
def import_status(job_id: int):
    """The progress fragment that the page polls; 286 tells htmx to stop once the job ended."""
    job = _job_or_404(job_id)
    response = render_page("customers/import_detail.html", block="status", **_detail_context(job))
    if job.finished and request.headers.get("HX-Request") and response.status_code == 200:
        response.status_code = 286
    return response


@bp.get("/imports/<int:job_id>/rejects.csv")
@access(*IMPORTERS)
def import_rejects_csv(job_id: int):
    job = _job_or_404(job_id)
    header = [_("Row"), _("Reason"), *job.headers]
    rows = spreadsheets.stream_query(
        current_app._get_current_object(),
        importing.rejects_stmt(job),
        lambda r: [r.row_number, r.reason, *r.raw],
    )
    response = Response(spreadsheets.csv_stream(header, rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="import-{job.id}-rejected.csv"'
    return response


@bp.get("/imports")
@access(*IMPORTERS)
def import_list():
    stmt = scope_imports(importing.jobs_stmt(), current_user)
    return render_page(
        "customers/import_list.html", page=paginate(stmt), importers=importing.importers()
    )


# --- accounts an import left in the pool, to the owners of their deals -----------------------

PICKS_SHOWN = 200


def _accounts_job_or_404(job_id: int) -> ImportJob:
    """A finished account import of the user's (administrators: anyone's)."""
    job = _job_or_404(job_id)
    if job.kind != "accounts" or not job.finished:
        abort(404)
    if not can_import_accounts(current_user):
        abort(403)
    return job


@bp.get("/imports/<int:job_id>/pool-owners")
@access(*IMPORTERS)
def import_pool_plan(job_id: int):
    """What giving the pooled accounts to their deals' owners would do: the confirmation."""
    job = _accounts_job_or_404(job_id)
    plan = services.pool_owner_plan(current_user, job.id)
    return render_page(
        "customers/import_pool_owners.html",
        job=job,
        plan=plan,
        shown=plan.picks[:PICKS_SHOWN],
        kept_labels=services.KEPT_LABELS,
        form=ImportConfirmForm(),
    )


@bp.post("/imports/<int:job_id>/pool-owners")
@access(*IMPORTERS)
def import_pool_assign(job_id: int):
    form = ImportConfirmForm()
    job = _accounts_job_or_404(job_id)
    if not form.validate_on_submit():
        abort(400)
    try:
        plan = services.give_pooled_accounts_to_deal_owners(current_user, job.id)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return done("customers.import_pool_plan", job_id=job.id)
    message = _(
        "Accounts given to the owners of their deals: %(given)d; still in the public pool: %(kept)d.",
        given=len(plan.picks),
        kept=sum(plan.kept.values()),
    )
    flash(message, "success")
    return done("customers.import_detail", job_id=job.id)
