"""Goals area: targets by period that decompose and reconcile, live attainment, forecasts.

It reads customers and pipeline; nothing below it imports it (DESIGN.md, Layers).
"""

from flask import Blueprint

bp = Blueprint("goals", __name__, url_prefix="/goals")

import salesweb.goals.forecast_shell  # noqa: E402,F401  (h2: forecasts)
from salesweb.goals import models, views  # noqa: E402,F401
