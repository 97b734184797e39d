"""Survey services: versions, invitations with hashed tokens, one answer, cases, touchpoints,
e-mail after commit, results in SQL, the CLI."""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from salesweb.core.errors import DomainError
from salesweb.core.models import utcnow
from salesweb.customers.models import Task
from salesweb.surveys import results, services
from salesweb.surveys.models import FeedbackCase, Invitation, SurveyResponse, SurveyRevision
from tests.factories import make_account, make_contact, make_team, make_user
from tests.surveys.factories import answer, make_invitation, make_survey
from tests.surveys.smtp_sink import SMTPSink


def count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_token_is_random_and_stored_only_as_its_sha256(db):
    invitation, token = make_invitation()
    other, other_token = make_invitation()
    assert len(token) >= 43 and token != other_token
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {invitation.token_hash, other.token_hash}
    assert services.invitation_by_token(token) is invitation
    assert services.invitation_by_token(token[:-1] + "x") is None
    assert (
        services.invitation_by_token("") is None and services.invitation_by_token("a" * 500) is None
    )


def test_invitation_takes_language_expiry_account_and_contact(db):
    account = make_account(owner=make_user())
    contact = make_contact(account, locale="en")
    invitation, _token = make_invitation(contact=contact)
    assert invitation.locale == "en" and invitation.account_id == account.id
    days = (invitation.expires_at - invitation.created_at).days
    assert days == 30


def test_answered_survey_keeps_questions_and_edits_make_a_new_version(db):
    survey = make_survey()
    invitation, _ = make_invitation(survey)
    assert survey.revision == 1
    services.submit_response(invitation.id, answer(survey, nps=9))
    nps_question = survey.questions[0]
    with pytest.raises(DomainError):
        services.delete_question(None, nps_question)
    services.update_question(
        None,
        nps_question,
        {"kind": "nps", "required": True, "text_zh": "新问题", "text_en": "New wording"},
    )
    assert survey.revision == 2
    stored = count(db, SurveyRevision, SurveyRevision.survey_id == survey.id)
    assert stored == 2
    old = services.revision_content(survey.id, 1)
    assert old["questions"][0]["text_en"] == "How likely are you to recommend us?"
    response = db.session.scalar(
        select(SurveyResponse).where(SurveyResponse.survey_id == survey.id)
    )
    assert response.revision == 1
    with pytest.raises(DomainError) as kind_change:
        services.update_question(
            None, nps_question, {"kind": "csat", "text_zh": "x", "text_en": "x"}
        )
    assert kind_change.value.field == "kind"


def test_unanswered_survey_edits_stay_in_the_same_version(db):
    survey = make_survey()
    services.move_question(None, survey.questions[1], "up")
    assert survey.questions[0].kind == "csat" and survey.revision == 1
    services.delete_question(None, survey.questions[-1])
    assert len(survey.questions) == 3 and survey.revision == 1
    with pytest.raises(DomainError):
        services.move_question(None, survey.questions[0], "up")
    with pytest.raises(DomainError) as few:
        services.add_question(
            None, survey, {"kind": "single", "text_zh": "x", "text_en": "x", "options": "only"}
        )
    assert few.value.field == "options"


def test_one_answer_per_invitation(db):
    survey = make_survey()
    invitation, _ = make_invitation(survey)
    services.submit_response(invitation.id, answer(survey, nps=10))
    with pytest.raises(services.AlreadyAnswered):
        services.submit_response(invitation.id, answer(survey, nps=1))
    assert count(db, SurveyResponse, SurveyResponse.invitation_id == invitation.id) == 1


def test_expired_invitation_stores_nothing(db):
    survey = make_survey()
    invitation, _ = make_invitation(survey, now=utcnow() - timedelta(days=40))
    with pytest.raises(services.AlreadyAnswered):
        services.submit_response(invitation.id, answer(survey, nps=10))
    assert count(db, SurveyResponse) == 0


