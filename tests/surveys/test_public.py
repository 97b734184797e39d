"""The public page /s/<token>: language, size, no other hosts, no script, validation next to
the question, one answer, polite refusals, CSRF, rate limit, escaped free text."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from salesweb.core.models import utcnow
from salesweb.extensions import limiter
from salesweb.surveys.models import FeedbackCase, SurveyAnswer, SurveyResponse
from tests.conftest import by_id, parse
from tests.factories import make_account, make_contact, make_user
from tests.surveys.factories import form_for, make_invitation, make_survey


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_page_in_the_contacts_language_with_a_switcher(client, db):
    survey = make_survey()
    contact = make_contact(make_account(owner=make_user()), locale="en")
    _inv, token = make_invitation(survey, contact=contact)
    db.session.commit()
    page = client.get(f"/s/{token}")
    tree = parse(page)
    assert page.status_code == 200 and tree.get("lang") == "en"
    assert survey.title_en in tree.findtext(".//h1")
    assert by_id(page, "lang-zh_CN") is not None
    chinese = client.get(f"/s/{token}?lang=zh_CN")
    assert parse(chinese).get("lang") == "zh-CN" and survey.title_zh in chinese.get_data(
        as_text=True
    )
    assert "推荐可能性" in chinese.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"


def test_page_is_small_self_contained_and_has_no_script(client, db):
    _inv, token = make_invitation()
    db.session.commit()
    page = client.get(f"/s/{token}")
    html = page.get_data(as_text=True)
    css = client.get("/static/css/survey.css")
    css_size = len(css.data)
    css.close()
    assert len(page.data) + css_size < 30 * 1024
    tree = parse(page)
    assert tree.xpath("//script") == [] and "hx-" not in html
    for url in tree.xpath("//@src | //@href | //@action"):
        assert not re.match(r"^(https?:)?//", url), url
    assert "base.html" not in html and tree.xpath("//form[@id='answer-form']/@method") == ["post"]


def test_missing_and_bad_answers_come_back_next_to_the_question(client, db):
    survey = make_survey()
    _inv, token = make_invitation(survey, locale="en")
    db.session.commit()
    nps, csat, choice, text = survey.questions
    response = client.post(
        f"/s/{token}",
        data={f"q{csat.id}": "9", f"q{choice.id}": "7", f"q{text.id}": "kept"},
    )
    assert response.status_code == 422
    assert "choose a score" in by_id(response, f"error-{nps.id}").text_content()
    assert by_id(response, f"error-{csat.id}") is not None
    assert by_id(response, f"error-{choice.id}") is not None
    assert by_id(response, f"q{text.id}").text_content() == "kept"
    assert count(db, SurveyResponse) == 0


def test_oversize_free_text_is_refused_and_nothing_stored(client, db):
    survey = make_survey()
    _inv, token = make_invitation(survey)
    db.session.commit()
    data = form_for(survey, nps=9, text="长" * 2001)
    response = client.post(f"/s/{token}", data=data)
    assert response.status_code == 422
    assert by_id(response, f"error-{survey.questions[-1].id}") is not None
    assert count(db, SurveyResponse) == 0


def test_answer_once_then_already_answered(client, db):
    survey = make_survey()
    invitation, token = make_invitation(survey, locale="en")
    db.session.commit()
    data = form_for(survey, nps=9, csat=4, text="Fine", choices=["1", "2"])
    first = client.post(f"/s/{token}", data=data)
    assert first.status_code == 200 and by_id(first, "survey-message").get("data-kind") == "thanks"
    again = client.post(f"/s/{token}", data=form_for(survey, nps=0))
    assert again.status_code == 409 and "already been answered" in again.get_data(as_text=True)
    reopened = client.get(f"/s/{token}")
    assert by_id(reopened, "survey-message").get("data-kind") == "answered"
    response = db.session.scalar(select(SurveyResponse))
    assert count(db, SurveyResponse) == 1 and response.nps == 9 and response.csat == 4
    assert count(db, SurveyAnswer) == 4
    multiple = db.session.scalar(
        select(SurveyAnswer).where(SurveyAnswer.question_id == survey.questions[2].id)
    )
    assert multiple.choices == ["1", "2"]


def test_detractor_answer_opens_a_case(client, db):
    survey = make_survey()
    _inv, token = make_invitation(survey)
    db.session.commit()
    client.post(f"/s/{token}", data=form_for(survey, nps=3, text="交货太慢"))
    case = db.session.scalar(select(FeedbackCase))
    assert case is not None and case.status == "open" and case.task_id is not None


def test_unknown_and_expired_links_are_polite_and_reveal_nothing(client, db):
    survey = make_survey()
    _inv, token = make_invitation(survey, now=utcnow() - timedelta(days=31))
    db.session.commit()
    unknown = client.get("/s/" + "x" * 43)
    assert unknown.status_code == 404
    assert by_id(unknown, "survey-message").get("data-kind") == "unknown"
    assert survey.title_zh not in unknown.get_data(as_text=True)
    expired = client.get(f"/s/{token}")
    assert expired.status_code == 410
    assert client.post(f"/s/{token}", data=form_for(survey, nps=9)).status_code == 410
    assert count(db, SurveyResponse) == 0


def test_free_text_is_shown_escaped(client, login_as, db):
    survey = make_survey()
    owner = make_user(role="admin")
    _inv, token = make_invitation(survey, owner=owner)
    db.session.commit()
    client.post(f"/s/{token}", data=form_for(survey, nps=2, text="<script>alert(1)</script>"))
    login_as(user=owner)
    comments = client.get("/surveys/results/comments")
    body = comments.get_data(as_text=True)
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body
    case = db.session.scalar(select(FeedbackCase))
    assert "<script>alert" not in client.get(f"/surveys/cases/{case.id}").get_data(as_text=True)


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def _form_token(page) -> str:
    return parse(page).xpath("//input[@name='form_token']/@value")[0]


def test_answer_sent_without_the_session_is_taken(app, client, db, csrf_on):
    survey = make_survey()
    _inv, token = make_invitation(survey, locale="en")
    db.session.commit()
    page = client.get(f"/s/{token}")
    assert parse(page).xpath("//input[@name='csrf_token']") == []
    # Yesterday's page, sent from a browser that kept no cookie at all.
    fresh = app.test_client()
    taken = fresh.post(
        f"/s/{token}", data={**form_for(survey, nps=9, text="ok"), "form_token": _form_token(page)}
    )
    assert taken.status_code == 200
    assert by_id(taken, "survey-message").get("data-kind") == "thanks"
    assert count(db, SurveyResponse) == 1


def test_tampered_form_token_keeps_the_answers_in_the_invitations_language(
    app, client, db, csrf_on
):
    survey = make_survey()
    _inv, token = make_invitation(survey, locale="en")
    other, _other_token = make_invitation(survey)
    db.session.commit()
    page = client.get(f"/s/{token}")
    from salesweb.surveys.public_views import form_token

    with app.test_request_context():
        someone_elses = form_token(other)
    text = survey.questions[-1]
    for bad in (_form_token(page) + "x", someone_elses, ""):
        refused = app.test_client().post(
            f"/s/{token}",
            headers={"Accept-Language": "zh-CN"},
            data={**form_for(survey, nps=9, text="交货很快"), "form_token": bad},
        )
        assert refused.status_code == 422
        assert parse(refused).get("lang") == "en"
        assert (
            "please check them and send them again"
            in by_id(refused, "form-token-error").text_content()
        )
        assert by_id(refused, f"q{text.id}").text_content() == "交货很快"
        nps = survey.questions[0]
        assert parse(refused).xpath(f"//input[@name='q{nps.id}'][@checked]/@value") == ["9"]
        assert _form_token(refused) != bad
    assert count(db, SurveyResponse) == 0


def test_replay_after_answering_is_already_answered(app, client, db, csrf_on):
    survey = make_survey()
    _inv, token = make_invitation(survey, locale="en")
    db.session.commit()
    data = {**form_for(survey, nps=9), "form_token": _form_token(client.get(f"/s/{token}"))}
    assert app.test_client().post(f"/s/{token}", data=data).status_code == 200
    replay = app.test_client().post(f"/s/{token}", data=data)
    assert replay.status_code == 409
    assert by_id(replay, "survey-message").get("data-kind") == "answered"
    assert parse(replay).get("lang") == "en"
    assert count(db, SurveyResponse) == 1


def test_rate_limited_per_address(app, client, db):
    _inv, token = make_invitation(locale="en")
    db.session.commit()
    app.config["SALESWEB_SURVEY_LIMIT"] = "3 per minute"
    try:
        codes = [client.get("/s/" + "y" * 43).status_code for _ in range(3)]
        limited = client.get(f"/s/{token}", headers={"Accept-Language": "zh-CN"})
    finally:
        app.config.pop("SALESWEB_SURVEY_LIMIT")
        limiter.reset()
    assert codes == [404, 404, 404] and limited.status_code == 429
    # The refusal is the survey's own polite page, in the invitation's language.
    assert by_id(limited, "survey-message").get("data-kind") == "busy"
    assert parse(limited).get("lang") == "en"
