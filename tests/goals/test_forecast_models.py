"""A deal's forecast category: from its probability, chosen by hand, closed when won, none when
lost; the SQL spelling agrees with the Python one. The accuracy formula."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from salesweb.core.errors import DomainError
from salesweb.extensions import db as _db
from salesweb.goals.models.forecast import accuracy
from salesweb.pipeline import services
from salesweb.pipeline.models import Deal, DealStatus, ForecastCategory, default_forecast
from tests.factories import make_user
from tests.pipeline.factories import make_deal


@pytest.mark.parametrize(
    ("probability", "category"),
    [
        (0, ForecastCategory.PIPELINE),
        (39, ForecastCategory.PIPELINE),
        (40, ForecastCategory.BEST_CASE),
        (69, ForecastCategory.BEST_CASE),
        (70, ForecastCategory.COMMIT),
        (100, ForecastCategory.COMMIT),
    ],
)
def test_default_category_follows_the_probability(probability, category):
    assert default_forecast(probability) == category


def _sql_category(deal):
    return _db.session.scalar(select(Deal.forecast_category).where(Deal.id == deal.id))


def test_override_wins_over_probability_and_sql_agrees(db):
    rep = make_user()
    deal = make_deal(rep, expected_close=date(2026, 7, 1))
    deal.probability = 80
    db.session.flush()
    assert deal.forecast_category == _sql_category(deal) == ForecastCategory.COMMIT
    services.set_deal_forecast(rep, deal, "pipeline", deal.version)
    assert deal.forecast_category == _sql_category(deal) == ForecastCategory.PIPELINE
    services.set_deal_forecast(rep, deal, "", None)  # back to the probability's
    assert deal.forecast_override is None
    assert deal.forecast_category == _sql_category(deal) == ForecastCategory.COMMIT


def test_won_is_closed_and_lost_has_none(db):
    rep = make_user()
    won, lost = make_deal(rep), make_deal(rep)
    won.forecast_override = "pipeline"
    won.status, lost.status = DealStatus.WON, DealStatus.LOST
    db.session.flush()
    assert won.forecast_category == _sql_category(won) == ForecastCategory.CLOSED
    assert lost.forecast_category is None and _sql_category(lost) is None
    with pytest.raises(DomainError):
        services.set_deal_forecast(rep, lost, "commit", None)


def test_closed_and_unknown_categories_are_refused(db):
    rep = make_user()
    deal = make_deal(rep)
    for bad in ("closed", "maybe"):
        with pytest.raises(DomainError) as refused:
            services.set_deal_forecast(rep, deal, bad, None)
        assert refused.value.field == "forecast"
    assert deal.forecast_override is None


def test_category_change_is_audited(db):
    from salesweb.core.models import AuditLog

    rep = make_user()
    deal = make_deal(rep)
    services.set_deal_forecast(rep, deal, "commit", deal.version)
    row = db.session.scalars(
        select(AuditLog)
        .where(AuditLog.record_type == "deals", AuditLog.record_id == str(deal.id))
        .order_by(AuditLog.id.desc())
    ).first()
    assert row.changes["forecast_override"] == [None, "commit"]


@pytest.mark.parametrize(
    ("forecast", "actual", "expected"),
    [
        ("100", "100", "1"),
        ("80", "100", "0.8"),
        ("120", "100", "0.8"),
        ("300", "100", "0"),
        ("0", "0", "1"),
        ("5", "0", "0"),
        ("1", "3", "0.3333"),
    ],
)
def test_accuracy(forecast, actual, expected):
    assert accuracy(Decimal(forecast), Decimal(actual)) == Decimal(expected)