@pytest.mark.parametrize(
    ("nps", "csat", "opens"),
    [(6, None, True), (7, None, False), (None, 2, True), (None, 3, False), (10, 1, True)],
)
def test_detractor_opens_a_case_with_a_task_due_in_two_working_days(db, nps, csat, opens):
    owner = make_user()
    survey = make_survey()
    account = make_account(owner=owner)
    invitation, _ = make_invitation(survey, contact=make_contact(account))
    response = services.submit_response(
        invitation.id, answer(survey, nps=nps, csat=csat, text="慢")
    )
    case = db.session.scalar(select(FeedbackCase).where(FeedbackCase.response_id == response.id))
    assert (case is not None) == opens
    if opens:
        task = db.session.get(Task, case.task_id)
        assert case.owner_id == owner.id and task.owner_id == owner.id
        assert task.account_id == account.id and task.kind == "feedback"
        due = services.working_days_after(response.submitted_at, 2)
        assert task.due_at == due and due.weekday() < 5


def test_working_days_skip_the_weekend():
    from datetime import UTC, datetime

    friday = datetime(2026, 11, 27, 10, tzinfo=UTC)
    assert services.working_days_after(friday, 2).weekday() == 1  # Tuesday


def test_case_moves_open_contacted_resolved_closed(db):
    from salesweb.pipeline.seed import seed_reference
    from salesweb.surveys.seed import seed_templates

    seed_reference()
    seed_templates()
    survey = make_survey()
    invitation, _ = make_invitation(survey)
    services.submit_response(invitation.id, answer(survey, nps=2))
    case = db.session.scalar(select(FeedbackCase))
    actor = make_user(role="admin")
    with pytest.raises(DomainError):
        services.advance_case(actor, case, "resolved")
    services.advance_case(actor, case, "contacted")
    with pytest.raises(DomainError) as missing:
        services.advance_case(actor, case, "resolved", "Called back", None)
    assert missing.value.field == "root_cause_id"
    causes = services.root_causes()
    assert [c.code for c in causes] == ["price", "product_fit", "service", "delivery", "other"]
    services.advance_case(actor, case, "resolved", "Called back", causes[2].id)
    services.advance_case(actor, case, "closed")
    assert case.status == "closed" and case.root_cause_id == causes[2].id


def test_deal_won_and_after_sales_task_send_their_touchpoint_surveys(app, db):
    from salesweb.customers import services as customer_services
    from tests.pipeline.factories import make_deal

    won_survey, sales_survey = make_survey(), make_survey()
    services.set_touchpoint(None, "deal_won", won_survey, True, 14)
    services.set_touchpoint(None, "after_sales", sales_survey, True, 30)
    owner = make_user()
    account = make_account(owner=owner)
    contact = make_contact(account, locale="en")
    deal = make_deal(owner=owner, account=account)
    from salesweb.pipeline.signals import deal_won

    with app.test_request_context():
        # What pipeline's win_deal sends once the deal is won (its gates are pipeline's tests).
        deal_won.send(app, deal=deal, actor=owner)
        deal_won.send(app, deal=deal, actor=owner)  # a repeated event invites once
        assert count(db, Invitation, Invitation.deal_id == deal.id) == 1
        sent = db.session.scalar(select(Invitation).where(Invitation.deal_id == deal.id))
        assert sent.survey_id == won_survey.id and sent.contact_id == contact.id
        assert sent.touchpoint == "deal_won" and (sent.expires_at - sent.created_at).days == 14
        plain = customer_services.create_task(
            owner, title="x", due_at=utcnow(), owner=owner, account=account
        )
        customer_services.complete_task(owner, plain)
        after = customer_services.create_task(
            owner, title="售后", due_at=utcnow(), owner=owner, account=account, kind="after_sales"
        )
        customer_services.complete_task(owner, after)
    assert count(db, Invitation, Invitation.task_id == plain.id) == 0
    assert (
        count(
            db, Invitation, Invitation.task_id == after.id, Invitation.survey_id == sales_survey.id
        )
        == 1
    )


