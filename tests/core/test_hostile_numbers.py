"""Hostile numbers in paths, query strings and forms are a 404, ignored or a clear message,
never a 500: "²" passes `str.isdigit()` but not `int()`, "١" passes `int()`, and a 30-digit
id overflows every database integer."""

import random
import re
from urllib.parse import quote

import pytest
from sqlalchemy import select

from salesweb.core.params import MAX_ID, IdConverter, parse_id, parse_int
from salesweb.surveys.models import SurveyResponse
from salesweb.training.models import Attempt
from tests.compliance.factories import make_contract
from tests.compliance.helpers import setup
from tests.conftest import HX
from tests.factories import make_account, make_contact, make_interaction, make_task, make_team
from tests.pipeline.factories import make_quote
from tests.surveys.factories import make_invitation, make_survey
from tests.test_authorization_matrix import routes
from tests.training.factories import make_course

HOSTILE = ["²", "١", "-1", "0", "1e3", "9" * 30, "", " 1", "%00", "\x00", "1" * 5000, "x" * 3000]
BEYOND = [str(MAX_ID + 1), str(2**63), "9" * 30]
QUERY_NAMES = ("page", "owner", "team", "account", "process", "survey", "status", "q", "sort")
ARG = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
EN = {"Accept-Language": "en"}


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("12", 12),
        (" 7 ", 7),
        (5, 5),
        ("²", None),
        ("١", None),
        ("1e3", None),
        ("-1", None),
        ("0", None),
        ("", None),
        (None, None),
        ("9" * 30, None),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        (True, None),
    ],
)
def test_parse_id_takes_ascii_digits_within_range_only(raw, expected):
    assert parse_id(raw) == expected


def test_parse_int_bounds_and_default():
    assert parse_int("0", 3, lo=0) == 0
    assert parse_int("-2", 3, lo=-5, hi=5) == -2
    assert parse_int("6", 3, lo=0, hi=5) == 3
    assert parse_int("abc", 3) == 3


def test_every_int_route_uses_the_bounded_converter(app):
    converters = [
        conv
        for rule in app.url_map.iter_rules()
        for conv in rule._converters.values()
        if type(conv).__name__.endswith("IntegerConverter") or isinstance(conv, IdConverter)
    ]
    assert converters and all(isinstance(conv, IdConverter) for conv in converters)
    assert all((conv.min, conv.max) == (1, MAX_ID) for conv in converters)


def _url(rule, values: dict[str, str]) -> str:
    """The rule's path with raw (percent-encoded) values put in, so hostile text survives."""

    def put(match):
        return quote(values.get(match.group(2), "x"), safe="")

    return ARG.sub(put, rule.rule)


def _get_routes(app):
    for rule, method in routes(app):
        if method == "GET" and rule.endpoint != "core.healthz":
            yield rule


@pytest.fixture
def real_ids(db, login_as):
    """A record for most kinds of path argument, owned by the signed-in user where it has an
    owner, so the query strings also reach views that found their object."""

    def make(user):
        setup(gates=False)
        team = make_team()
        account = make_account(owner=user)
        contact = make_contact(account)
        make_interaction(account, author=user)
        task = make_task(user, account=account)
        contract = make_contract(owner=user)
        quote = make_quote(deal=contract.deal)
        survey = make_survey()
        invitation, _token = make_invitation(survey, contact=contact)
        course = make_course()
        db.session.commit()
        records = {
            "account": account,
            "contact": contact,
            "task": task,
            "team": team,
            "user": user,
            "contract": contract,
            "deal": contract.deal,
            "quote": quote,
            "product": quote.lines[0].product,
            "process": contract.deal.process_version.process,
            "survey": survey,
            "question": survey.questions[0],
            "invitation": invitation,
            "course": course,
            "lesson": course.lessons[0],
        }
        return {f"{name}_id": str(record.id) for name, record in records.items()}

    return make


