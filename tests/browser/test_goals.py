"""Goals journey: a manager sets a quarter target for the team, splits it across the people, is
refused publishing while the parts do not add up, fixes them and publishes; the rep sees their
part; a deal of the rep's is won and the rep's attainment moves."""

import os
import re
from datetime import date

from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from tests.browser.test_compliance import english, sign_out
from tests.browser.test_foundation import sign_in

TEAM = "华东销售部"


def _next_year_q1() -> str:
    return f"{date.today().year + 1}-Q1"


def _win_a_deal_of(email: str) -> None:
    """A deal of this person's is won today (as the deal page's Win would record it)."""
    engine = create_engine(os.environ["_SALESWEB_BROWSER_DB"])
    with engine.begin() as conn:
        deal_id = conn.execute(
            text(
                "SELECT d.id FROM deals d JOIN users u ON u.id = d.owner_id WHERE u.email = :e "
                "AND d.status = 'open' AND d.base_amount > 0 ORDER BY d.id LIMIT 1"
            ),
            {"e": email},
        ).scalar_one()
        conn.execute(
            text(
                "UPDATE deals SET status = 'won', closed_on = :day, probability = 100, "
                "version = version + 1 WHERE id = :id"
            ),
            {"day": date.today(), "id": deal_id},
        )
    engine.dispose()


def test_split_refused_fixed_published_seen_and_moved(page: Page, live_server):
    errors: list[str] = []
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "422" not in m.text else None,
    )
    period = _next_year_q1()
    sign_in(page, live_server, "manager@example.com")
    english(page)
    page.goto(f"{live_server}/goals/targets/new?period={period}")
    page.select_option("#measure", "won_amount")
    page.select_option("#level", "team")
    page.select_option("#team_id", label=TEAM)
    page.fill("#value", "-1")
    page.click("#target-form button[type=submit]")
    expect(page.locator("#value-error")).to_contain_text("cannot be negative")
    expect(page.locator("#period_key")).to_have_value(period)
    page.fill("#value", "90000")
    page.click("#target-form button[type=submit]")
    expect(page.locator("#target-status")).to_have_text("Draft")
    target_url = page.url

    page.click("#split-owners")
    parts = page.locator("#split-form input[name^=part_]")
    expect(parts).to_have_count(3)
    parts.nth(0).fill("30000")
    parts.nth(1).fill("20000")
    parts.nth(2).fill("")
    page.click("#split-form button[type=submit]")
    expect(page.locator("#split-form .error")).to_contain_text("Give this part a number")
    parts.nth(2).fill("20000")
    page.click("#split-form button[type=submit]")
    expect(page).to_have_url(target_url)
    expect(page.locator("#target-reconcile")).to_contain_text("differ by")

    page.click("#publish-button")
    expect(page.locator("#publish-form")).to_contain_text("add up to")
    expect(page.locator("#target-status")).to_have_text("Draft")

    page.click("#split-owners")
    page.click("#split-mode-even")
    expect(parts.nth(0)).to_have_value("30000.00")
    page.click("#split-form button[type=submit]")
    expect(page.locator("#target-reconcile")).to_contain_text("3 parts add up")
    page.click("#publish-button")
    expect(page.locator("#target-status")).to_have_text("Published")
    expect(page.locator("#target-children")).to_contain_text("Published")
    sign_out(page)

    sign_in(page, live_server, "rep@example.com")
    english(page)
    page.goto(f"{live_server}/goals/?period={period}")
    expect(page.locator("#target-table tbody tr")).to_have_count(1)
    expect(page.locator("#target-table")).to_contain_text("30,000.00")

    page.goto(f"{live_server}/goals/attainment")
    actual = page.locator("#attainment-people tbody tr >> nth=0 >> td >> nth=1")
    before = actual.inner_text()
    _win_a_deal_of("rep@example.com")
    page.reload()
    expect(actual).not_to_have_text(before)
    page.click("#attainment-people tbody tr >> nth=0 >> td >> nth=1 >> a")
    expect(page).to_have_url(re.compile(r"/pipeline/deals\?.*status=won"))
    expect(page.locator("#deal-table tbody tr").first).to_be_visible()
    assert errors == []
