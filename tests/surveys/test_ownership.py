"""Surveys belong to a team: its manager and administrators change them, other managers only
read them (403: every reader sees every survey, so the refusal hides nothing); company-wide
surveys are for administrators. A form never changes a setting it did not show."""

import pytest
from sqlalchemy import select

from salesweb.core.errors import DomainError
from salesweb.surveys import services
from salesweb.surveys.models import Survey, SurveyQuestion
from tests.conftest import by_id, parse
from tests.factories import make_team, make_user
from tests.surveys.factories import make_survey

EN = {"Accept-Language": "en"}
TITLES = {"title_zh": "新标题", "title_en": "New title", "intro_zh": "", "intro_en": ""}


@pytest.fixture
def managers(db):
    return make_user(role="manager", team_id=make_team().id), make_user(
        role="manager", team_id=make_team().id
    )


def _survey_of(client, db, title: str = "Team survey") -> Survey:
    created = client.post(
        "/surveys/new",
        data={"title_zh": "团队调查", "title_en": title, "active": "y", "active-shown": "1"},
    )
    assert created.status_code == 303
    return db.session.scalar(select(Survey).where(Survey.title_en == title))


def test_another_teams_manager_reads_but_cannot_change_a_survey(client, login_as, db, managers):
    east, west = managers
    login_as(user=east)
    survey = _survey_of(client, db)
    assert survey.team_id == east.team_id
    question = make_survey().questions[0]  # any question id of a survey east does not own
    db.session.commit()
    own_question = services.add_question(
        east, survey, {"kind": "text", "text_zh": "意见", "text_en": "Comments"}
    )
    db.session.commit()
    login_as(user=west)
    page = client.get(f"/surveys/{survey.id}", headers=EN)
    assert page.status_code == 200
    for hidden in ("survey-edit", "question-form", f"question-edit-{own_question.id}"):
        assert by_id(page, hidden) is None, hidden
    q = own_question.id
    for url, data in (
        (f"/surveys/{survey.id}/edit", {**TITLES, "active-shown": "1"}),
        (f"/surveys/{survey.id}/questions", {"kind": "text", "text_zh": "a", "text_en": "a"}),
        (f"/surveys/questions/{q}/edit", {"kind": "text", "text_zh": "b", "text_en": "b"}),
        (f"/surveys/questions/{q}/move", {"direction": "up"}),
        (f"/surveys/questions/{q}/delete", {}),
        (f"/surveys/questions/{question.id}/delete", {}),
    ):
        assert client.post(url, data=data).status_code == 403, url
    assert client.get(f"/surveys/{survey.id}/edit").status_code == 403
    db.session.expire_all()
    assert survey.title_en == "Team survey" and survey.active
    assert [q.text_en for q in survey.questions] == ["Comments"]
    with pytest.raises(DomainError):
        services.update_survey(west, survey, {"active": False})


def test_company_wide_surveys_are_for_administrators(client, login_as, db, managers):
    east, _west = managers
    survey = make_survey()
    db.session.commit()
    assert survey.team_id is None
    login_as(user=east)
    assert client.get(f"/surveys/{survey.id}/edit").status_code == 403
    login_as("admin")
    assert client.get(f"/surveys/{survey.id}/edit").status_code == 200
    assert by_id(client.get(f"/surveys/{survey.id}"), "survey-edit") is not None


def test_an_empty_post_changes_nothing(client, login_as, db, managers):
    east, _west = managers
    login_as(user=east)
    survey = _survey_of(client, db)
    version = survey.version
    db.session.commit()
    for data in ({}, {"version": str(version)}):
        response = client.post(f"/surveys/{survey.id}/edit", data=data, headers=EN)
        assert response.status_code == 422, data
        assert by_id(response, "title_zh-error") is not None
    db.session.expire_all()
    assert survey.active and survey.title_en == "Team survey" and survey.version == version


def test_a_checkbox_the_form_did_not_show_is_left_alone(client, login_as, db, managers):
    east, _west = managers
    login_as(user=east)
    survey = _survey_of(client, db)
    db.session.commit()
    form = client.get(f"/surveys/{survey.id}/edit")
    assert parse(form).xpath("//form[@id='survey-form']//input[@name='active-shown']")
    # titles posted, the "can be sent" box not shown: titles change, the survey stays active
    kept = client.post(f"/surveys/{survey.id}/edit", data=TITLES)
    assert kept.status_code == 303
    db.session.expire_all()
    assert survey.title_en == "New title" and survey.active
    # shown and left unticked: that is a decision, and it deactivates
    off = client.post(f"/surveys/{survey.id}/edit", data={**TITLES, "active-shown": "1"})
    assert off.status_code == 303
    db.session.expire_all()
    assert not survey.active
    # the same for a question's "required" box
    question = services.add_question(
        east, survey, {"kind": "text", "required": True, "text_zh": "意见", "text_en": "Why?"}
    )
    db.session.commit()
    shown = client.get(f"/surveys/questions/{question.id}/edit")
    assert parse(shown).xpath("//input[@name='required-shown']")
    reworded = {"kind": "text", "text_zh": "意见", "text_en": "Why so?"}
    assert client.post(f"/surveys/questions/{question.id}/edit", data=reworded).status_code == 303
    db.session.expire_all()
    stored = db.session.get(SurveyQuestion, question.id)
    assert stored.text_en == "Why so?" and stored.required
    empty = client.post(f"/surveys/questions/{question.id}/edit", data={}, headers=EN)
    assert empty.status_code == 422
