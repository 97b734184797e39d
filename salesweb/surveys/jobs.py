"""The surveys area's scheduled work: an open invitation gets its one reminder by itself."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from salesweb.core import jobs
from salesweb.core.models import utcnow
from salesweb.extensions import db
from salesweb.surveys import delivery, services
from salesweb.surveys.models import Invitation

BATCH = 500


def _remind_summary(result: dict) -> str:
    return _("Reminders sent: %(count)s", count=result["count"])


@jobs.periodic(
    "surveys.remind",
    jobs.Schedule(hour="9", minute="30"),
    label=_l("Remind customers of unanswered surveys"),
    when=_l("Every day at 09:30"),
    summary=_remind_summary,
)
def remind_unanswered() -> int:
    """Invitations e-mailed SALESWEB_SURVEY_REMIND_DAYS days ago, still open and never
    reminded, get their one reminder (with a new link); the mails leave after the commit."""
    if not delivery.mail_configured():
        return 0
    now = utcnow()
    cutoff = now - timedelta(days=current_app.config["SALESWEB_SURVEY_REMIND_DAYS"])
    due = db.session.scalars(
        select(Invitation)
        .where(
            Invitation.reminded_at.is_(None),
            Invitation.answered_at.is_(None),
            Invitation.emailed_at < cutoff,
            Invitation.expires_at > now,
        )
        .order_by(Invitation.id)
        .limit(BATCH)
    )
    count = 0
    for invitation in due:
        if delivery.can_email(invitation):
            services.remind(None, invitation)
            count += 1
    return count
