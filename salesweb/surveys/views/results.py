"""Results: scores, trend and breakdowns; free-text answers; exports; one response; the
account's latest scores."""

from __future__ import annotations

from flask import Response, abort, request, send_file
from flask_login import current_user

from salesweb.core.htmx import render_page
from salesweb.core.models import utcnow
from salesweb.core.pagination import paginate
from salesweb.core.security import access
from salesweb.core.spreadsheets import csv_stream, xlsx_file
from salesweb.customers.views import account_or_404
from salesweb.surveys import bp, queries, results, services
from salesweb.surveys.models import TOUCH_LABELS
from salesweb.surveys.permissions import READERS, can_invite
from salesweb.surveys.views import response_or_404

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/results")
@access(*READERS)
def results_overview():
    f = results.Filters.from_request()
    return render_page(
        "surveys/results.html",
        block="results",
        f=f,
        surveys=queries.live_surveys(),
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
        surveys=queries.live_surveys(),
        touch_labels=TOUCH_LABELS,
    )


@bp.get("/results/export.<fmt>")
@access(*READERS)
def results_export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    f = results.Filters.from_request()
    zh = request.accept_languages.best_match(["zh_CN", "zh", "en"]) != "en"
    header, rows = results.export_header(), results.export_rows(current_user, f, zh)
    name = f"survey-results-{utcnow():%Y%m%d}"
    if fmt == "csv":
        return Response(
            list(csv_stream(header, rows)),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return send_file(
        xlsx_file(header, rows, "Results"),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"{name}.xlsx",
    )


@bp.get("/responses/<int:response_id>")
@access(*READERS)
def response_detail(response_id: int):
    response = response_or_404(response_id)
    content = services.revision_content(response.survey_id, response.revision) or {}
    case = queries.case_of_response(response.id)
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
    return render_page(
        "surveys/account_scores.html",
        block="scores",
        account=account,
        scores=services.account_scores(account.id),
        recent=queries.recent_responses(account.id),
    )
