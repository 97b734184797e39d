"""Team and training area: courses, quizzes, certificates, assignments."""

from flask import Blueprint

bp = Blueprint("training", __name__, url_prefix="/training")

from salesweb.training import models, seed, views  # noqa: E402,F401


def register(app):
    app.register_blueprint(bp)
