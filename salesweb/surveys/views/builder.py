"""The survey builder: list, create, edit, questions (add, edit, move, remove), preview,
and the touchpoints that decide which event sends which survey."""

from __future__ import annotations

from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from salesweb.core.forms import flashing, form_status, saving
from salesweb.core.history import record_history
from salesweb.core.htmx import done, render_page, see_other, trigger
from salesweb.core.pagination import paginate
from salesweb.core.security import access
from salesweb.extensions import db
from salesweb.surveys import bp, queries, services
from salesweb.surveys.forms import QuestionForm, QuestionMoveForm, SurveyForm, touchpoint_forms
from salesweb.surveys.models import TOUCH_LABELS, Survey
from salesweb.surveys.permissions import EDITORS, READERS, can_manage_surveys
from salesweb.surveys.views import question_or_404, survey_or_404


@bp.get("/")
@access(*READERS)
def survey_list():
    f = queries.survey_filters(request.args)
    page = paginate(queries.survey_list_stmt(f))
    return render_page(
        "surveys/survey_list.html",
        block="results",
        page=page,
        q=f["q"],
        sort=f["sort"],
        answers=queries.answer_counts([s.id for s in page.items]),
    )


@bp.route("/new", methods=["GET", "POST"])
@access(*EDITORS)
def survey_create():
    form = SurveyForm()
    if form.validate_on_submit():
        with saving(form):
            survey = services.create_survey(current_user, form.data_dict())
            db.session.commit()
            flash(_("Survey created. Add its questions."), "success")
            return see_other("surveys.survey_detail", survey_id=survey.id)
    return render_page(
        "surveys/survey_form.html",
        block="form",
        http_status=form_status(form),
        form=form,
        survey=None,
    )


@bp.route("/<int:survey_id>/edit", methods=["GET", "POST"])
@access(*EDITORS)
def survey_edit(survey_id: int):
    survey = survey_or_404(survey_id, manage=True)
    form = SurveyForm(obj=survey)
    if form.validate_on_submit():
        with saving(form):
            services.update_survey(current_user, survey, form.data_dict(), form.version.data)
            db.session.commit()
            flash(_("Changes saved."), "success")
            return see_other("surveys.survey_detail", survey_id=survey.id)
    return render_page(
        "surveys/survey_form.html",
        block="form",
        http_status=form_status(form),
        form=form,
        survey=survey,
    )


def _builder(survey: Survey, form: QuestionForm | None = None, status: int = 200):
    """The survey's page (its questions as the fragment), with its history."""
    return render_page(
        "surveys/survey_detail.html",
        block="questions",
        http_status=status,
        survey=survey,
        form=form or QuestionForm(formdata=None),
        answered=services.has_answers(survey),
        history=record_history("surveys", survey.id),
    )


def _questions_changed(survey: Survey, event: str):
    """After a change of the survey's questions: the builder fragment with the event for htmx,
    the survey's page for everyone else."""
    return done("surveys.survey_detail", trigger(_builder(survey), event), survey_id=survey.id)


@bp.get("/<int:survey_id>")
@access(*READERS)
def survey_detail(survey_id: int):
    return _builder(survey_or_404(survey_id))


@bp.post("/<int:survey_id>/questions")
@access(*EDITORS)
def question_add(survey_id: int):
    survey = survey_or_404(survey_id, manage=True)
    form = QuestionForm()
    if form.validate_on_submit():
        with saving(form):
            services.add_question(current_user, survey, form.data_dict())
            db.session.commit()
            return _questions_changed(survey, "questionAdded")
    return _builder(survey, form, 422)


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@access(*EDITORS)
def question_edit(question_id: int):
    question = question_or_404(question_id)
    form = QuestionForm(obj=question)
    if request.method == "GET":
        form.options.data = services.options_text(question.options)
    if form.validate_on_submit():
        with saving(form):
            services.update_question(current_user, question, form.data_dict())
            db.session.commit()
            flash(_("Question saved."), "success")
            return see_other("surveys.survey_detail", survey_id=question.survey_id)
    return render_page(
        "surveys/question_form.html",
        block="form",
        http_status=form_status(form),
        form=form,
        question=question,
    )


@bp.post("/questions/<int:question_id>/move")
@access(*EDITORS)
def question_move(question_id: int):
    question = question_or_404(question_id)
    survey = question.survey
    with flashing():
        services.move_question(current_user, question, QuestionMoveForm().direction.data or "")
        db.session.commit()
    return _questions_changed(survey, "questionMoved")


@bp.post("/questions/<int:question_id>/delete")
@access(*EDITORS)
def question_delete(question_id: int):
    question = question_or_404(question_id)
    survey = question.survey
    with flashing():
        services.delete_question(current_user, question)
        db.session.commit()
        flash(_("Question removed."), "success")
    return _questions_changed(survey, "questionRemoved")


@bp.get("/<int:survey_id>/preview")
@access(*READERS)
def survey_preview(survey_id: int):
    from salesweb.surveys.public_views import render_survey

    survey = survey_or_404(survey_id)
    lang = request.args.get("lang", "zh_CN")
    return render_survey(survey, lang if lang in ("zh_CN", "en") else "zh_CN", preview=True)


@bp.route("/touchpoints", methods=["GET", "POST"])
@access(*EDITORS)
def touchpoint_list():
    if not can_manage_surveys(current_user):
        abort(403)
    surveys = queries.live_surveys()
    forms, event = touchpoint_forms(surveys, queries.touchpoints_by_event())
    sent = forms.get(event)
    if sent is not None and sent.validate():
        with saving(sent):
            survey = sent.chosen_survey(surveys)
            expires_days = sent.expires_days.data
            services.set_touchpoint(current_user, event, survey, sent.active.data, expires_days)
            db.session.commit()
            flash(_("Touchpoint saved."), "success")
            return see_other("surveys.touchpoint_list")
    return render_page(
        "surveys/touchpoint_list.html",
        http_status=422 if sent is not None else 200,
        forms=forms,
        touch_labels=TOUCH_LABELS,
    )
