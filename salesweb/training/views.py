"""Training pages: teams and responsibilities, courses, lessons, quizzes, assignments, matrix,
suggestions from lost deals."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from flask import abort, flash, request, send_file
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from salesweb.auth.models import Role, Team, User
from salesweb.auth.permissions import can_see_owner
from salesweb.core import files
from salesweb.core.errors import DomainError, put_on_form
from salesweb.core.htmx import done, render_page, trigger, wants_fragment
from salesweb.core.models import today, utcnow
from salesweb.core.params import parse_id, parse_int
from salesweb.core.security import SIGNED_IN, access
from salesweb.core.spreadsheets import xlsx_file
from salesweb.extensions import db
from salesweb.pipeline.models import LostReason
from salesweb.pipeline.queries import stage_names
from salesweb.training import bp, certificates, permissions, services
from salesweb.training.forms import (
    AssignmentCreateForm,
    CourseEditForm,
    LessonEditForm,
    LessonFileForm,
    ProfileEditForm,
    QuestionCreateForm,
    ReasonMapForm,
)
from salesweb.training.models import (
    PROGRESS_LABELS,
    Attempt,
    Certificate,
    Course,
    Lesson,
    LessonFile,
    LessonRead,
    MemberProfile,
    Question,
    ReasonCourse,
)
from salesweb.training.rendering import render_markdown

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MANAGERS = (Role.ADMIN, Role.MANAGER)


def _live_course(course_id: int) -> Course:
    course = db.get_or_404(Course, course_id)
    if course.is_deleted:
        abort(404)
    return course


def _editable_course(course_id: int) -> Course:
    """Everyone reads every course (404 only when gone); changing one is 403 for whoever
    `can_edit_course` refuses."""
    course = _live_course(course_id)
    if not permissions.can_edit_course(current_user, course):
        abort(403)
    return course


def _status(form) -> int:
    return 422 if form.is_submitted() else 200


# --- teams -----------------------------------------------------------------------------------


@bp.get("/teams")
@access(SIGNED_IN)
def team_overview():
    teams = db.session.scalars(select(Team).order_by(Team.name)).unique().all()
    counts = dict(
        db.session.execute(
            select(User.team_id, func.count()).where(User.active.is_(True)).group_by(User.team_id)
        ).all()
    )
    return render_page("training/team_overview.html", teams=teams, counts=counts)


@bp.get("/teams/<int:team_id>")
@access(SIGNED_IN)
def team_detail(team_id: int):
    team = db.get_or_404(Team, team_id)
    members = services.team_people(team.id)
    profiles = {
        p.user_id: p
        for p in db.session.scalars(
            select(MemberProfile).where(MemberProfile.user_id.in_([m.id for m in members]))
        )
    }
    return render_page("training/team_detail.html", team=team, members=members, profiles=profiles)


@bp.route("/people/<int:user_id>/profile", methods=["GET", "POST"])
@access(*MANAGERS)
def profile_edit(user_id: int):
    member = db.get_or_404(User, user_id)
    if not can_see_owner(current_user, member):
        abort(404)  # another team's person, as on /people/<id>
    if not permissions.can_edit_profile(current_user, member):
        abort(403)
    profile = services.profile_of(member)
    form = ProfileEditForm(obj=profile)
    if form.validate_on_submit():
        try:
            profile = services.save_profile(
                current_user,
                member,
                form.responsibilities.data or "",
                form.authority.data or "",
                version=form.version.data or None,
            )
            db.session.commit()
            fragment = render_page(
                "training/_member.html", block="member", member=member, profile=profile
            )
            return trigger(
                done("training.team_detail", fragment, team_id=member.team_id or 0), "profileSaved"
            )
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    return render_page(
        "training/profile_edit.html",
        block="form",
        http_status=_status(form),
        form=form,
        member=member,
    )


# --- courses ---------------------------------------------------------------------------------


@bp.get("/courses")
@access(SIGNED_IN)
def course_list():
    courses = db.session.scalars(
        select(Course).where(Course.deleted_at.is_(None)).order_by(Course.category, Course.title_en)
    ).all()
    return render_page("training/course_list.html", courses=courses)


@bp.get("/courses/<int:course_id>")
@access(SIGNED_IN)
def course_detail(course_id: int):
    course = _live_course(course_id)
    read = set(
        db.session.scalars(
            select(LessonRead.lesson_id)
            .join(Lesson, Lesson.id == LessonRead.lesson_id)
            .where(LessonRead.user_id == current_user.id, Lesson.course_id == course.id)
        )
    )
    attempts = db.session.scalars(
        select(Attempt)
        .where(Attempt.user_id == current_user.id, Attempt.course_id == course.id)
        .order_by(Attempt.started_at.desc())
    ).all()
    return render_page(
        "training/course_detail.html",
        course=course,
        read=read,
        attempts=attempts,
        used=services.attempts_used(current_user, course),
        open_attempt=services.open_attempt(current_user, course),
    )


def _course_form(course: Course | None):
    form = CourseEditForm(obj=course)
    if form.validate_on_submit():
        data = {k: v for k, v in form.data.items() if k != "csrf_token"}
        data["version"] = data.get("version") or None
        data["description_zh"] = data["description_zh"] or ""
        data["description_en"] = data["description_en"] or ""
        try:
            course = services.save_course(current_user, course, data)
            db.session.commit()
            flash(_("Course saved."), "success")
            return done("training.course_detail", course_id=course.id)
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    return render_page(
        "training/course_form.html",
        block="form",
        http_status=_status(form),
        form=form,
        course=course,
    )


@bp.route("/courses/new", methods=["GET", "POST"])
@access(*MANAGERS)
def course_create():
    return _course_form(None)


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@access(*MANAGERS)
def course_edit(course_id: int):
    return _course_form(_editable_course(course_id))


def _lesson_form(course: Course, lesson: Lesson | None):
    form = LessonEditForm(obj=lesson)
    if form.validate_on_submit():
        data = {k: (v or "") for k, v in form.data.items() if k not in ("csrf_token", "position")}
        if form.position.data:
            data["position"] = form.position.data
        try:
            services.save_lesson(current_user, course, lesson, data)
            db.session.commit()
            flash(_("Lesson saved."), "success")
            return done("training.course_detail", course_id=course.id)
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    return render_page(
        "training/lesson_form.html",
        block="form",
        http_status=_status(form),
        form=form,
        file_form=LessonFileForm(),
        course=course,
        lesson=lesson,
    )


@bp.route("/courses/<int:course_id>/lessons/new", methods=["GET", "POST"])
@access(*MANAGERS)
def lesson_create(course_id: int):
    return _lesson_form(_editable_course(course_id), None)


@bp.route("/lessons/<int:lesson_id>/edit", methods=["GET", "POST"])
@access(*MANAGERS)
def lesson_edit(lesson_id: int):
    lesson = db.get_or_404(Lesson, lesson_id)
    return _lesson_form(_editable_course(lesson.course_id), lesson)


@bp.get("/lessons/<int:lesson_id>")
@access(SIGNED_IN)
def lesson_detail(lesson_id: int):
    lesson = db.get_or_404(Lesson, lesson_id)
    course = _live_course(lesson.course_id)
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
    lesson = db.get_or_404(Lesson, lesson_id)
    _live_course(lesson.course_id)
    services.mark_read(current_user, lesson)
    db.session.commit()
    fragment = None
    if wants_fragment():
        fragment = trigger(
            render_page("training/lesson_detail.html", block="read", lesson=lesson, read=True),
            "lessonRead",
        )
    return done("training.lesson_detail", fragment, lesson_id=lesson.id)


def _option_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _question_form(course: Course, question: Question | None):
    form = QuestionCreateForm(obj=question)
    if question is not None and not form.is_submitted():
        form.options_zh.data = "\n".join(o.text_zh for o in question.options)
        form.options_en.data = "\n".join(o.text_en for o in question.options)
        form.correct.data = ",".join(str(i) for i, o in enumerate(question.options, 1) if o.correct)
    if form.validate_on_submit():
        zh, en = _option_lines(form.options_zh.data), _option_lines(form.options_en.data)
        marks = {p.strip() for p in form.correct.data.replace("，", ",").split(",") if p.strip()}
        try:
            if len(zh) != len(en):
                raise DomainError(
                    _("Give the same number of options in both languages."), field="options_en"
                )
            if not all(parse_int(m, hi=len(zh)) for m in marks):
                raise DomainError(_("Name correct options by their line numbers."), field="correct")
            options = [
                services.OptionInput(z, e, str(i) in marks)
                for i, (z, e) in enumerate(zip(zh, en, strict=True), 1)
            ]
            texts = (form.kind.data, form.text_zh.data, form.text_en.data, options)
            if question is None:
                services.add_question(current_user, course, *texts)
            else:
                services.edit_question(current_user, question, *texts)
            db.session.commit()
            flash(_("Question saved."), "success")
            return done("training.course_detail", course_id=course.id)
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    return render_page(
        "training/question_form.html",
        block="form",
        http_status=_status(form),
        form=form,
        course=course,
        question=question,
    )


@bp.route("/courses/<int:course_id>/questions/new", methods=["GET", "POST"])
@access(*MANAGERS)
def question_create(course_id: int):
    return _question_form(_editable_course(course_id), None)


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@access(*MANAGERS)
def question_edit(question_id: int):
    question = db.get_or_404(Question, question_id)
    return _question_form(_editable_course(question.course_id), question)


# --- quizzes ---------------------------------------------------------------------------------


@bp.post("/courses/<int:course_id>/attempts")
@access(SIGNED_IN)
def attempt_create(course_id: int):
    course = _live_course(course_id)
    try:
        attempt = services.start_attempt(current_user, course)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return done("training.course_detail", course_id=course.id)
    return done("training.attempt_detail", attempt_id=attempt.id)


def _own_attempt(attempt_id: int) -> Attempt:
    attempt = db.get_or_404(Attempt, attempt_id)
    if not permissions.can_take_attempt(
        current_user, attempt
    ) and not permissions.can_view_training_of(current_user, attempt.user):
        abort(404)
    return attempt


def _attempt_page(attempt: Attempt, error: str | None = None, status: int = 200):
    questions = {q.id: q for q in attempt.course.questions}
    shown = [questions[q] for q in attempt.layout.get("questions", []) if q in questions]
    return render_page(
        "training/attempt_detail.html",
        block="attempt",
        http_status=status,
        attempt=attempt,
        questions=shown,
        error=error,
    )


@bp.get("/attempts/<int:attempt_id>")
@access(SIGNED_IN)
def attempt_detail(attempt_id: int):
    return _attempt_page(_own_attempt(attempt_id))


@bp.post("/attempts/<int:attempt_id>")
@access(SIGNED_IN)
def attempt_submit(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if not permissions.can_take_attempt(current_user, attempt):
        abort(403)
    raw = {k[2:]: request.form.getlist(k) for k in request.form if k.startswith("q-")}
    try:
        services.submit_attempt(current_user, attempt, raw)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        return _attempt_page(db.session.get(Attempt, attempt_id), exc.message, 422)
    return trigger(_attempt_page(attempt), "attemptSubmitted")


# --- my training and people ------------------------------------------------------------------


def _person_training(person: User):
    cells = services.matrix([person.id], None, today())
    courses = {
        c.id: c
        for c in db.session.scalars(
            select(Course).where(Course.id.in_([k[1] for k in cells]), Course.deleted_at.is_(None))
        )
    }
    rows = [(courses[k[1]], cell) for k, cell in cells.items() if k[1] in courses]
    order = {
        "overdue": 0,
        "failed": 1,
        "expired": 2,
        "in_progress": 3,
        "not_started": 4,
        "passed": 5,
    }
    rows.sort(key=lambda r: (order[r[1].progress], r[1].due_on or date.max, r[0].title))
    attempts = db.session.scalars(
        select(Attempt)
        .where(Attempt.user_id == person.id, Attempt.submitted_at.is_not(None))
        .order_by(Attempt.submitted_at.desc())
        .limit(100)
    ).all()
    certificates = db.session.scalars(
        select(Certificate)
        .where(Certificate.user_id == person.id)
        .order_by(Certificate.expires_on.desc())
    ).all()
    return {
        "rows": rows,
        "attempts": attempts,
        "certificates": certificates,
        "today": today(),
        "labels": PROGRESS_LABELS,
    }


@bp.get("/")
@access(SIGNED_IN)
def my_training():
    return render_page(
        "training/my_training.html", person=current_user, **_person_training(current_user)
    )


@bp.get("/people/<int:user_id>")
@access(*MANAGERS)
def person_training(user_id: int):
    person = db.get_or_404(User, user_id)
    if not permissions.can_view_training_of(current_user, person):
        abort(404)
    return render_page("training/my_training.html", person=person, **_person_training(person))


@bp.get("/certificates/<int:certificate_id>.pdf")
@access(SIGNED_IN)
def certificate_pdf(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    if not permissions.can_view_training_of(current_user, certificate.user):
        abort(404)
    response = send_file(
        BytesIO(certificates.certificate_pdf(certificate)),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=certificates.pdf_filename(certificate),
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- assignments -----------------------------------------------------------------------------


def _assign_choices(form: AssignmentCreateForm) -> None:
    form.course_id.choices = [
        (c.id, c.title)
        for c in db.session.scalars(
            select(Course).where(Course.deleted_at.is_(None)).order_by(Course.title_en)
        )
    ]
    scope = permissions.people_ids_in_scope(current_user)
    people = select(User).where(User.active.is_(True)).order_by(User.display_name)
    teams = select(Team).order_by(Team.name)
    if scope is not None:
        people = people.where(User.id.in_(scope))
        teams = teams.where(Team.id == (current_user.team_id or 0))
    form.user_ids.choices = [(u.id, u.display_name) for u in db.session.scalars(people).unique()]
    form.team_id.choices = [(0, _("— no team —"))] + [
        (t.id, t.name) for t in db.session.scalars(teams).unique()
    ]


@bp.route("/assignments/new", methods=["GET", "POST"])
@access(*MANAGERS)
def assignment_create():
    form = AssignmentCreateForm(request.form if request.method == "POST" else request.args)
    _assign_choices(form)
    if request.method == "POST" and form.validate():
        course = db.session.get(Course, form.course_id.data or 0)
        team = db.session.get(Team, form.team_id.data) if form.team_id.data else None
        people = list(
            db.session.scalars(select(User).where(User.id.in_(form.user_ids.data or []))).unique()
        )
        if team is not None:
            people += [
                p
                for p in services.team_people(team.id)
                if p not in people and p.id != current_user.id
            ]
        try:
            if course is None:
                raise DomainError(_("Choose a course."), field="course_id")
            if team is not None and not permissions.can_view_matrix(current_user, team):
                raise DomainError(_("You can only assign to your own team."), field="team_id")
            made = services.assign_course(
                current_user, course, people, form.due_on.data, form.reason.data or ""
            )
            db.session.commit()
            flash(_("Course assigned to %(n)d people.", n=len(made)), "success")
            return done("training.matrix")
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    return render_page(
        "training/assignment_form.html",
        block="form",
        http_status=422 if request.method == "POST" else 200,
        form=form,
    )


# --- matrix ----------------------------------------------------------------------------------


def _matrix_team() -> Team | None:
    if current_user.role == Role.MANAGER:
        return db.session.get(Team, current_user.team_id) if current_user.team_id else None
    team_id = parse_id(request.args.get("team"))
    if team_id:
        return db.session.get(Team, team_id)
    return db.session.scalars(select(Team).order_by(Team.name).limit(1)).first()


def _matrix_data(team: Team | None):
    people = services.team_people(team.id) if team else []
    cells = services.matrix([p.id for p in people], None, today())
    course_ids = sorted({k[1] for k in cells})
    courses = db.session.scalars(
        select(Course)
        .where(Course.id.in_(course_ids), Course.deleted_at.is_(None))
        .order_by(Course.title_en)
    ).all()
    return people, courses, cells


@bp.get("/matrix")
@access(*MANAGERS)
def matrix():
    team = _matrix_team()
    people, courses, cells = _matrix_data(team)
    teams = (
        db.session.scalars(select(Team).order_by(Team.name)).unique().all()
        if current_user.role == Role.ADMIN
        else []
    )
    due = services.recertify_soon([p.id for p in people], today())
    return render_page(
        "training/matrix.html",
        team=team,
        teams=teams,
        people=people,
        courses=courses,
        cells=cells,
        labels=PROGRESS_LABELS,
        recertify=due,
        today=today(),
    )


@bp.get("/matrix.xlsx")
@access(*MANAGERS)
def matrix_export():
    team = _matrix_team()
    people, courses, cells = _matrix_data(team)
    header = [_("Person")] + [c.title for c in courses]
    rows = [
        [p.display_name]
        + [
            str(PROGRESS_LABELS[cells[(p.id, c.id)].progress]) if (p.id, c.id) in cells else ""
            for c in courses
        ]
        for p in people
    ]
    # A team's matrix is small: read the workbook into memory so no open file outlives the
    # request (a download that is never read would otherwise leak its temporary file).
    with xlsx_file(header, rows, title=team.name if team else "training") as out:
        data = BytesIO(out.read())
    name = f"training-matrix-{utcnow():%Y%m%d}.xlsx"
    return send_file(data, mimetype=XLSX, as_attachment=True, download_name=name)


# --- suggestions -----------------------------------------------------------------------------


@bp.get("/suggestions")
@access(*MANAGERS)
def suggestion_list():
    scope = permissions.people_ids_in_scope(current_user)
    return render_page(
        "training/suggestion_list.html",
        suggestions=services.suggestions(scope, today()),
        outcomes=services.win_rates_around_certificates(scope),
        mapping=db.session.scalars(select(ReasonCourse).order_by(ReasonCourse.reason_code)).all(),
        reasons={r.code: r for r in db.session.scalars(select(LostReason))},
        stage_names=stage_names(),
        form=_reason_form(),
    )


def _reason_form() -> ReasonMapForm:
    form = ReasonMapForm()
    form.reason_code.choices = [
        (r.code, r.label)
        for r in db.session.scalars(select(LostReason).order_by(LostReason.position))
    ]
    form.stage_key.choices = [("", _("any stage")), *stage_names().items()]
    form.course_id.choices = [
        (c.id, c.title)
        for c in db.session.scalars(
            select(Course).where(Course.deleted_at.is_(None)).order_by(Course.title_en)
        )
    ]
    return form


@bp.post("/suggestions/map")
@access(Role.ADMIN, Role.MANAGER)
def reason_map_save():
    form = _reason_form()
    if form.validate_on_submit():
        course = db.session.get(Course, form.course_id.data or 0)
        try:
            if course is None or course.is_deleted:
                raise DomainError(_("Choose a course."), field="course_id")
            if form.stage_key.data not in {k for k, _label in form.stage_key.choices}:
                raise DomainError(_("Choose a stage from the list."), field="stage_key")
            services.map_reason(current_user, form.reason_code.data, form.stage_key.data, course)
            db.session.commit()
            flash(_("Suggestion rule saved."), "success")
            return done("training.suggestion_list")
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    return render_page("training/_reason_form.html", block="form", http_status=422, form=form)


@bp.post("/suggestions/map/<int:entry_id>/delete")
@access(Role.ADMIN, Role.MANAGER)
def reason_map_delete(entry_id: int):
    entry = db.get_or_404(ReasonCourse, entry_id)
    if not permissions.can_edit_reason_rule(current_user, entry):
        abort(403)  # the rules list is shown to every manager: visible, not theirs to remove
    services.unmap_reason(current_user, entry)
    db.session.commit()
    flash(_("Suggestion rule removed."), "success")
    return done("training.suggestion_list")


@bp.post("/lessons/<int:lesson_id>/files")
@access(*MANAGERS)
def lesson_file_upload(lesson_id: int):
    lesson = db.get_or_404(Lesson, lesson_id)
    course = _editable_course(lesson.course_id)
    form = LessonFileForm()
    if form.validate_on_submit():
        try:
            attached = services.attach_lesson_file(
                current_user, lesson, form.file.data.stream, form.file.data.filename or ""
            )
            db.session.commit()
            flash(_("%(name)s attached.", name=attached.filename), "success")
            return done("training.lesson_edit", lesson_id=lesson.id)
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    return render_page(
        "training/lesson_form.html",
        block="files",
        http_status=422,
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
    _live_course(attached.lesson.course_id)
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
