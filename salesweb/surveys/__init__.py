"""Customer satisfaction surveys: builder, invitations, public answering, results, feedback cases."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("surveys", __name__, url_prefix="/surveys")
public_bp = Blueprint("surveys_public", __name__, url_prefix="/s")


@bp.record_once
def _connect(state) -> None:

    events.install()


from salesweb.core.navigation import Entry, Group, register  # noqa: E402
from salesweb.core.shell import register_globals  # noqa: E402
from salesweb.surveys import cli, events, jobs, public_views, seed  # noqa: E402,F401
from salesweb.surveys.permissions import TEMPLATE_PERMISSIONS, can_view_surveys  # noqa: E402

register_globals(bp, **TEMPLATE_PERMISSIONS)
from salesweb.surveys.views import register_views  # noqa: E402

MENU = Group("satisfaction", _l("Satisfaction"), 40)
register(
    bp,
    Entry(
        _l("Satisfaction"), "surveys.results_overview", 10, MENU, can_view_surveys, ("surveys.",)
    ),
)

register_views()