@pytest.mark.parametrize("role", ["admin", "rep"])
def test_hostile_numbers_never_answer_5xx(app, client, login_as, real_ids, role):
    user = login_as(role)
    ids = real_ids(user)
    rng = random.Random(2026)
    failures = []

    def check(url, headers=None):
        response = client.get(url, headers={**EN, **(headers or {})})
        if response.status_code >= 500:
            failures.append(f"{url[:200]}: {response.status_code}")
        response.close()
        return response

    for rule in _get_routes(app):
        names = [m.group(2) for m in ARG.finditer(rule.rule)]
        int_args = [n for n in names if isinstance(rule._converters.get(n), IdConverter)]
        for name in int_args:
            for value in HOSTILE + BEYOND:
                check(_url(rule, {**ids, name: value}))
        if any(n in int_args and n not in ids for n in names):
            continue  # the object cannot exist: the query string is never read
        base = _url(rule, ids)
        for round_ in range(3):
            query = "&".join(
                f"{n}={quote(rng.choice(HOSTILE + BEYOND), safe='')}" for n in QUERY_NAMES
            )
            check(f"{base}?{query}", HX if round_ == 2 else None)
    assert failures == []


def test_public_survey_form_with_hostile_scores_is_a_clear_message(client, db):
    survey = make_survey()
    _inv, token = make_invitation(survey, locale="en")
    db.session.commit()
    nps = survey.questions[0]
    for value in ("²", "١", "9" * 30, "-1", "1e3"):
        response = client.post(f"/s/{token}", data={f"q{nps.id}": value}, headers=EN)
        assert response.status_code == 422, value
        assert "Please choose one of the scores shown." in response.get_data(as_text=True)
    assert db.session.scalar(select(SurveyResponse).limit(1)) is None


def test_quiz_answers_with_hostile_values_are_refused_with_a_message(client, login_as, db):
    login_as("rep")
    course = make_course()
    db.session.commit()
    client.post(f"/training/courses/{course.id}/attempts")
    attempt = db.session.scalar(select(Attempt).where(Attempt.course_id == course.id))
    question = course.questions[0]
    hostile_forms = [
        {f"q-{question.id}": "²"},
        {f"q-{question.id}": "9" * 30},
        {f"q-{question.id}": "١"},
        {"q-²": "1"},
        {f"q-{'9' * 30}": "1"},
        {"q-": ""},
    ]
    for form in hostile_forms:
        response = client.post(f"/training/attempts/{attempt.id}", data=form, headers=EN)
        assert response.status_code == 422, form
        assert "not in this attempt" in response.get_data(as_text=True)
    db.session.refresh(attempt)
    assert attempt.submitted_at is None


def test_nul_characters_are_a_bad_request(client, login_as, db):
    login_as("admin")
    assert client.get("/customers/accounts?q=a%00b").status_code == 400
    assert client.post("/customers/accounts/new", data={"name": "a\x00b"}).status_code == 400


@pytest.mark.parametrize("value", ["9" * 30, str(2**63), "١", "²"])
def test_record_numbers_in_forms_never_reach_the_database(client, login_as, db, value):
    manager = login_as("manager")
    risk = client.post(
        "/compliance/risks/new",
        data={
            "title": "Hostile",
            "category": "credit",
            "likelihood": "3",
            "impact": "3",
            "owner_id": str(manager.id),
            "status": "open",
            "account_id": value,
        },
        headers=EN,
    )
    assert risk.status_code == 422
    assigned = client.post(
        "/training/assignments/new",
        data={"course_id": value, "team_id": value, "user_ids": [value], "due_on": "2030-01-01"},
        headers=EN,
    )
    assert assigned.status_code < 500


@pytest.mark.parametrize("version", ["²", "١x", "9" * 30])
def test_a_hostile_version_field_is_a_conflict_not_a_500(client, login_as, db, version):
    admin = login_as("admin")
    course = make_course(author=admin)
    db.session.commit()
    response = client.post(
        f"/training/courses/{course.id}/edit",
        data={
            "title_zh": "改名",
            "title_en": "Renamed",
            "category": course.category,
            "minutes": "20",
            "pass_score": "80",
            "attempt_limit": "2",
            "valid_months": "12",
            "version": version,
        },
        headers=EN,
    )
    assert response.status_code == 422
    assert "Someone else changed this record" in response.get_data(as_text=True)
    db.session.refresh(course)
    assert course.title_en == "Value selling"
