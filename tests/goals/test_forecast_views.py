"""Forecast pages: who sees which, page vs htmx fragment, the submissions through the forms
with their 422s and conflict, the deal page's category, the workbench panels, the history and
accuracy page on a hand-built month."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from salesweb.core.models import today
from salesweb.goals.models.forecast import ForecastSubmission
from salesweb.goals.periods import Period, PeriodKind
from salesweb.pipeline.models import DealStatus
from tests.conftest import HX, by_id, parse
from tests.factories import make_team, make_user
from tests.goals.factories import make_forecast_deal, make_submission
from tests.goals.test_forecast_services import team_of


def month():
    return Period.containing(today(), PeriodKind.MONTH)


def _value(element) -> str:
    """A cell's text without the name it shows on narrow screens."""
    for label in element.find_class("cell-label"):
        label.drop_tree()
    return element.text_content().strip()


def _count(db):
    return db.session.scalar(select(func.count()).select_from(ForecastSubmission))


def test_my_forecast_page_and_fragment(client, login_as, db):
    rep = login_as("rep")
    make_forecast_deal(rep, 80, "1234.50", today())
    page = client.get(f"/goals/forecast?period={month().key}")
    assert page.status_code == 200 and b"<html" in page.data
    assert "¥1,234.50" in by_id(page, "my-figures").text_content()
    fragment = client.get(f"/goals/forecast?period={month().key}", headers=HX)
    assert fragment.status_code == 200 and b"<html" not in fragment.data
    assert by_id(fragment, "my-figures") is not None
    assert "HX-Request" in fragment.headers["Vary"]


def test_a_period_that_does_not_exist_or_a_year_is_404(client, login_as):
    login_as("rep")
    for key in ("2026-Q5", "2026-13", "nonsense", "2026"):
        assert client.get(f"/goals/forecast?period={key}").status_code == 404


def test_rep_submits_and_the_number_shows(client, login_as, db):
    rep = login_as("rep")
    data = {"period": month().key, "amount": "800", "note": "two deals", "based_on": "0"}
    response = client.post("/goals/forecast", data=data)
    assert response.status_code == 303
    assert f"period={month().key}" in response.headers["Location"]
    page = client.get(response.headers["Location"])
    assert "¥800.00" in by_id(page, "my-current").text_content()
    fragment = client.post("/goals/forecast", data={**data, "based_on": ""}, headers=HX)
    assert fragment.status_code == 200 and "forecastSubmitted" in fragment.headers["HX-Trigger"]
    assert _count(db) == 2 and rep.id


def test_bad_input_is_422_with_field_messages_and_nothing_saved(client, login_as, db):
    login_as("rep")
    past = Period.containing(month().start - timedelta(days=1), PeriodKind.MONTH)
    cases = [
        ({"period": month().key, "amount": "-5"}, "amount"),
        ({"period": month().key, "amount": "abc"}, "amount"),
        ({"period": "2026-Q5", "amount": "5"}, None),
        ({"period": past.key, "amount": "5"}, None),
    ]
    for data, field in cases:
        response = client.post("/goals/forecast", data=data)
        assert response.status_code == 422, data
        if field:
            assert by_id(response, f"{field}-error") is not None
        else:
            assert parse(response).find_class("form-errors"), data
    fragment = client.post("/goals/forecast", data=cases[0][0], headers=HX)
    assert fragment.status_code == 422 and b"<html" not in fragment.data
    assert _count(db) == 0


def test_manager_sees_the_team_adjusts_and_submits(client, login_as, db):
    team, manager, (rep, rep2) = team_of()
    login_as(user=manager)
    own = make_submission(rep, period_key=month().key, amount="500")
    page = client.get(f"/goals/forecast/team?period={month().key}")
    assert page.status_code == 200
    assert "¥500.00" in by_id(page, f"own-{rep.id}").text_content()
    assert by_id(page, f"person-{rep2.id}") is not None
    # the categories stacked, drawn after the page, the numbers in a table beside
    assert by_id(page, "forecast-chart-card").get("hx-get").startswith("/goals/forecast/team/chart")
    chart = client.get(f"/goals/forecast/team/chart?team={team.id}", headers=HX)
    assert b"<html" not in chart.data and by_id(chart, "forecast-chart-table") is not None
    assert rep.display_name in by_id(chart, "forecast-chart-table").text_content()
    adjust = {
        "period": month().key,
        "person_id": rep.id,
        "team_id": team.id,
        "amount": "350",
        "note": "one deal slips",
        "based_on": own.id,
    }
    assert client.post("/goals/forecast/adjust", data=adjust).status_code == 303
    page = client.get(f"/goals/forecast/team?period={month().key}")
    assert "¥500.00" in by_id(page, f"own-{rep.id}").text_content()  # the rep's stays
    assert "¥350.00" in by_id(page, f"latest-{rep.id}").text_content()
    # a second manager working from the same page: a conflict, nothing saved
    again = client.post("/goals/forecast/adjust", data={**adjust, "amount": "420"})
    assert again.status_code == 422
    assert "changed this forecast" in parse(again).find_class("form-errors")[0].text_content()
    submit = {"period": month().key, "team_id": team.id, "amount": "900", "based_on": "0"}
    response = client.post("/goals/forecast/team", data=submit, headers=HX)
    assert response.status_code == 200 and "teamForecastSubmitted" in response.headers["HX-Trigger"]
    assert by_id(response, "team-submissions") is not None
    assert _count(db) == 3


