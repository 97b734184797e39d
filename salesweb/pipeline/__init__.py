"""Sales processes and stages with enforced exit criteria, deals and the board, products,
quotes with approval and PDF, exchange rates, winning and losing."""

from flask import Blueprint

bp = Blueprint("pipeline", __name__, url_prefix="/pipeline")

from salesweb.pipeline import cli, events, gates, importers, seed  # noqa: E402,F401
from salesweb.pipeline.views import register_views  # noqa: E402

register_views()
