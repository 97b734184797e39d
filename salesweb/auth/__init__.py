"""Users, teams, roles, sign-in and data scopes."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("auth", __name__, url_prefix="/auth")

from salesweb.auth import cli, importers, seed, setup, views  # noqa: E402,F401
from salesweb.auth.models import ROLE_LABELS  # noqa: E402
from salesweb.auth.permissions import (  # noqa: E402
    TEMPLATE_PERMISSIONS,
    can_change_settings,
    can_manage_jobs,
    can_manage_users,
    can_view_audit,
)
from salesweb.core.navigation import Entry, Group, register  # noqa: E402
from salesweb.core.shell import register_globals  # noqa: E402

register_globals(bp, role_labels=ROLE_LABELS, **TEMPLATE_PERMISSIONS)

# Groups that higher areas fill too: training joins the team's, pipeline's settings join admin.
TEAM_MENU = Group("team", _l("Team and training"), 50)
ADMIN_MENU = Group("admin", _l("Administration"), 90)

register(
    bp,
    Entry(_l("Teams"), "auth.team_list", 20, TEAM_MENU),
    Entry(_l("Users"), "auth.user_list", 10, ADMIN_MENU, can_manage_users, ("auth.user",)),
    Entry(_l("Audit log"), "auth.audit_list", 90, ADMIN_MENU, can_view_audit),
    Entry(_l("Scheduled jobs"), "auth.job_list", 95, ADMIN_MENU, can_manage_jobs),
    Entry(_l("Company settings"), "auth.company_setup", 85, ADMIN_MENU, can_change_settings),
)
