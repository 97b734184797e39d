"""The daily reminder job: open invitations e-mailed a week ago get their one reminder, once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from salesweb.core import jobs
from salesweb.core.jobs import JobRun, RunStatus
from salesweb.core.models import utcnow
from tests.factories import make_account, make_contact, make_user
from tests.surveys.factories import make_survey
from tests.surveys.smtp_sink import SMTPSink

REMIND = "surveys.remind"


def test_reminders_go_to_open_invitations_a_week_old_once(app, db):
    from salesweb.surveys import services

    survey = make_survey()
    people = [
        make_contact(make_account(owner=make_user()), email=f"c{i}@example.com", locale="en")
        for i in range(4)
    ]
    with SMTPSink() as sink:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port)
        try:
            with app.test_request_context():
                due, fresh, answered, reminded = (
                    i.invitation for i in services.invite(None, survey, people)
                )
                week_ago = utcnow() - timedelta(days=8)
                for invitation in (due, answered, reminded):
                    invitation.emailed_at = week_ago
                answered.answered_at = utcnow()
                reminded.reminded_at = week_ago
                db.session.commit()
                sink.messages.clear()  # the four invitations themselves
                jobs.spec_for(REMIND).enqueue(trigger="manual")
                jobs.spec_for(REMIND).enqueue(trigger="manual")  # a second run finds nothing
        finally:
            app.config.update(MAIL_SERVER="", MAIL_PORT=25)
    assert [m["To"].addresses[0].addr_spec for m in sink.messages] == ["c0@example.com"]
    assert "Reminder" in sink.messages[0]["Subject"]
    assert due.reminded_at is not None and fresh.reminded_at is None
    runs = list(db.session.scalars(select(JobRun).where(JobRun.name == REMIND).order_by(JobRun.id)))
    assert [(r.status, r.result) for r in runs] == [
        (RunStatus.DONE, {"count": 1}),
        (RunStatus.DONE, {"count": 0}),
    ]


def test_without_a_mail_server_the_job_sends_nothing(app, db):
    from salesweb.surveys import services

    contact = make_contact(make_account(owner=make_user()), email="x@example.com")
    with app.test_request_context():
        [issued] = services.invite(None, make_survey(), [contact])
        issued.invitation.emailed_at = utcnow() - timedelta(days=30)
        db.session.commit()
        run = jobs.run(app, jobs.spec_for(REMIND), trigger="manual")
    assert run.result == {"count": 0} and issued.invitation.reminded_at is None
