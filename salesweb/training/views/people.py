"""The organisation's teams with each member's responsibilities, and a person's training."""

from __future__ import annotations

from datetime import date

from flask import abort
from flask_login import current_user

from salesweb.auth.models import Team, User
from salesweb.core.forms import form_status, saving
from salesweb.core.htmx import done, render_page, trigger
from salesweb.core.models import today
from salesweb.core.security import SIGNED_IN, access
from salesweb.extensions import db
from salesweb.training import bp, permissions, queries, services
from salesweb.training.forms import ProfileEditForm
from salesweb.training.models import PROGRESS_LABELS
from salesweb.training.views import member_or_404

# What needs doing first leads a person's course list.
PROGRESS_ORDER = {
    "overdue": 0,
    "failed": 1,
    "expired": 2,
    "in_progress": 3,
    "not_started": 4,
    "passed": 5,
}


@bp.get("/teams")
@access(SIGNED_IN)
def team_overview():
    return render_page(
        "training/team_overview.html",
        teams=queries.all_teams(),
        counts=queries.active_member_counts(),
    )


@bp.get("/teams/<int:team_id>")
@access(SIGNED_IN)
def team_detail(team_id: int):
    team = db.get_or_404(Team, team_id)
    members = queries.team_people(team.id)
    profiles = queries.profiles_of(members)
    return render_page("training/team_detail.html", team=team, members=members, profiles=profiles)


@bp.route("/people/<int:user_id>/profile", methods=["GET", "POST"])
@access(*permissions.TRAINERS)
def profile_edit(user_id: int):
    member = member_or_404(user_id)
    if not permissions.can_edit_profile(current_user, member):
        abort(403)
    form = ProfileEditForm(obj=services.profile_of(member))
    if form.validate_on_submit():
        with saving(form):
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
            team_page = done("training.team_detail", fragment, team_id=member.team_id or 0)
            return trigger(team_page, "profileSaved")
    return render_page(
        "training/profile_edit.html",
        block="form",
        http_status=form_status(form),
        form=form,
        member=member,
    )


def _training_record(person: User) -> dict:
    """A person's courses (what needs doing first), assessment history and certificates."""
    cells = services.matrix([person.id], None, today())
    courses = {c.id: c for c in queries.live_courses_among(k[1] for k in cells)}
    rows = [(courses[k[1]], cell) for k, cell in cells.items() if k[1] in courses]
    rows.sort(key=lambda r: (PROGRESS_ORDER[r[1].progress], r[1].due_on or date.max, r[0].title))
    return {
        "rows": rows,
        "attempts": queries.submitted_attempts(person),
        "certificates": queries.certificates_of(person),
        "today": today(),
        "labels": PROGRESS_LABELS,
    }


@bp.get("/")
@access(SIGNED_IN)
def my_training():
    return render_page(
        "training/my_training.html", person=current_user, **_training_record(current_user)
    )


@bp.get("/people/<int:user_id>")
@access(*permissions.TRAINERS)
def person_training(user_id: int):
    person = db.get_or_404(User, user_id)
    if not permissions.can_view_training_of(current_user, person):
        abort(404)
    return render_page("training/my_training.html", person=person, **_training_record(person))
