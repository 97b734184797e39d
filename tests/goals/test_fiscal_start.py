"""The fiscal start month: set on the company settings page, read by `fiscal_start()`, and the
years and quarters of targets count from it."""

from datetime import date

from salesweb.core import settings
from salesweb.goals.periods import Period, fiscal_start
from tests.auth.test_setup import GOOD
from tests.conftest import by_id


def test_the_setting_moves_fiscal_years_and_quarters(app, client, db, login_as):
    login_as("admin")
    page = client.get("/auth/setup")
    assert by_id(page, "fiscal_start_month") is not None
    response = client.post("/auth/setup", data={**GOOD, "fiscal_start_month": "4"})
    assert response.status_code == 303
    settings.forget()
    assert fiscal_start() == 4
    q1 = Period.parse("2026-Q1", fiscal_start())
    assert (q1.start, q1.end) == (date(2026, 4, 1), date(2026, 7, 1))
    login_as("manager")
    listed = client.get("/goals/?period=2026-Q1")
    assert "2026" in by_id(listed, "period").text_content()


def test_a_month_outside_one_to_twelve_is_refused(client, db, login_as):
    login_as("admin")
    response = client.post("/auth/setup", data={**GOOD, "fiscal_start_month": "13"})
    assert response.status_code == 422
    assert by_id(response, "fiscal_start_month-error") is not None
