"""The company setup page: what the first administrator fills in at the first sign-in (company
name and letterhead, base currency, default language and time zone, process template), and
changes later from the Administration menu. The values live in `core.settings`."""

from __future__ import annotations

from flask import flash, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from salesweb.auth import bp, queries
from salesweb.auth.forms import CompanySetupForm, currency_choices_with, timezone_choices
from salesweb.auth.permissions import SETTINGS_ADMINS, can_change_settings
from salesweb.core import panels, settings, setup_checks
from salesweb.core.forms import form_status, saving
from salesweb.core.history import record_history
from salesweb.core.htmx import done, render_page
from salesweb.core.security import access
from salesweb.extensions import db


def first_page(user) -> str | None:
    """Where a sign-in lands before anything else: the setup page, for an administrator of a
    company nobody has set up yet."""
    if can_change_settings(user) and not settings.is_set_up():
        return url_for("auth.company_setup")
    return None


def _setup_form(row: settings.CompanySettings) -> CompanySetupForm:
    form = CompanySetupForm(obj=row)
    form.base_currency.choices = currency_choices_with(row.base_currency)
    zones = timezone_choices()
    if row.timezone and row.timezone not in {zone for zone, _ in zones}:
        zones.append((row.timezone, row.timezone))  # a configured zone outside the short list
    form.timezone.choices = zones
    form.process_template.choices = settings.process_templates()
    return form


@bp.route("/setup", methods=["GET", "POST"])
@access(*SETTINGS_ADMINS)
def company_setup():
    row = settings.load()
    first_time = not settings.is_set_up()
    form = _setup_form(row)
    if form.validate_on_submit():
        with saving(form):
            settings.save_settings(current_user, row, form.version.data, **form.data_dict())
            db.session.commit()
            flash(_("Company settings saved."), "success")
            return done("core.home" if first_time else "auth.company_setup")
    return render_page(
        "auth/setup.html",
        block="form",
        http_status=form_status(form),
        form=form,
        row=row,
        first_time=first_time,
        history=record_history("company_settings", row.id) if row.set_up_at else [],
    )


# --- workbench (h4): the administrator's panel of what is still to set up

SETUP_TITLE = _l("Setup to finish")


@bp.get("/workbench/setup")
@access(*SETTINGS_ADMINS)
def home_setup():
    steps, total = setup_checks.missing_steps()
    return render_page(
        "auth/home_setup.html",
        block="panel",
        **panels.panel_context(SETUP_TITLE),
        steps=steps,
        total=total,
    )


def _no_settings() -> str | None:
    return None if settings.is_set_up() else _("Save the company settings once.")


def _no_team() -> str | None:
    return None if queries.team_count() else _("Create the first sales team.")


def _no_salesperson() -> str | None:
    return None if queries.salespeople_count() else _("Invite the first salespeople.")


panels.register(
    panels.HOME,
    SETUP_TITLE,
    lambda _: url_for("auth.home_setup"),
    lambda user, _: can_change_settings(user),
    order=5,
)
setup_checks.register("company", _no_settings, "auth.company_setup", order=10)
setup_checks.register("teams", _no_team, "auth.team_create", order=20)
setup_checks.register("people", _no_salesperson, "auth.user_create", order=30)
