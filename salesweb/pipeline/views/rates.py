"""Exchange rates (admin): manual entry and CSV upload; deals fix the rate at booking."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext as _
from flask_login import current_user

from salesweb.core.forms import saving
from salesweb.core.htmx import render_page, see_other
from salesweb.core.money import base_currency
from salesweb.core.pagination import paginate
from salesweb.core.security import access
from salesweb.extensions import db
from salesweb.pipeline import bp, queries, rates
from salesweb.pipeline.forms import RateForm, RateUploadForm
from salesweb.pipeline.permissions import CONFIGURERS


def _page(form: RateForm, upload: RateUploadForm, status: int = 200, report=None):
    """The rate table with both forms, and the report of an upload just taken."""
    return render_page(
        "pipeline/rate_list.html",
        http_status=status,
        page=paginate(queries.rate_list_stmt()),
        form=form,
        upload=upload,
        base=base_currency(),
        report=report,
    )


@bp.get("/rates")
@access(*CONFIGURERS)
def rate_list():
    return _page(RateForm(), RateUploadForm())


@bp.post("/rates")
@access(*CONFIGURERS)
def rate_create():
    form = RateForm()
    if form.validate_on_submit():
        with saving(form):
            source = (form.source.data or "manual").strip()
            rates.set_rate(
                current_user, form.currency.data, form.valid_on.data, form.rate.data, source
            )
            db.session.commit()
            flash(_("Rate saved."), "success")
            return see_other("pipeline.rate_list")
    return _page(form, RateUploadForm(), 422)


@bp.post("/rates/upload")
@access(*CONFIGURERS)
def rate_upload():
    upload = RateUploadForm()
    if upload.validate_on_submit():
        with saving(upload):
            report = rates.import_rates_file(current_user, upload.file.data)
            db.session.commit()
            return _page(RateForm(), RateUploadForm(), 200, report)
    return _page(RateForm(), upload, 422)
