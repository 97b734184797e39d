"""The survey builder: list, create, edit, questions (add, edit, move, remove), preview,
and the touchpoints that decide which event sends which survey."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from salesweb.core.errors import DomainError, put_on_form
from salesweb.core.htmx import done, render_page, trigger
from salesweb.core.pagination import paginate
from salesweb.core.security import access
from salesweb.customers.queries import search_term
from salesweb.extensions import db
from salesweb.surveys import bp, services
from salesweb.surveys.forms import QuestionForm, SurveyForm, TouchpointForm
from salesweb.surveys.models import (
    TOUCH_LABELS,
    Survey,
    SurveyResponse,
    Touch,
    Touchpoint,
)
from salesweb.surveys.permissions import can_manage_surveys
from salesweb.surveys.views import question_or_404, survey_or_404

SURVEY_SORTS = {
    "title": (Survey.title_en.asc(),),
    "-title": (Survey.title_en.desc(),),
    "updated": (Survey.updated_at.desc(),),
    "-updated": (Survey.updated_at.asc(),),
}


@bp.get("/")
@access("admin", "manager", "rep")
def survey_list():
    q = search_term(request.args.get("q"))
    sort = request.args.get("sort", "title")
    sort = sort if sort in SURVEY_SORTS else "title"
    stmt = select(Survey).where(Survey.deleted_at.is_(None))
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(Survey.title_en.ilike(like, escape="\\"), Survey.title_zh.like(like, escape="\\"))
        )
    page = paginate(stmt.order_by(*SURVEY_SORTS[sort], Survey.id))
    answers = dict(
        db.session.execute(
            select(SurveyResponse.survey_id, func.count(SurveyResponse.id))
            .where(SurveyResponse.survey_id.in_([s.id for s in page.items]))
            .group_by(SurveyResponse.survey_id)
        ).all()
    )
    return render_page(
        "surveys/survey_list.html", block="results", page=page, q=q, sort=sort, answers=answers
    )


@bp.route("/new", methods=["GET", "POST"])
@access("admin", "manager")
def survey_create():
    form = SurveyForm()
    if form.validate_on_submit():
        survey = services.create_survey(current_user, form.data_dict())
        db.session.commit()
        flash(_("Survey created. Add its questions."), "success")
        return redirect(url_for("surveys.survey_detail", survey_id=survey.id), code=303)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "surveys/survey_form.html", block="form", http_status=status, form=form, survey=None
    )


@bp.route("/<int:survey_id>/edit", methods=["GET", "POST"])
@access("admin", "manager")
def survey_edit(survey_id: int):
    survey = survey_or_404(survey_id, manage=True)
    form = SurveyForm(obj=survey)
    if form.validate_on_submit():
        try:
            services.update_survey(current_user, survey, form.data_dict(), form.version.data)
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("surveys.survey_detail", survey_id=survey.id), code=303)
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "surveys/survey_form.html", block="form", http_status=status, form=form, survey=survey
    )


def _builder(survey: Survey, form: QuestionForm | None = None, status: int = 200):
    return render_page(
        "surveys/survey_detail.html",
        block="questions",
        http_status=status,
        survey=survey,
        form=form or QuestionForm(formdata=None),
        answered=services.has_answers(survey),
    )


@bp.get("/<int:survey_id>")
@access("admin", "manager", "rep")
def survey_detail(survey_id: int):
    return _builder(survey_or_404(survey_id))


@bp.post("/<int:survey_id>/questions")
@access("admin", "manager")
def question_add(survey_id: int):
    survey = survey_or_404(survey_id, manage=True)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            services.add_question(current_user, survey, form.data_dict())
            db.session.commit()
            return done(
                "surveys.survey_detail",
                trigger(_builder(survey), "questionAdded"),
                survey_id=survey.id,
            )
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    return _builder(survey, form, 422)


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@access("admin", "manager")
def question_edit(question_id: int):
    question = question_or_404(question_id)
    form = QuestionForm(obj=question)
    if request.method == "GET":
        form.options.data = services.options_text(question.options)
    if form.validate_on_submit():
        try:
            services.update_question(current_user, question, form.data_dict())
            db.session.commit()
            flash(_("Question saved."), "success")
            return redirect(
                url_for("surveys.survey_detail", survey_id=question.survey_id), code=303
            )
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "surveys/question_form.html", block="form", http_status=status, form=form, question=question
    )


@bp.post("/questions/<int:question_id>/move")
@access("admin", "manager")
def question_move(question_id: int):
    question = question_or_404(question_id)
    survey = question.survey
    try:
        services.move_question(current_user, question, request.form.get("direction", ""))
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return done(
        "surveys.survey_detail", trigger(_builder(survey), "questionMoved"), survey_id=survey.id
    )


@bp.post("/questions/<int:question_id>/delete")
@access("admin", "manager")
def question_delete(question_id: int):
    question = question_or_404(question_id)
    survey = question.survey
    try:
        services.delete_question(current_user, question)
        db.session.commit()
        flash(_("Question removed."), "success")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return done(
        "surveys.survey_detail", trigger(_builder(survey), "questionRemoved"), survey_id=survey.id
    )


@bp.get("/<int:survey_id>/preview")
@access("admin", "manager", "rep")
def survey_preview(survey_id: int):
    from salesweb.surveys.public_views import render_survey

    survey = survey_or_404(survey_id)
    lang = request.args.get("lang", "zh_CN")
    return render_survey(survey, lang if lang in ("zh_CN", "en") else "zh_CN", preview=True)


@bp.route("/touchpoints", methods=["GET", "POST"])
@access("admin", "manager")
def touchpoint_list():
    if not can_manage_surveys(current_user):
        abort(403)
    surveys = list(
        db.session.scalars(
            select(Survey).where(Survey.deleted_at.is_(None)).order_by(Survey.title_en)
        )
    )
    event = request.values.get("event", "")
    forms = {}
    status = 200
    for touch in Touch:
        point = services.touchpoint(touch)
        form = TouchpointForm(
            formdata=request.form if request.method == "POST" and event == touch else None,
            obj=point,
            prefix=touch.value,
        )
        form.survey_id.choices = [(0, _("— none —"))] + [(s.id, s.title) for s in surveys]
        if point is not None and request.method == "GET":
            form.survey_id.data = point.survey_id or 0
        forms[touch.value] = form
    chosen = forms.get(event)
    if request.method == "POST" and chosen is not None:
        if chosen.validate():
            try:
                survey = next((s for s in surveys if s.id == chosen.survey_id.data), None)
                services.set_touchpoint(
                    current_user, event, survey, chosen.active.data, chosen.expires_days.data
                )
                db.session.commit()
                flash(_("Touchpoint saved."), "success")
                return redirect(url_for("surveys.touchpoint_list"), code=303)
            except DomainError as exc:
                db.session.rollback()
                put_on_form(chosen, exc)
        status = 422
    return render_page(
        "surveys/touchpoint_list.html",
        http_status=status,
        forms=forms,
        touch_labels=TOUCH_LABELS,
        points={p.event: p for p in db.session.scalars(select(Touchpoint))},
    )
