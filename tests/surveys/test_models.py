"""Model rules: languages, token hashing, question scales, case transitions, status."""

from datetime import timedelta

import pytest
from flask_babel import force_locale

from salesweb.core.errors import DomainError
from salesweb.core.i18n import bilingual
from salesweb.core.models import utcnow
from salesweb.surveys.models import (
    FeedbackCase,
    Invitation,
    SurveyQuestion,
    hash_token,
)


def test_bilingual_texts_fall_back_to_the_other_language(app):
    assert bilingual("中文", "English", "zh_CN") == "中文"
    assert bilingual("中文", "English", "en") == "English"
    assert bilingual("", "English", "zh_CN") == "English"
    with app.app_context():  # outside a request: the default language, zh_CN
        assert bilingual("中文", "English") == "中文"
    with app.test_request_context(), force_locale("en"):
        assert bilingual("中文", "English") == "English"


def test_hash_token_is_sha256_hex():
    assert len(hash_token("abc")) == 64 and hash_token("abc") != hash_token("abd")


def test_question_scales():
    assert list(SurveyQuestion(kind="nps").scale) == list(range(11))
    assert list(SurveyQuestion(kind="csat").scale) == [1, 2, 3, 4, 5]
    assert SurveyQuestion(kind="text").scale is None


def test_case_transitions_are_guarded():
    case = FeedbackCase(status="open")
    with pytest.raises(DomainError):
        case.advance("closed")
    case.advance("contacted")
    assert case.contacted_at is not None
    with pytest.raises(DomainError) as no_cause:
        case.advance("resolved", "note", None)
    assert no_cause.value.field == "root_cause_id"
    with pytest.raises(DomainError) as no_note:
        case.advance("resolved", "  ", 1)
    assert no_note.value.field == "note"
    case.advance("resolved", "done", 1)
    case.advance("closed")
    assert case.status == "closed" and case.next_status is None


def test_invitation_status():
    now = utcnow()
    assert Invitation(expires_at=now + timedelta(days=1)).status == "open"
    assert Invitation(expires_at=now - timedelta(days=1)).status == "expired"
    assert Invitation(expires_at=now - timedelta(days=1), answered_at=now).status == "answered"
