"""Exchange rates (admin): manual entry and CSV upload; deals fix the rate at booking."""

from __future__ import annotations

import csv
import io

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from salesweb.core.errors import DomainError, put_on_form
from salesweb.core.htmx import render_page
from salesweb.core.models import ExchangeRate
from salesweb.core.money import base_currency
from salesweb.core.pagination import paginate
from salesweb.core.security import access
from salesweb.extensions import db
from salesweb.pipeline import bp, rates
from salesweb.pipeline.forms import RateForm, RateUploadForm
from salesweb.pipeline.permissions import CONFIGURERS


def _page(form: RateForm, upload: RateUploadForm, status: int = 200, report=None):
    page = paginate(
        select(ExchangeRate).order_by(ExchangeRate.valid_on.desc(), ExchangeRate.currency)
    )
    return render_page(
        "pipeline/rate_list.html",
        http_status=status,
        page=page,
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
        try:
            rates.set_rate(
                current_user,
                form.currency.data,
                form.valid_on.data,
                form.rate.data,
                (form.source.data or "manual").strip(),
            )
            db.session.commit()
            flash(_("Rate saved."), "success")
            return redirect(url_for("pipeline.rate_list"), code=303)
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    return _page(form, RateUploadForm(), 422)


@bp.post("/rates/upload")
@access(*CONFIGURERS)
def rate_upload():
    upload = RateUploadForm()
    if upload.validate_on_submit():
        raw = upload.file.data.read(1024 * 1024 + 1)
        try:
            if len(raw) > 1024 * 1024:
                raise DomainError(_("The file is larger than 1 MB."), field="file")
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            upload.file.errors = [_("Save the file as CSV UTF-8 and upload it again.")]
        except DomainError as exc:
            put_on_form(upload, exc)
        else:
            report = rates.import_rates(current_user, csv.reader(io.StringIO(text)))
            db.session.commit()
            return _page(RateForm(), RateUploadForm(), 200, report)
    return _page(RateForm(), upload, 422)
