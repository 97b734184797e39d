"""Home and health check."""

from flask import Response
from flask_login import current_user
from sqlalchemy import text

from salesweb.core import bp
from salesweb.core.htmx import render_page
from salesweb.core.security import PUBLIC, SIGNED_IN, access
from salesweb.extensions import db, limiter


@bp.get("/")
@access(SIGNED_IN)
def home():
    return render_page("core/home.html", user=current_user)


@bp.get("/healthz")
@access(PUBLIC)
@limiter.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any database failure means "not healthy"
        db.session.rollback()
        return Response("database unavailable\n", 503, mimetype="text/plain")
    return Response("ok\n", 200, mimetype="text/plain")
