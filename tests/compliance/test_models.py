"""The trail cannot be changed: results, comments, decisions and versions are written once."""

from datetime import date

import pytest

from salesweb.compliance import services
from salesweb.compliance.models import ContractStatus, ReviewStatus, TrailLocked
from salesweb.core.errors import DomainError
from tests.compliance.factories import make_contract
from tests.compliance.helpers import approve, setup
from tests.factories import make_user


@pytest.fixture
def review(app, db):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        setup(gates=False)
        contract = make_contract(payment_days=120)
        yield approve(contract)


def test_term_months(app, db):
    with app.test_request_context():
        setup(gates=False)
        contract = make_contract(start_date=date(2026, 1, 1), end_date=date(2027, 1, 1))
        assert contract.term_months == 12


def test_a_draft_cannot_be_signed(app, db):
    with app.test_request_context():
        setup(gates=False)
        contract = make_contract()
        with pytest.raises(DomainError):
            contract.sign(contract.owner)
        assert contract.status == ContractStatus.DRAFT


@pytest.mark.parametrize("what", ["result", "decision", "waiver", "version"])
def test_trail_rows_cannot_be_edited(review, db, what):
    if what == "waiver":
        row = next(r for r in review.results if r.blocks).waiver
        row.reason = "rewritten"
    elif what == "result":
        row = review.results[0]
        row.passed = not row.passed
    elif what == "decision":
        row = services.decisions_of(review)[0]
        row.comment = "rewritten"
    else:
        row = review.contract_version
        row.digest = "0" * 64
    with pytest.raises(TrailLocked):
        db.session.flush()
    db.session.rollback()


def test_trail_rows_cannot_be_deleted(review, db):
    db.session.delete(services.decisions_of(review)[0])
    with pytest.raises(TrailLocked):
        db.session.flush()
    db.session.rollback()


def test_a_decided_review_stays_as_it_is(review, db):
    assert review.status == ReviewStatus.APPROVED
    review.status = ReviewStatus.QUEUED
    with pytest.raises(TrailLocked):
        db.session.flush()
    db.session.rollback()


def test_submission_facts_are_fixed(app, db):
    with app.test_request_context():
        setup(gates=False)
        contract = make_contract()
        review = services.submit_contract(contract.owner, contract)
        review.submitted_by_id = make_user().id
        with pytest.raises(TrailLocked):
            db.session.flush()
        db.session.rollback()


@pytest.mark.parametrize(
    ("likelihood", "impact", "level"),
    [(1, 1, "low"), (1, 5, "low"), (2, 4, "mid"), (2, 5, "mid"), (3, 5, "high"), (5, 5, "high")],
)
def test_risk_level_follows_the_score_thresholds(likelihood, impact, level):
    from salesweb.compliance.models import Risk

    assert Risk.level_of(likelihood, impact) == level
    assert Risk(likelihood=likelihood, impact=impact, score=likelihood * impact).level == level
