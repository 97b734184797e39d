"""Survey staff pages: builder (page vs fragment, events, bad input), preview, invitations,
results and exports, cases, the account's scores and timeline."""

import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from salesweb.surveys import services
from salesweb.surveys.models import FeedbackCase, Invitation, Survey, SurveyQuestion
from tests.conftest import HX, by_id, parse
from tests.factories import make_account, make_contact, make_team, make_user
from tests.surveys.factories import answer, make_invitation, make_survey

EN = {"Accept-Language": "en"}


def count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_manager_creates_a_survey_and_adds_questions_by_htmx(client, login_as, db):
    login_as("manager", team=make_team())
    created = client.post(
        "/surveys/new",
        data={
            "title_zh": "测试调查",
            "title_en": "Test survey",
            "intro_zh": "",
            "intro_en": "",
            "active": "y",
        },
    )
    assert created.status_code == 303
    survey = db.session.scalar(select(Survey).where(Survey.title_en == "Test survey"))
    page = client.get(f"/surveys/{survey.id}")
    assert "<html" in page.get_data(as_text=True) and by_id(page, "question-form") is not None
    added = client.post(
        f"/surveys/{survey.id}/questions",
        data={"kind": "nps", "text_zh": "推荐吗", "text_en": "Recommend?", "required": "y"},
        headers=HX,
    )
    body = added.get_data(as_text=True)
    assert (
        added.status_code == 200
        and "<html" not in body
        and "questionAdded" in added.headers["HX-Trigger"]
    )
    client.post(
        f"/surveys/{survey.id}/questions",
        data={"kind": "single", "text_zh": "选", "text_en": "Pick", "options": "甲 | A\n乙 | B"},
    )
    questions = db.session.scalars(
        select(SurveyQuestion).where(SurveyQuestion.survey_id == survey.id)
    ).all()
    assert [q.kind for q in questions] == ["nps", "single"]
    assert questions[1].options[1] == {"key": "2", "zh": "乙", "en": "B"}
    moved = client.post(
        f"/surveys/questions/{questions[1].id}/move", data={"direction": "up"}, headers=HX
    )
    assert "questionMoved" in moved.headers["HX-Trigger"]
    items = parse(moved).xpath("//ol[@id='question-list']/li/@id")
    assert items == [f"question-{questions[1].id}", f"question-{questions[0].id}"]
    plain = client.post(f"/surveys/questions/{questions[1].id}/move", data={"direction": "down"})
    assert plain.status_code == 303


def test_bad_question_input_is_422_and_changes_nothing(client, login_as, db):
    login_as("admin")
    survey = make_survey(questions=[])
    db.session.commit()
    for data in (
        {"kind": "nps", "text_zh": "", "text_en": "x"},
        {"kind": "bogus", "text_zh": "x", "text_en": "x"},
        {"kind": "single", "text_zh": "x", "text_en": "x", "options": "only one"},
        {"kind": "text", "text_zh": "x" * 501, "text_en": "x"},
    ):
        response = client.post(f"/surveys/{survey.id}/questions", data=data, headers={**HX, **EN})
        assert response.status_code == 422, data
        assert parse(response).xpath("//*[@class='error' or @class='form-errors']"), data
    assert count(db, SurveyQuestion, SurveyQuestion.survey_id == survey.id) == 0
    assert client.post("/surveys/new", data={"title_zh": "", "title_en": ""}).status_code == 422


def test_answered_question_cannot_be_removed(client, login_as, db):
    login_as("admin")
    survey = make_survey()
    invitation, _ = make_invitation(survey)
    services.submit_response(invitation.id, answer(survey, nps=9))
    db.session.commit()
    question = survey.questions[0]
    page = client.get(f"/surveys/{survey.id}")
    assert (
        by_id(page, f"question-delete-{question.id}") is None
        and by_id(page, "answered-note") is not None
    )
    client.post(f"/surveys/questions/{question.id}/delete")
    assert db.session.get(SurveyQuestion, question.id) is not None
    edited = client.post(
        f"/surveys/questions/{question.id}/edit",
        data={"kind": "nps", "text_zh": "改", "text_en": "Changed", "required": "y"},
    )
    assert edited.status_code == 303
    db.session.refresh(survey)
    assert survey.revision == 2


def test_preview_is_the_public_page_without_a_working_form(client, login_as, db):
    login_as("rep")
    survey = make_survey()
    db.session.commit()
    page = client.get(f"/surveys/{survey.id}/preview?lang=en")
    assert by_id(page, "preview-banner") is not None
    assert by_id(page, "answer-submit").get("disabled") is not None
    assert parse(page).xpath("//script") == [] and survey.title_en in page.get_data(as_text=True)


