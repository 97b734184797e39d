"""Assigning courses, the team matrix and its export, and training suggested by lost deals."""

from __future__ import annotations

from io import BytesIO

from flask import abort, flash, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from salesweb.auth.models import Team
from salesweb.core.forms import form_status, saving
from salesweb.core.htmx import done, render_page
from salesweb.core.models import today, utcnow
from salesweb.core.params import parse_id
from salesweb.core.security import access
from salesweb.core.spreadsheets import xlsx_file
from salesweb.extensions import db
from salesweb.pipeline.queries import stage_names
from salesweb.training import bp, permissions, queries, services
from salesweb.training.forms import AssignmentCreateForm, ReasonMapForm
from salesweb.training.models import PROGRESS_LABELS, Course, ReasonCourse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/assignments/new", methods=["GET", "POST"])
@access(*permissions.TRAINERS)
def assignment_create():
    form = AssignmentCreateForm()
    form.fill_choices(queries.course_choices(), *queries.assignable_choices(current_user))
    if form.validate_on_submit():
        with saving(form):
            made = services.assign_course(
                current_user,
                db.session.get(Course, form.course_id.data),
                queries.people_by_ids(form.user_ids.data or []),
                form.due_on.data,
                form.reason.data or "",
                team=db.session.get(Team, form.team_id.data) if form.team_id.data else None,
            )
            db.session.commit()
            flash(_("Course assigned to %(n)d people.", n=len(made)), "success")
            return done("training.matrix")
    return render_page(
        "training/assignment_form.html", block="form", http_status=form_status(form), form=form
    )


# --- matrix ----------------------------------------------------------------------------------


def _matrix_team() -> Team | None:
    """The team whose matrix is shown: a manager's own; the chosen one, or the first, for
    whoever may choose."""
    if not permissions.can_choose_matrix_team(current_user):
        return db.session.get(Team, current_user.team_id) if current_user.team_id else None
    team_id = parse_id(request.args.get("team"))
    if team_id:
        return db.session.get(Team, team_id)
    return queries.first_team()


def _matrix_data(team: Team | None):
    if team is not None and not permissions.can_view_matrix(current_user, team):
        abort(403)
    people = queries.team_people(team.id) if team else []
    cells = services.matrix([p.id for p in people], None, today())
    courses = queries.live_courses_among(sorted({k[1] for k in cells}))
    return people, courses, cells


@bp.get("/matrix")
@access(*permissions.TRAINERS)
def matrix():
    team = _matrix_team()
    people, courses, cells = _matrix_data(team)
    chooses = permissions.can_choose_matrix_team(current_user)
    return render_page(
        "training/matrix.html",
        team=team,
        teams=queries.all_teams() if chooses else [],
        people=people,
        courses=courses,
        cells=cells,
        labels=PROGRESS_LABELS,
        recertify=services.recertify_soon([p.id for p in people], today()),
        today=today(),
    )


@bp.get("/matrix.xlsx")
@access(*permissions.TRAINERS)
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


def _reason_form() -> ReasonMapForm:
    form = ReasonMapForm()
    form.fill_choices(queries.lost_reason_choices(), stage_names(), queries.course_choices())
    return form


@bp.get("/suggestions")
@access(*permissions.TRAINERS)
def suggestion_list():
    scope = permissions.people_ids_in_scope(current_user)
    return render_page(
        "training/suggestion_list.html",
        suggestions=services.suggestions(scope, today()),
        outcomes=services.win_rates_around_certificates(scope),
        mapping=queries.reason_rules(),
        reasons=queries.lost_reasons_by_code(),
        stage_names=stage_names(),
        form=_reason_form(),
    )


@bp.post("/suggestions/map")
@access(*permissions.TRAINERS)
def reason_map_save():
    form = _reason_form()
    if form.validate_on_submit():
        with saving(form):
            course = db.session.get(Course, form.course_id.data)
            services.map_reason(current_user, form.reason_code.data, form.stage_key.data, course)
            db.session.commit()
            flash(_("Suggestion rule saved."), "success")
            return done("training.suggestion_list")
    return render_page(
        "training/_reason_form.html", block="form", http_status=form_status(form), form=form
    )


@bp.post("/suggestions/map/<int:entry_id>/delete")
@access(*permissions.TRAINERS)
def reason_map_delete(entry_id: int):
    entry = db.get_or_404(ReasonCourse, entry_id)
    if not permissions.can_edit_reason_rule(current_user, entry):
        abort(403)  # the rules list is shown to every manager: visible, not theirs to remove
    services.unmap_reason(current_user, entry)
    db.session.commit()
    flash(_("Suggestion rule removed."), "success")
    return done("training.suggestion_list")
