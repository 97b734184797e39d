"""Lessons: reading one (and counting it read), writing one, and the files it shows."""

from __future__ import annotations

from flask import flash, send_file
from flask_babel import gettext as _
from flask_login import current_user

from salesweb.core import files
from salesweb.core.forms import form_status, saving
from salesweb.core.htmx import done, render_page, trigger, wants_fragment
from salesweb.core.security import SIGNED_IN, access
from salesweb.extensions import db
from salesweb.training import bp, permissions, services
from salesweb.training.forms import LessonEditForm, LessonFileForm
from salesweb.training.models import Course, Lesson, LessonFile
from salesweb.training.rendering import render_markdown
from salesweb.training.views import course_or_404, editable_course, lesson_or_404


def _lesson_form(course: Course, lesson: Lesson | None):
    form = LessonEditForm(obj=lesson)
    if form.validate_on_submit():
        with saving(form):
            services.save_lesson(current_user, course, lesson, form.data_dict())
            db.session.commit()
            flash(_("Lesson saved."), "success")
            return done("training.course_detail", course_id=course.id)
    return render_page(
        "training/lesson_form.html",
        block="form",
        http_status=form_status(form),
        form=form,
        file_form=LessonFileForm(),
        course=course,
        lesson=lesson,
    )


@bp.route("/courses/<int:course_id>/lessons/new", methods=["GET", "POST"])
@access(*permissions.AUTHORS)
def lesson_create(course_id: int):
    return _lesson_form(editable_course(course_id), None)


@bp.route("/lessons/<int:lesson_id>/edit", methods=["GET", "POST"])
@access(*permissions.AUTHORS)
def lesson_edit(lesson_id: int):
    lesson = db.get_or_404(Lesson, lesson_id)
    return _lesson_form(editable_course(lesson.course_id), lesson)


@bp.get("/lessons/<int:lesson_id>")
@access(SIGNED_IN)
def lesson_detail(lesson_id: int):
    lesson = db.get_or_404(Lesson, lesson_id)
    course = course_or_404(lesson.course_id)
    # Not marked read here: a browser's prefetch sends GETs nobody reads. The page posts it.
    lessons = course.lessons
    index = lessons.index(lesson)
    return render_page(
        "training/lesson_detail.html",
        course=course,
        lesson=lesson,
        body=render_markdown(lesson.body),
        previous=lessons[index - 1] if index > 0 else None,
        following=lessons[index + 1] if index + 1 < len(lessons) else None,
        read=services.is_read(current_user, lesson),
    )


@bp.post("/lessons/<int:lesson_id>/read")
@access(SIGNED_IN)
def lesson_read(lesson_id: int):
    """Posted by the lesson page as it loads (htmx), or by its button without JavaScript."""
    lesson = lesson_or_404(lesson_id)
    services.mark_read(current_user, lesson)
    db.session.commit()
    fragment = None
    if wants_fragment():
        fragment = trigger(
            render_page("training/lesson_detail.html", block="read", lesson=lesson, read=True),
            "lessonRead",
        )
    return done("training.lesson_detail", fragment, lesson_id=lesson.id)


@bp.post("/lessons/<int:lesson_id>/files")
@access(*permissions.AUTHORS)
def lesson_file_upload(lesson_id: int):
    lesson = db.get_or_404(Lesson, lesson_id)
    course = editable_course(lesson.course_id)
    form = LessonFileForm()
    if form.validate_on_submit():
        with saving(form):
            upload = form.file.data
            attached = services.attach_lesson_file(
                current_user, lesson, upload.stream, upload.filename or ""
            )
            db.session.commit()
            flash(_("%(name)s attached.", name=attached.filename), "success")
            return done("training.lesson_edit", lesson_id=lesson.id)
    return render_page(
        "training/lesson_form.html",
        block="files",
        http_status=form_status(form),
        form=LessonEditForm(obj=lesson),
        file_form=form,
        course=course,
        lesson=lesson,
    )


@bp.get("/files/<int:file_id>")
@access(SIGNED_IN)
def lesson_file(file_id: int):
    """A lesson's file: images inline (lessons show them), documents always as attachments."""
    attached = db.get_or_404(LessonFile, file_id)
    course_or_404(attached.lesson.course_id)
    response = send_file(
        files.path_of(attached.stored_name, area=services.LESSON_FILES),
        mimetype=attached.mime,
        as_attachment=not attached.is_image,
        download_name=attached.filename,
        max_age=0,
    )
    # Signed-in content: no shared cache (proxy) may keep it, nor the browser after sign-out.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
