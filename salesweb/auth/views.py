"""Sign-in, own account, and the administration of users, teams and the audit log."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from salesweb.auth import bp, queries, services
from salesweb.auth.forms import (
    JobRunForm,
    JobSwitchForm,
    LocaleSwitchForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    PreferencesForm,
    TeamForm,
    UserCreateForm,
    UserForm,
)
from salesweb.auth.models import Team, User
from salesweb.auth.permissions import AUDITORS, JOB_ADMINS, TEAM_ADMINS, USER_ADMINS
from salesweb.auth.setup import first_page
from salesweb.core import history, jobs
from salesweb.core.errors import DomainError
from salesweb.core.forms import form_status, saving
from salesweb.core.history import record_history
from salesweb.core.htmx import done, render_page, see_other, trigger, wants_fragment
from salesweb.core.pagination import paginate, sort_choice
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
            landing = first_page(user) or safe_next(form.next.data) or url_for("core.home")
            return redirect(landing, code=303)
        db.session.commit()  # keep the failure count and audit row
        form.form_errors.append(
            _(
                "Sign-in failed. Check the e-mail and password. After 5 failed attempts "
                "an account is locked for 15 minutes."
            )
        )
    return render_page("auth/login.html", block="form", http_status=form_status(form), form=form)


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
        with saving(form):
            services.change_own_password(current_user, form.current.data, form.new.data)
            db.session.commit()
            login_user(current_user._get_current_object())  # keep this session; others end
            flash(
                _("Your password has been changed. Other sessions have been signed out."), "success"
            )
            return see_other("core.home")
    return render_page(
        "auth/password_change.html", block="form", http_status=form_status(form), form=form
    )


@bp.route("/preferences", methods=["GET", "POST"])
@access(SIGNED_IN)
def preferences_edit():
    form = PreferencesForm(obj=current_user)
    if form.validate_on_submit():
        services.set_preferences(current_user, locale=form.locale.data, timezone=form.timezone.data)
        db.session.commit()
        flash(_("Preferences saved."), "success")
        return see_other("auth.preferences_edit")
    return render_page(
        "auth/preferences_edit.html", block="form", http_status=form_status(form), form=form
    )


# --- users -----------------------------------------------------------------------------------


@bp.get("/users")
@access(*USER_ADMINS)
def user_list():
    filters = queries.user_filters(request.args)
    sort, order = sort_choice(queries.USER_SORTS, "name")
    return render_page(
        "auth/user_list.html",
        block="results",
        page=paginate(queries.user_list_stmt(filters, order)),
        teams=queries.all_teams(),
        sort=sort,
        **filters,
    )


def _user_page(form: UserForm, user: User | None):
    """The user page: the form shown fresh or refused, and for a user their history."""
    return render_page(
        "auth/user_form.html",
        block="form",
        http_status=form_status(form),
        form=form,
        user=user,
        reset_form=PasswordResetForm() if user else None,
        history=record_history("users", user.id) if user else [],
    )


@bp.route("/users/new", methods=["GET", "POST"])
@access(*USER_ADMINS)
def user_create():
    form = UserCreateForm()
    form.team_id.choices = queries.team_choices()
    if form.validate_on_submit():
        fields = form.data_dict()
        team_id = fields.pop("team_id")
        fields.pop("active")
        with saving(form):
            user = services.create_user(
                current_user,
                password=form.password.data or None,
                team=db.session.get(Team, team_id) if team_id else None,
                **fields,
            )
            db.session.commit()
            flash(_("User %(name)s created.", name=user.display_name), "success")
            return see_other("auth.user_edit", user_id=user.id)
    return _user_page(form, None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@access(*USER_ADMINS)
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user)
    form.team_id.choices = queries.team_choices()
    if request.method == "GET":
        form.team_id.data = user.team_id or 0
    if form.validate_on_submit():
        with saving(form):
            services.update_user(current_user, user, version=form.version.data, **form.data_dict())
            db.session.commit()
            flash(_("Changes saved."), "success")
            return done("auth.user_edit", user_id=user.id)
    return _user_page(form, user)


@bp.post("/users/<int:user_id>/password")
@access(*USER_ADMINS)
def user_password_reset(user_id: int):
    user = db.get_or_404(User, user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        with saving(form):
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
    return _reset_refused(user, form)


def _reset_refused(user: User, form: PasswordResetForm):
    """The password box again with its message (422), whatever made it fail."""
    return render_page(
        "auth/user_form.html",
        block="reset",
        http_status=422,
        form=UserForm(obj=user),
        user=user,
        reset_form=form,
        history=record_history("users", user.id),
    )


@bp.post("/users/<int:user_id>/active")
@access(*USER_ADMINS)
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
    return render_page(
        "auth/team_list.html", teams=queries.all_teams(), counts=queries.active_member_counts()
    )


@bp.route("/teams/new", methods=["GET", "POST"])
@access(*TEAM_ADMINS)
def team_create():
    form = _team_form(None)
    if form.validate_on_submit():
        with saving(form):
            team = services.create_team(current_user, **form.data_dict())
            db.session.commit()
            flash(_("Team %(name)s saved.", name=team.name), "success")
            return see_other("auth.team_list")
    return _team_page(form, None)


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@access(*TEAM_ADMINS)
def team_edit(team_id: int):
    team = db.get_or_404(Team, team_id)
    form = _team_form(team)
    if form.validate_on_submit():
        with saving(form):
            services.update_team(current_user, team, version=form.version.data, **form.data_dict())
            db.session.commit()
            flash(_("Team %(name)s saved.", name=team.name), "success")
            return see_other("auth.team_list")
    return _team_page(form, team)


def _team_form(team: Team | None) -> TeamForm:
    form = TeamForm(obj=team)
    form.manager_id.choices = queries.manager_choices()
    if request.method == "GET" and team is not None:
        form.manager_id.data = team.manager_id or 0
    return form


def _team_page(form: TeamForm, team: Team | None):
    return render_page(
        "auth/team_form.html",
        block="form",
        http_status=form_status(form),
        form=form,
        team=team,
        history=record_history("teams", team.id) if team else [],
    )


# --- audit log -------------------------------------------------------------------------------


@bp.get("/audit")
@access(*AUDITORS)
def audit_list():
    filters = queries.audit_filters(request.args)
    page = paginate(queries.audit_list_stmt(filters))
    types = queries.audit_record_types()
    return render_page(
        "auth/audit_list.html",
        block="results",
        page=page,
        entries=history.present(page.items),
        types=sorted(((t, history.kind_label(t)) for t in types), key=lambda pair: pair[1]),
        **filters,
    )


# --- jobs: the scheduled jobs with their switches, and every run ---------------------------


def _periodic_or_404(name: str) -> jobs.JobSpec:
    spec = jobs.spec_for(name)
    if spec is None or spec.schedule is None:
        abort(404)
    return spec


@bp.get("/jobs")
@access(*JOB_ADMINS)
def job_list():
    filters = queries.job_run_filters(request.args)
    page = paginate(jobs.runs_stmt(filters["status"], filters["job"]))
    return render_page(
        "auth/job_list.html",
        block="results",
        page=page,
        **filters,
        summaries=queries.job_run_summaries(page.items),
        **queries.scheduled_jobs(),
    )


@bp.post("/jobs/<name>/switch")
@access(*JOB_ADMINS)
def job_switch(name: str):
    spec = _periodic_or_404(name)
    form = JobSwitchForm()
    if not form.validate_on_submit():
        abort(400)
    services.switch_job(current_user, spec, form.enabled.data == "1")
    db.session.commit()
    if not wants_fragment():
        return see_other("auth.job_list")
    fragment = render_page("auth/job_list.html", block="scheduled", **queries.scheduled_jobs())
    return trigger(fragment, "jobSwitched")


@bp.post("/jobs/<name>/run")
@access(*JOB_ADMINS)
def job_run_now(name: str):
    spec = _periodic_or_404(name)
    if not JobRunForm().validate_on_submit():
        abort(400)
    spec.enqueue(trigger="manual")  # nothing to commit first: the run writes its own rows
    flash(_("%(job)s is on its way; its run appears below.", job=spec.label), "success")
    return see_other("auth.job_list")
