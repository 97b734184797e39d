"""Courses: the catalogue, a course's page, and writing a course and its quiz questions."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext as _
from flask_login import current_user

from salesweb.core.forms import form_status, saving
from salesweb.core.htmx import done, render_page
from salesweb.core.security import SIGNED_IN, access
from salesweb.extensions import db
from salesweb.training import bp, permissions, queries, services
from salesweb.training.forms import CourseEditForm, QuestionCreateForm
from salesweb.training.models import Course, Question
from salesweb.training.views import course_or_404, editable_course


@bp.get("/courses")
@access(SIGNED_IN)
def course_list():
    return render_page("training/course_list.html", courses=queries.course_catalogue())


@bp.get("/courses/<int:course_id>")
@access(SIGNED_IN)
def course_detail(course_id: int):
    course = course_or_404(course_id)
    return render_page(
        "training/course_detail.html",
        course=course,
        read=queries.lessons_read(current_user, course),
        attempts=queries.attempts_at(current_user, course),
        used=services.attempts_used(current_user, course),
        open_attempt=services.open_attempt(current_user, course),
    )


def _course_form(course: Course | None):
    form = CourseEditForm(obj=course)
    if form.validate_on_submit():
        with saving(form):
            course = services.save_course(current_user, course, form.data_dict())
            db.session.commit()
            flash(_("Course saved."), "success")
            return done("training.course_detail", course_id=course.id)
    return render_page(
        "training/course_form.html",
        block="form",
        http_status=form_status(form),
        form=form,
        course=course,
    )


@bp.route("/courses/new", methods=["GET", "POST"])
@access(*permissions.AUTHORS)
def course_create():
    return _course_form(None)


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@access(*permissions.AUTHORS)
def course_edit(course_id: int):
    return _course_form(editable_course(course_id))


def _question_form(course: Course, question: Question | None):
    form = QuestionCreateForm(obj=question)
    if form.validate_on_submit():
        with saving(form):
            texts = (form.kind.data, form.text_zh.data, form.text_en.data, form.options())
            if question is None:
                services.add_question(current_user, course, *texts)
            else:
                services.edit_question(current_user, question, *texts)
            db.session.commit()
            flash(_("Question saved."), "success")
            return done("training.course_detail", course_id=course.id)
    return render_page(
        "training/question_form.html",
        block="form",
        http_status=form_status(form),
        form=form,
        course=course,
        question=question,
    )


@bp.route("/courses/<int:course_id>/questions/new", methods=["GET", "POST"])
@access(*permissions.AUTHORS)
def question_create(course_id: int):
    return _question_form(editable_course(course_id), None)


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@access(*permissions.AUTHORS)
def question_edit(question_id: int):
    question = db.get_or_404(Question, question_id)
    return _question_form(editable_course(question.course_id), question)
