"""Users, teams, roles, sign-in and data scopes."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from salesweb.auth import cli, seed, views  # noqa: E402,F401
