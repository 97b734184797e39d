"""Shared mechanisms with no business area: htmx rendering, audit, errors, security, money."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("core", __name__)

from salesweb.core import views  # noqa: E402,F401
from salesweb.core.navigation import Entry, register  # noqa: E402

register(bp, Entry(_l("Home"), "core.home", order=0))
