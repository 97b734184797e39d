"""Accounts, contacts, interactions, follow-up tasks, the public pool, orders, import and export."""

from flask import Blueprint

bp = Blueprint("customers", __name__, url_prefix="/customers")

from salesweb.customers import cli, events, seed  # noqa: E402,F401
from salesweb.customers.views import register_views  # noqa: E402

register_views()
