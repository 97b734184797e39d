"""Customer satisfaction surveys: builder, invitations, public answering, results, feedback cases."""

from flask import Blueprint

bp = Blueprint("surveys", __name__, url_prefix="/surveys")
public_bp = Blueprint("surveys_public", __name__, url_prefix="/s")


@bp.record_once
def _connect(state) -> None:

    events.install()


from salesweb.surveys import cli, events, public_views, seed  # noqa: E402,F401
from salesweb.surveys.views import register_views  # noqa: E402

register_views()