def test_manager_cannot_adjust_or_submit_outside_the_team(client, login_as, db):
    team, manager, _ = team_of()
    other, _, (stranger, _) = team_of()
    login_as(user=manager)
    adjust = {"period": month().key, "person_id": stranger.id, "amount": "1", "note": "x"}
    response = client.post("/goals/forecast/adjust", data=adjust)
    assert response.status_code == 422
    assert "Choose someone of your team." in response.get_data(as_text=True)
    submit = {"period": month().key, "team_id": other.id, "amount": "1"}
    assert client.post("/goals/forecast/team", data=submit).status_code == 422
    assert client.get(f"/goals/forecast/team?team={other.id}").status_code == 404
    assert _count(db) == 0


def test_admin_sees_every_team_and_the_company_total(client, login_as, db):
    team_a, manager_a, (a, _) = team_of()
    team_b, manager_b, (b, _) = team_of()
    make_forecast_deal(a, 80, "100", today())
    make_forecast_deal(b, 80, "50", today())
    make_submission(team=team_a, period_key=month().key, amount="90", submitted_by=manager_a)
    make_submission(team=team_b, period_key=month().key, amount="40", submitted_by=manager_b)
    login_as("admin")
    page = client.get(f"/goals/forecast/company?period={month().key}")
    assert page.status_code == 200
    total = by_id(page, "company-total").text_content()
    assert "¥130.00" in total and "¥150.00" in total
    assert by_id(page, f"team-{team_a.id}") is not None
    chart = client.get(f"/goals/forecast/company/chart?period={month().key}", headers=HX)
    assert team_b.name in by_id(chart, "forecast-chart-table").text_content()


def test_rep_and_compliance_see_no_team_or_company_page(client, login_as):
    login_as("rep")
    assert client.get("/goals/forecast/team").status_code == 403
    assert client.get("/goals/forecast/company").status_code == 403
    login_as("compliance")
    assert client.get("/goals/forecast/history").status_code == 403
    assert client.get("/goals/forecast").status_code == 403


def test_history_shows_first_forecast_against_won_with_accuracy(client, login_as, db):
    team, manager, (a, b) = team_of()
    past = Period.containing(month().start - timedelta(days=1), PeriodKind.MONTH)
    make_submission(a, period_key=past.key, amount="800")
    make_submission(a, period_key=past.key, amount="1100")
    make_submission(b, period_key=past.key, amount="500")
    won = make_forecast_deal(a, 90, "1000", past.start)
    won.status, won.closed_on, won.base_amount = DealStatus.WON, past.start, Decimal("1000")
    db.session.flush()
    login_as(user=manager)
    page = client.get(f"/goals/forecast/history?period={past.key}")
    assert _value(by_id(page, f"accuracy-first-{a.id}")) == "80%"
    assert _value(by_id(page, f"accuracy-final-{a.id}")) == "90%"
    assert _value(by_id(page, f"accuracy-first-{b.id}")) == "0%"
    # the team: its number 1000 against 1000 won by its people
    assert _value(by_id(page, f"team-accuracy-first-{team.id}")) == "—"
    make_submission(team=team, period_key=past.key, amount="1000", submitted_by=manager)
    db.session.commit()
    page = client.get(f"/goals/forecast/history?period={past.key}")
    assert _value(by_id(page, f"team-accuracy-final-{team.id}")) == "100%"
    # a rep sees only themself
    login_as(user=b)
    page = client.get(f"/goals/forecast/history?period={past.key}")
    assert by_id(page, f"history-{a.id}") is None and by_id(page, f"history-{b.id}") is not None


def test_deal_page_category_set_by_the_owner(client, login_as, db):
    rep = login_as("rep")
    deal = make_forecast_deal(rep, 20, "100", today())
    page = client.get(f"/pipeline/deals/{deal.id}")
    assert by_id(page, "deal-forecast-category").text_content().strip() == "Pipeline"
    data = {"forecast": "commit", "version": deal.version}
    response = client.post(f"/pipeline/deals/{deal.id}/forecast", data=data, headers=HX)
    assert response.status_code == 200 and "dealForecastChanged" in response.headers["HX-Trigger"]
    assert by_id(response, "deal-forecast-category").text_content().strip() == "Commit"
    stale = client.post(f"/pipeline/deals/{deal.id}/forecast", data=data)
    assert stale.status_code == 422  # the version it was sent with is gone
    bad = client.post(f"/pipeline/deals/{deal.id}/forecast", data={"forecast": "closed"})
    assert bad.status_code == 422
    listed = client.get("/pipeline/deals?forecast=commit")
    assert by_id(listed, f"deal-{deal.id}") is not None
    assert by_id(client.get("/pipeline/deals?forecast=pipeline"), f"deal-{deal.id}") is None


def test_another_rep_cannot_set_the_category(client, login_as, db):
    owner = make_user()
    deal = make_forecast_deal(owner, 20, "100", today())
    login_as("rep")
    response = client.post(f"/pipeline/deals/{deal.id}/forecast", data={"forecast": "commit"})
    assert response.status_code == 404


def test_panels_remind_the_rep_and_show_the_manager_what_waits(client, login_as, db):
    team, manager, (rep, _) = team_of()
    login_as(user=rep)
    panel = client.get("/goals/forecast/panel/mine", headers=HX)
    assert b"<html" not in panel.data
    assert "Submit my forecast" in by_id(panel, f"panel-forecast-{month().key}").text_content()
    row = make_submission(rep, period_key=month().key, amount="77")
    login_as(user=manager)
    panel = client.get("/goals/forecast/panel/review", headers=HX)
    assert by_id(panel, f"waiting-{row.id}") is not None
    make_submission(team=team, period_key=month().key, amount="77", submitted_by=manager)
    panel = client.get("/goals/forecast/panel/review", headers=HX)
    assert by_id(panel, f"waiting-{row.id}") is None


def test_a_manager_without_a_team_sees_an_empty_state(client, login_as):
    login_as("manager", team_id=make_team().id)
    page = client.get("/goals/forecast/team")
    assert page.status_code == 200
