"""Sign-in, own account, and the administration of users, teams and the audit log."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import or_, select

from salesweb.auth import bp, services
from salesweb.auth.forms import (
    LocaleSwitchForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    PreferencesForm,
    TeamForm,
    UserCreateForm,
    UserForm,
)
from salesweb.auth.models import Role, Team, User
from salesweb.core import history
from salesweb.core.errors import DomainError, put_on_form
from salesweb.core.htmx import done, render_page
from salesweb.core.i18n import select_timezone
from salesweb.core.models import AuditLog
from salesweb.core.pagination import paginate, sort_choice
from salesweb.core.params import parse_id
from salesweb.core.security import PUBLIC, SIGNED_IN, access, safe_next
from salesweb.extensions import db, limiter


def _login_limit() -> str:
    return current_app.config["SALESWEB_LOGIN_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)  # listeners (notices at sign-in) may add to this transaction
            db.session.commit()
            return redirect(safe_next(form.next.data) or url_for("core.home"), code=303)
        db.session.commit()  # keep the failure count and audit row
        form.form_errors.append(
            _(
                "Sign-in failed. Check the e-mail and password. After 5 failed attempts "
                "an account is locked for 15 minutes."
            )
        )
    status = 422 if form.is_submitted() else 200
    return render_page("auth/login.html", block="form", http_status=status, form=form)


@bp.post("/logout")
@access(SIGNED_IN)
def logout():
    # One token per user: ending this session ends the user's sessions in every browser, which
    # is what makes a cookie copied before sign-out worthless.
    services.end_all_sessions(current_user)
    db.session.commit()
    logout_user()
    flash(_("You have signed out, in this browser and on every other device."), "info")
    return redirect(url_for("auth.login"), code=303)


@bp.post("/locale")
@access(PUBLIC)
def locale_switch():
    form = LocaleSwitchForm()
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        services.set_preferences(current_user, locale=form.locale.data)
        db.session.commit()
    session["locale"] = form.locale.data
    return redirect(safe_next(form.next.data) or url_for("core.home"), code=303)


@bp.route("/password", methods=["GET", "POST"])
@access(SIGNED_IN)
def password_change():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_own_password(current_user, form.current.data, form.new.data)
            db.session.commit()
            login_user(current_user._get_current_object())  # keep this session; others end
            flash(
                _("Your password has been changed. Other sessions have been signed out."), "success"
            )
            return redirect(url_for("core.home"), code=303)
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    status = 422 if form.is_submitted() else 200
    return render_page("auth/password_change.html", block="form", http_status=status, form=form)


@bp.route("/preferences", methods=["GET", "POST"])
@access(SIGNED_IN)
def preferences_edit():
    form = PreferencesForm(obj=current_user)
    if form.validate_on_submit():
        services.set_preferences(current_user, locale=form.locale.data, timezone=form.timezone.data)
        db.session.commit()
        flash(_("Preferences saved."), "success")
        return redirect(url_for("auth.preferences_edit"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_page("auth/preferences_edit.html", block="form", http_status=status, form=form)


# --- users -----------------------------------------------------------------------------------

USER_SORTS = {
    "name": User.display_name.asc(),
    "-name": User.display_name.desc(),
    "email": User.email.asc(),
    "role": User.role.asc(),
    "-last": User.last_sign_in_at.desc(),
}


@bp.get("/users")
@access(Role.ADMIN)
def user_list():
    q = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    team_id = parse_id(request.args.get("team"))
    status = request.args.get("status", "")
    sort, order = sort_choice(USER_SORTS, "name")
    stmt = select(User)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(User.email.like(like), User.display_name.ilike(f"%{q}%")))
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role == role)
    if team_id:
        stmt = stmt.where(User.team_id == team_id)
    if status in ("active", "inactive"):
        stmt = stmt.where(User.active.is_(status == "active"))
    page = paginate(stmt.order_by(order, User.id))
    teams = db.session.scalars(select(Team).order_by(Team.name)).all()
    return render_page(
        "auth/user_list.html",
        block="results",
        page=page,
        teams=teams,
        q=q,
        role=role,
        team_id=team_id,
        status=status,
        sort=sort,
    )


def _team_choices() -> list[tuple[int, str]]:
    teams = db.session.execute(select(Team.id, Team.name).order_by(Team.name)).all()
    return [(0, _("— no team —"))] + [(t.id, t.name) for t in teams]


def _user_fields(form: UserForm) -> dict:
    return {
        "email": form.email.data,
        "display_name": form.display_name.data.strip(),
        "role": Role(form.role.data),
        "team_id": form.team_id.data or None,
        "locale": form.locale.data,
        "timezone": form.timezone.data,
        "active": bool(form.active.data),
    }


@bp.route("/users/new", methods=["GET", "POST"])
@access(Role.ADMIN)
def user_create():
    form = UserCreateForm()
    form.team_id.choices = _team_choices()
    if form.validate_on_submit():
        fields = _user_fields(form)
        team_id = fields.pop("team_id")
        fields.pop("active")
        try:
            user = services.create_user(
                current_user,
                password=form.password.data or None,
                team=db.session.get(Team, team_id) if team_id else None,
                **fields,
            )
            db.session.commit()
            flash(_("User %(name)s created.", name=user.display_name), "success")
            return redirect(url_for("auth.user_edit", user_id=user.id), code=303)
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "auth/user_form.html", block="form", http_status=status, form=form, user=None
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@access(Role.ADMIN)
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user)
    form.team_id.choices = _team_choices()
    if request.method == "GET":
        form.team_id.data = user.team_id or 0
    if form.validate_on_submit():
        try:
            services.update_user(
                current_user, user, version=form.version.data, **_user_fields(form)
            )
            db.session.commit()
            flash(_("Changes saved."), "success")
            return done("auth.user_edit", user_id=user.id)
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "auth/user_form.html",
        block="form",
        http_status=status,
        form=form,
        user=user,
        reset_form=PasswordResetForm(),
    )


@bp.post("/users/<int:user_id>/password")
@access(Role.ADMIN)
def user_password_reset(user_id: int):
    user = db.get_or_404(User, user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            services.reset_password(current_user, user, form.password.data)
            db.session.commit()
            flash(
                _(
                    "Password set for %(name)s. Their other sessions have ended.",
                    name=user.display_name,
                ),
                "success",
            )
            return done("auth.user_edit", user_id=user.id)
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    return render_page(
        "auth/user_form.html",
        block="reset",
        http_status=422,
        form=UserForm(obj=user),
        user=user,
        reset_form=form,
    )


@bp.post("/users/<int:user_id>/active")
@access(Role.ADMIN)
def user_active_toggle(user_id: int):
    user = db.get_or_404(User, user_id)
    try:
        services.set_active(current_user, user, not user.active)
        db.session.commit()
        flash(
            _("%(name)s is now active.", name=user.display_name)
            if user.active
            else _(
                "%(name)s has been deactivated and can no longer sign in.", name=user.display_name
            ),
            "success",
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return done("auth.user_edit", user_id=user.id)


# --- teams -----------------------------------------------------------------------------------


@bp.get("/teams")
@access(SIGNED_IN)
def team_list():
    teams = db.session.scalars(select(Team).order_by(Team.name)).unique().all()
    counts = dict(
        db.session.execute(
            select(User.team_id, db.func.count())
            .where(User.active.is_(True))
            .group_by(User.team_id)
        ).all()
    )
    return render_page("auth/team_list.html", teams=teams, counts=counts)


def _manager_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(User.id, User.display_name)
        .where(User.role.in_([Role.MANAGER, Role.ADMIN]), User.active.is_(True))
        .order_by(User.display_name)
    ).all()
    return [(0, _("— no manager —"))] + [(r.id, r.display_name) for r in rows]


@bp.route("/teams/new", methods=["GET", "POST"])
@access(Role.ADMIN)
def team_create():
    return _team_form(None)


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@access(Role.ADMIN)
def team_edit(team_id: int):
    return _team_form(db.get_or_404(Team, team_id))


def _team_form(team: Team | None):
    form = TeamForm(obj=team)
    form.manager_id.choices = _manager_choices()
    if request.method == "GET" and team is not None:
        form.manager_id.data = team.manager_id or 0
    if form.validate_on_submit():
        manager = db.session.get(User, form.manager_id.data) if form.manager_id.data else None
        try:
            if team is None:
                team = services.create_team(
                    current_user,
                    name=form.name.data,
                    region=form.region.data or "",
                    manager=manager,
                )
            else:
                services.update_team(
                    current_user,
                    team,
                    version=form.version.data,
                    name=form.name.data,
                    region=form.region.data or "",
                    manager=manager,
                )
            db.session.commit()
            flash(_("Team %(name)s saved.", name=team.name), "success")
            return redirect(url_for("auth.team_list"), code=303)
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "auth/team_form.html", block="form", http_status=status, form=form, team=team
    )


# --- audit log -------------------------------------------------------------------------------


def _date_arg(name: str):
    try:
        return datetime.strptime(request.args.get(name, ""), "%Y-%m-%d").date()
    except ValueError:
        return None


@bp.get("/audit")
@access(Role.ADMIN)
def audit_list():
    actor = request.args.get("actor", "").strip()[:254]
    record_type = request.args.get("type", "").strip()[:60]
    start, end = _date_arg("from"), _date_arg("to")
    stmt = select(AuditLog)
    if actor:
        stmt = stmt.where(AuditLog.actor_label.ilike(f"%{actor}%"))
    if record_type:
        stmt = stmt.where(AuditLog.record_type == record_type)
    tz = ZoneInfo(select_timezone())  # the dates are the user's days, not UTC days
    if start:
        stmt = stmt.where(AuditLog.created_at >= datetime.combine(start, time.min, tz))
    if end:
        stmt = stmt.where(
            AuditLog.created_at < datetime.combine(end + timedelta(days=1), time.min, tz)
        )
    page = paginate(stmt.order_by(AuditLog.created_at.desc(), AuditLog.id.desc()))
    types = db.session.scalars(select(AuditLog.record_type).distinct()).all()
    return render_page(
        "auth/audit_list.html",
        block="results",
        page=page,
        entries=history.present(page.items),
        types=sorted(((t, history.kind_label(t)) for t in types), key=lambda pair: pair[1]),
        actor=actor,
        record_type=record_type,
        start=start,
        end=end,
    )
