"""Results: scores, trend and breakdowns; free-text answers; exports; one response; the
account's latest scores."""

from __future__ import annotations

from flask import Response, abort, request, send_file
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from salesweb.core.htmx import render_page
from salesweb.core.models import utcnow
from salesweb.core.pagination import paginate
from salesweb.core.security import access
from salesweb.core.spreadsheets import csv_stream, xlsx_file
from salesweb.customers.views import account_or_404
from salesweb.extensions import db
from salesweb.surveys import bp, results, services
from salesweb.surveys.models import TOUCH_LABELS, FeedbackCase, Survey, SurveyResponse
from salesweb.surveys.permissions import can_invite
from salesweb.surveys.views import response_or_404

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
READERS = ("admin", "manager", "rep")


def _surveys() -> list[Survey]:
    return list(
        db.session.scalars(
            select(Survey).where(Survey.deleted_at.is_(None)).order_by(Survey.title_en)
        )
    )


@bp.get("/results")
@access(*READERS)
def results_overview():
    f = results.Filters.from_request()
    return render_page(
        "surveys/results.html",
        block="results",
        f=f,
        surveys=_surveys(),
        touch_labels=TOUCH_LABELS,
        overview=results.overview(current_user, f),
        trend=results.trend(current_user, f),
        breakdown=results.breakdown(current_user, f),
    )


@bp.get("/results/comments")
@access(*READERS)
def comment_list():
    f = results.Filters.from_request()
    page = paginate(results.comments_stmt(current_user, f))
    return render_page(
        "surveys/comment_list.html",
        block="results",
        f=f,
        page=page,
        surveys=_surveys(),
        touch_labels=TOUCH_LABELS,
    )


@bp.get("/results/export.<fmt>")
@access(*READERS)
def results_export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    f = results.Filters.from_request()
    header = [
        "ID", _("Answered at (UTC)"), _("Survey"), _("Version"), _("Touchpoint"), _("Account"),
        _("Contact"), _("Owner"), _("Segment"), _("Region"), _("Language"), "NPS", "CSAT",
        _("Comment"),
    ]  # fmt: skip
    touch = {str(k): str(v) for k, v in TOUCH_LABELS.items()}
    zh = request.accept_languages.best_match(["zh_CN", "zh", "en"]) != "en"

    def rows():
        for r in db.session.execute(results.export_stmt(current_user, f).limit(100_000)):
            yield [
                r.id, r.submitted_at.replace(tzinfo=None, microsecond=0) if r.submitted_at else None,
                (r.title_zh if zh else r.title_en) or r.title_en, r.revision,
                touch.get(r.touchpoint, r.touchpoint), r.account, r.contact, r.owner or "",
                r.segment, r.region, r.locale, r.nps, r.csat, r.comment,
            ]  # fmt: skip

    name = f"survey-results-{utcnow():%Y%m%d}"
    if fmt == "csv":
        return Response(
            list(csv_stream(header, rows())),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return send_file(
        xlsx_file(header, rows(), "Results"),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"{name}.xlsx",
    )


@bp.get("/responses/<int:response_id>")
@access(*READERS)
def response_detail(response_id: int):
    response = response_or_404(response_id)
    content = services.revision_content(response.survey_id, response.revision) or {}
    case = db.session.scalar(select(FeedbackCase).where(FeedbackCase.response_id == response.id))
    questions = {q["id"]: q for q in content.get("questions", [])}
    return render_page(
        "surveys/response_detail.html",
        response=response,
        questions=questions,
        case=case,
        touch_labels=TOUCH_LABELS,
    )


@bp.get("/accounts/<int:account_id>/scores")
@access(*READERS)
def account_scores(account_id: int):
    account = account_or_404(account_id)
    if not can_invite(current_user, account):
        abort(404)
    recent = list(
        db.session.scalars(
            select(SurveyResponse)
            .where(SurveyResponse.account_id == account.id)
            .order_by(SurveyResponse.submitted_at.desc(), SurveyResponse.id.desc())
            .limit(10)
        )
    )
    return render_page(
        "surveys/account_scores.html",
        block="scores",
        account=account,
        scores=services.account_scores(account.id),
        recent=recent,
    )
