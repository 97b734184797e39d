"""Customer satisfaction surveys: builder, invitations, public answering, results, feedback cases."""

from flask import Blueprint

bp = Blueprint("surveys", __name__, url_prefix="/surveys")
public_bp = Blueprint("surveys_public", __name__, url_prefix="/s")

from salesweb.surveys import public_views, views  # noqa: E402,F401
