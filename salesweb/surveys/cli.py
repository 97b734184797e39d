"""`flask surveys invite SURVEY_ID CONTACT_ID ...`: invitations for scripted sends."""

from __future__ import annotations

import click

from salesweb.core import audit
from salesweb.core.errors import DomainError
from salesweb.customers.models import Contact
from salesweb.extensions import db
from salesweb.surveys import bp, delivery, services
from salesweb.surveys.models import Survey

bp.cli.help = "Surveys: invitations for scripted sends."


@bp.cli.command("invite")
@click.argument("survey_id", type=int)
@click.argument("contact_ids", type=int, nargs=-1, required=True)
@click.option("--days", type=click.IntRange(1, 365), default=None, help="Days the links work.")
def invite(survey_id: int, contact_ids: tuple[int, ...], days: int | None) -> None:
    """Invite contacts to a survey and print one public link per line (base: SALESWEB_PUBLIC_URL)."""
    audit.set_cli_actor("surveys invite")
    survey = db.session.get(Survey, survey_id)
    if survey is None or survey.is_deleted:
        raise click.ClickException(f"survey {survey_id} not found")
    contacts = []
    for contact_id in dict.fromkeys(contact_ids):
        contact = db.session.get(Contact, contact_id)
        if contact is None or contact.is_deleted:
            raise click.ClickException(f"contact {contact_id} not found")
        contacts.append(contact)
    try:
        issued = services.invite(None, survey, contacts, expires_days=days)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    for item in issued:
        click.echo(delivery.public_url(item.token))