def test_invite_contacts_shows_links_once(client, login_as, db):
    rep = login_as("rep")
    survey = make_survey()
    account = make_account(owner=rep, name="Invitee Co")
    a, b = make_contact(account, name="甲"), make_contact(account, name="乙", locale="en")
    other = make_contact(make_account(owner=make_user()), name="Not mine")
    db.session.commit()
    form = client.get(f"/surveys/invite?survey={survey.id}&q=invitee")
    assert by_id(form, f"contact-{a.id}") is not None and by_id(form, f"contact-{other.id}") is None
    refused = client.post(
        "/surveys/invite", data={"survey_id": survey.id, "contact_ids": [a.id, other.id]}
    )
    assert refused.status_code == 422 and count(db, Invitation) == 0
    empty = client.post("/surveys/invite", data={"survey_id": survey.id})
    assert empty.status_code == 422
    done = client.post(
        "/surveys/invite", data={"survey_id": survey.id, "contact_ids": [a.id, b.id]}
    )
    links = parse(done).xpath("//input[@class='public-link']/@value")
    assert done.status_code == 200 and len(links) == 2
    token = links[0].rsplit("/", 1)[1]
    assert services.invitation_by_token(token).contact_id in (a.id, b.id)
    listed = client.get("/surveys/invitations?status=open")
    assert len(parse(listed).xpath("//table[@id='invitation-table']/tbody/tr")) == 2
    invitation = services.invitation_by_token(token)
    renewed = client.post(f"/surveys/invitations/{invitation.id}/link", headers=HX)
    new_link = parse(renewed).xpath("//input[@class='public-link']/@value")[0]
    assert new_link != links[0] and services.invitation_by_token(token) is None
    no_mail = client.post(f"/surveys/invitations/{invitation.id}/resend", headers={**HX, **EN})
    assert "copy the link" in no_mail.get_data(as_text=True)


def test_results_page_exports_and_comments(client, login_as, db):
    admin = login_as("admin")
    survey = make_survey()
    for score, text in ((10, "很好"), (3, "=cmd|' /C calc'!A0")):
        invitation, _ = make_invitation(survey, owner=admin)
        services.submit_response(invitation.id, answer(survey, nps=score, csat=4, text=text))
    db.session.commit()
    page = client.get(f"/surveys/results?survey={survey.id}&by=touchpoint")
    assert by_id(page, "kpi-nps").text_content().strip().startswith("0")
    fragment = client.get(f"/surveys/results?survey={survey.id}", headers=HX)
    assert (
        "<html" not in fragment.get_data(as_text=True)
        and by_id(fragment, "trend-table") is not None
    )
    junk = client.get("/surveys/results?survey=abc&start=2026-99-01&by=;drop&touch=x")
    assert junk.status_code == 200
    csv = client.get(f"/surveys/results/export.csv?survey={survey.id}")
    text = csv.get_data(as_text=True)
    assert csv.mimetype == "text/csv" and "很好" in text and "'=cmd" in text
    xlsx = client.get(f"/surveys/results/export.xlsx?survey={survey.id}")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.max_row == 3
    xlsx.close()
    assert client.get("/surveys/results/export.pdf").status_code == 404
    comments = client.get("/surveys/results/comments?score=detractors")
    assert len(parse(comments).xpath("//ol[@id='comment-list']/li")) == 1


def test_case_is_worked_to_closed_by_its_owner(client, login_as, db):
    from salesweb.pipeline.seed import seed_reference
    from salesweb.surveys.seed import seed_templates

    seed_reference()
    seed_templates()
    rep = login_as("rep")
    survey = make_survey()
    invitation, _ = make_invitation(survey, owner=rep)
    services.submit_response(invitation.id, answer(survey, nps=4, text="太贵"))
    db.session.commit()
    case = db.session.scalar(select(FeedbackCase))
    listed = client.get("/surveys/cases")
    assert by_id(listed, f"case-{case.id}") is not None and by_id(listed, "cases-open").text == "1"
    contacted = client.post(
        f"/surveys/cases/{case.id}/advance", data={"status": "contacted"}, headers=HX
    )
    assert "caseAdvanced" in contacted.headers["HX-Trigger"]
    missing = client.post(
        f"/surveys/cases/{case.id}/advance", data={"status": "resolved", "note": ""}
    )
    assert missing.status_code == 422 and by_id(missing, "root_cause_id-error") is not None
    cause = services.root_causes()[0]
    resolved = client.post(
        f"/surveys/cases/{case.id}/advance",
        data={"status": "resolved", "note": "降价 5%", "root_cause_id": cause.id},
    )
    assert resolved.status_code == 303
    client.post(f"/surveys/cases/{case.id}/advance", data={"status": "closed"})
    db.session.refresh(case)
    assert case.status == "closed" and case.resolution_note == "降价 5%"
    again = client.post(f"/surveys/cases/{case.id}/advance", data={"status": "closed"})
    assert again.status_code == 403
    stale = client.get("/surveys/cases?show=all&sort=-account&q=zz")
    assert stale.status_code == 200


