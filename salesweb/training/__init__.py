"""Team and training area: courses, quizzes, certificates, assignments."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("training", __name__, url_prefix="/training")

from salesweb.auth import TEAM_MENU  # noqa: E402
from salesweb.core.navigation import Entry, register  # noqa: E402
from salesweb.core.shell import register_globals  # noqa: E402
from salesweb.training import models, seed  # noqa: E402,F401
from salesweb.training.permissions import TEMPLATE_PERMISSIONS  # noqa: E402
from salesweb.training.views import register_views  # noqa: E402

register_globals(bp, **TEMPLATE_PERMISSIONS)
register(bp, Entry(_l("Training"), "training.my_training", 10, TEAM_MENU, current=("training.",)))

register_views()
