"""Delivering invitations: the public link, and e-mail through SMTP once the data is committed.

Mails are queued on the database session and sent after its commit, so nobody receives a link
to an invitation that was rolled back; a rolled-back session drops its queue.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formataddr

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session

from salesweb.extensions import db
from salesweb.surveys.models import Invitation

OUTBOX = "survey_outbox"


def public_url(token: str) -> str:
    """The link a customer opens. Outside a request (CLI), SALESWEB_PUBLIC_URL is its base."""
    if has_request_context():
        return url_for("surveys_public.answer", token=token, _external=True)
    base = current_app.config.get("SALESWEB_PUBLIC_URL") or "http://localhost:5000"
    return f"{base.rstrip('/')}/s/{token}"


def mail_configured() -> bool:
    """Whether a mail server is set up at all."""
    return bool(current_app.config.get("MAIL_SERVER"))


def can_email(invitation: Invitation) -> bool:
    """Whether this invitation can go by e-mail (a server, and an address for the contact)."""
    return mail_configured() and bool(invitation.contact.email)


def compose(invitation: Invitation, token: str, reminder: bool = False) -> EmailMessage:
    """The invitation e-mail in the invitation's language."""
    survey, contact = invitation.survey, invitation.contact
    with force_locale(invitation.locale):
        title = survey.title_in(invitation.locale)
        subject = _("Reminder: %(title)s", title=title) if reminder else _("%(title)s", title=title)
        body = "\n\n".join(
            [
                _("Dear %(name)s,", name=contact.name),
                survey.intro_in(invitation.locale)
                or _("We would be grateful for a few minutes of your time."),
                _("Please answer here: %(url)s", url=public_url(token)),
                _(
                    "The link is personal and works until %(day)s.",
                    day=f"{invitation.expires_at:%Y-%m-%d}",
                ),
            ]
        )
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config.get("MAIL_FROM") or "salesweb@localhost"
    message["To"] = formataddr((contact.name, contact.email))
    message.set_content(body)
    return message


def queue_invitation(invitation: Invitation, token: str, reminder: bool = False) -> bool:
    """Queue the e-mail for after the commit; False when it cannot be e-mailed (link only)."""
    if not can_email(invitation):
        return False
    from salesweb.core.models import utcnow

    config = {
        key: current_app.config.get(key)
        for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_USE_TLS")
    }
    db.session.info.setdefault(OUTBOX, []).append((config, compose(invitation, token, reminder)))
    invitation.emailed_at = utcnow()
    return True


def send(config: dict, message: EmailMessage) -> None:
    """Hand one message to the SMTP server the config names."""
    with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"] or 25), timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)


def _after_commit(session: Session) -> None:
    outbox = session.info.pop(OUTBOX, None)
    for config, message in outbox or []:
        try:
            send(config, message)
        except (OSError, smtplib.SMTPException):
            # The invitation stands; its link can still be copied or the mail resent.
            current_app.logger.exception("survey invitation mail to %s failed", message["To"])


def _after_rollback(session: Session) -> None:
    session.info.pop(OUTBOX, None)


def install() -> None:
    """Send queued mails after each commit of any session (once per process)."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda s, _t: _after_rollback(s))
