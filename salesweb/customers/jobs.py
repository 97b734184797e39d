"""The customers area's scheduled work: idle accounts go back to the public pool every night."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from salesweb.core import jobs
from salesweb.customers import services


def _reclaim_summary(result: dict) -> str:
    return _("Accounts returned to the public pool: %(count)s", count=result["count"])


@jobs.periodic(
    "customers.reclaim",
    jobs.Schedule(hour="2", minute="15"),
    label=_l("Return idle accounts to the public pool"),
    when=_l("Every night at 02:15"),
    summary=_reclaim_summary,
)
def reclaim() -> int:
    """Accounts without an interaction for SALESWEB_RECLAIM_DAYS days lose their owner."""
    return services.reclaim_idle_accounts(current_app.config["SALESWEB_RECLAIM_DAYS"])