def test_mail_goes_out_after_commit_in_the_contacts_language(app, db):
    survey = make_survey()
    contact = make_contact(make_account(owner=make_user()), email="li@example.com", locale="en")
    with SMTPSink() as sink:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port)
        try:
            with app.test_request_context():
                issued = services.invite(None, survey, [contact])[0]
                assert issued.emailed and sink.messages == []  # nothing before the commit
                db.session.commit()
                token = services.remind(None, issued.invitation)
                db.session.commit()
                with pytest.raises(DomainError):
                    services.remind(None, issued.invitation)
        finally:
            app.config.update(MAIL_SERVER="", MAIL_PORT=25)
    assert len(sink.messages) == 2
    first, reminder = sink.messages
    assert first["To"].addresses[0].addr_spec == "li@example.com"
    assert survey.title_en in first["Subject"] and "Reminder" in reminder["Subject"]
    assert f"/s/{issued.token}" in first.get_content() and f"/s/{token}" in reminder.get_content()
    assert services.invitation_by_token(issued.token) is None  # the reminder's link replaced it


def test_rolled_back_invitation_sends_no_mail(app, db):
    survey = make_survey()
    contact = make_contact(make_account(owner=make_user()), email="a@example.com")
    with SMTPSink() as sink:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port)
        try:
            with app.test_request_context():
                services.invite(None, survey, [contact])
                db.session.rollback()
                db.session.commit()
        finally:
            app.config.update(MAIL_SERVER="", MAIL_PORT=25)
    assert sink.messages == []


def test_results_are_counted_in_sql_within_scope(db):
    team = make_team()
    rep = make_user(team=team)
    other = make_user()
    manager = make_user(role="manager", team=team)
    survey = make_survey()
    mine = make_account(owner=rep, segment="SMB", region="East")
    theirs = make_account(owner=other, segment="Enterprise", region="West")
    for score in (10, 9, 8, 3):
        invitation, _ = make_invitation(survey, contact=make_contact(mine))
        services.submit_response(
            invitation.id, answer(survey, nps=score, csat=5 if score > 5 else 1)
        )
    make_invitation(survey, contact=make_contact(mine))  # not answered
    invitation, _ = make_invitation(survey, contact=make_contact(theirs))
    services.submit_response(invitation.id, answer(survey, nps=0, text="terrible"))
    f = results.Filters()
    own = results.overview(rep, f)
    assert own["scores"].responses == 4 and own["scores"].nps == 25  # (2 - 1) / 4
    assert own["invited"] == 5 and own["rate"] == 80
    assert own["csat_distribution"] == [(1, 1), (2, 0), (3, 0), (4, 0), (5, 3)]
    assert results.overview(manager, f)["scores"].responses == 4
    everyone = results.overview(make_user(role="admin"), f)["scores"]
    assert everyone.responses == 5 and everyone.nps == 0
    by_segment = dict(results.breakdown(make_user(role="admin"), results.Filters(by="segment")))
    assert by_segment["SMB"].responses == 4 and by_segment["Enterprise"].nps == -100
    trend = results.trend(rep, f)
    assert sum(m.responses for _, m in trend) == 4
    assert results.case_dashboard(rep)["counts"]["open"] == 1


def test_cli_invite_prints_one_link_per_contact(app, db):
    survey = make_survey()
    account = make_account(owner=make_user())
    a, b = make_contact(account), make_contact(account)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["surveys", "invite", str(survey.id), str(a.id), str(b.id)])
    assert result.exit_code == 0, result.output
    links = result.output.strip().splitlines()
    assert len(links) == 2 and all("/s/" in link for link in links)
    assert services.invitation_by_token(links[0].rsplit("/", 1)[1]).contact_id == a.id
    bad = runner.invoke(args=["surveys", "invite", str(survey.id), "999999"])
    assert bad.exit_code != 0 and "not found" in bad.output
