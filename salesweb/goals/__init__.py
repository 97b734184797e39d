"""Goals area: targets by period that decompose and reconcile, live attainment, forecasts.

It reads customers and pipeline; nothing below it imports it (DESIGN.md, Layers).
"""

from flask import Blueprint

bp = Blueprint("goals", __name__, url_prefix="/goals")

from salesweb.goals import models, views  # noqa: E402,F401
