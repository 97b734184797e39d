"""Contracts under compliance review, the rules they are checked against, and the risk register."""

from flask import Blueprint

bp = Blueprint("compliance", __name__, url_prefix="/compliance")

from salesweb.compliance import hooks, seed  # noqa: E402,F401
from salesweb.compliance.views import register_views  # noqa: E402

register_views()