def test_account_page_links_to_scores_and_timeline_shows_answers(client, login_as, db):
    rep = login_as("rep")
    survey = make_survey()
    account = make_account(owner=rep)
    invitation, _ = make_invitation(survey, contact=make_contact(account, name="王芳"))
    services.submit_response(invitation.id, answer(survey, nps=8, csat=4, text="不错"))
    db.session.commit()
    detail = client.get(f"/customers/accounts/{account.id}", headers=EN)
    assert f"/surveys/accounts/{account.id}/scores" in detail.get_data(as_text=True)
    scores = client.get(f"/surveys/accounts/{account.id}/scores", headers=HX)
    assert by_id(scores, "account-nps").text.strip().startswith(
        "8"
    ) and "<html" not in scores.get_data(as_text=True)
    timeline = client.get(f"/customers/accounts/{account.id}/timeline?kind=survey", headers=HX)
    assert "NPS 8 · CSAT 4 — 不错" in timeline.get_data(as_text=True)


def test_survey_list_with_search_sort_and_answer_counts(client, login_as, db):
    login_as("rep")
    survey = make_survey(title_en="Zeta survey")
    make_survey(title_en="Alpha survey")
    invitation, _ = make_invitation(survey)
    services.submit_response(invitation.id, answer(survey, nps=9))
    db.session.commit()
    page = client.get("/surveys/?sort=-title")
    rows = parse(page).xpath("//table[@id='survey-table']/tbody/tr")
    assert rows[0].get("id") == f"survey-{survey.id}" and rows[0].xpath("td[3]")[0].text == "1"
    found = client.get("/surveys/?q=alpha", headers=HX)
    assert "<html" not in found.get_data(as_text=True)
    assert len(parse(found).xpath("//table[@id='survey-table']/tbody/tr")) == 1
    assert by_id(page, "survey-new") is None


def test_touchpoints_save_one_event_at_a_time(client, login_as, db):
    login_as("admin")
    survey = make_survey()
    db.session.commit()
    page = client.get("/surveys/touchpoints")
    assert page.status_code == 200
    assert all(by_id(page, f"touchpoint-{e}") is not None for e in ("deal_won", "after_sales"))
    saved = client.post(
        "/surveys/touchpoints",
        data={
            "event": "deal_won",
            "deal_won-survey_id": survey.id,
            "deal_won-active": "y",
            "deal_won-expires_days": "14",
            # Another event's fields in the same post are not this form's business.
            "after_sales-survey_id": survey.id,
            "after_sales-expires_days": "9",
        },
    )
    assert saved.status_code == 303
    point = services.touchpoint("deal_won")
    assert (point.survey_id, point.active, point.expires_days) == (survey.id, True, 14)
    assert services.touchpoint("after_sales") is None
    shown = client.get("/surveys/touchpoints")
    chosen = parse(shown).xpath("//select[@id='deal_won-survey_id']/option[@selected]/@value")
    assert chosen == [str(survey.id)]
    refused = client.post(
        "/surveys/touchpoints",
        data={"event": "deal_won", "deal_won-survey_id": "0", "deal_won-expires_days": "999"},
        headers=EN,
    )
    assert refused.status_code == 422
    assert parse(refused).xpath("//form[@id='touchpoint-deal_won']//*[@class='error']")
    assert not parse(refused).xpath("//form[@id='touchpoint-after_sales']//*[@class='error']")
    db.session.refresh(point)
    assert (point.survey_id, point.expires_days) == (survey.id, 14)
    cleared = client.post(
        "/surveys/touchpoints",
        data={"event": "deal_won", "deal_won-survey_id": "0", "deal_won-expires_days": "30"},
    )
    assert cleared.status_code == 303
    db.session.refresh(point)
    assert point.survey_id is None and point.active is False
    login_as("rep")
    assert client.get("/surveys/touchpoints").status_code == 403


def test_survey_and_case_pages_show_their_history(client, login_as, db):
    from salesweb.pipeline.seed import seed_reference
    from salesweb.surveys.seed import seed_templates

    seed_reference()
    seed_templates()
    admin = login_as("admin")
    survey = make_survey()
    invitation, _ = make_invitation(survey, owner=admin)
    services.submit_response(invitation.id, answer(survey, nps=3))
    db.session.commit()
    edited = client.post(
        f"/surveys/{survey.id}/edit",
        data={
            "title_zh": survey.title_zh,
            "title_en": "Renamed survey",
            "version": survey.version,
        },
    )
    assert edited.status_code == 303
    page = client.get(f"/surveys/{survey.id}")
    history = by_id(page, f"history-surveys-{survey.id}")
    assert history is not None and history.xpath(".//li[starts-with(@id, 'audit-')]")
    case = db.session.scalar(select(FeedbackCase))
    client.post(f"/surveys/cases/{case.id}/advance", data={"status": "contacted"})
    page = client.get(f"/surveys/cases/{case.id}")
    history = by_id(page, f"history-feedback_cases-{case.id}")
    assert history is not None and history.xpath(".//li[starts-with(@id, 'audit-')]")
