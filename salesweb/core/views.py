"""The workbench (home) and the health check."""

from flask import Response
from flask_login import current_user
from sqlalchemy import text

from salesweb.core import bp
from salesweb.core.htmx import render_page
from salesweb.core.panels import HOME, visible_panels
from salesweb.core.security import PUBLIC, SIGNED_IN, access
from salesweb.extensions import db, limiter


@bp.get("/")
@access(SIGNED_IN)
def home():
    # Only placeholders: each panel is its own request, loaded by htmx after the page.
    panels = [(p, p.url(None)) for p in visible_panels(HOME, current_user, None)]
    return render_page("core/home.html", user=current_user, panels=panels)


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
