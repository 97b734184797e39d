"""Shared mechanisms with no business area: htmx rendering, audit, errors, security, money."""

from flask import Blueprint

bp = Blueprint("core", __name__)

from salesweb.core import views  # noqa: E402,F401
