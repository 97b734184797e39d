"""Forecast journey: a rep submits this quarter's number; their manager sees it beside the
system's figures, adjusts it with a note (the rep's own number stays), and submits the team's
number, which the history of the team's submissions then shows."""

from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations
from tests.browser.test_foundation import sign_in

REP = "张伟 Zhang Wei"


def test_rep_submits_manager_adjusts_and_submits_the_team(page: Page, live_server, console_errors):
    sign_in(page, live_server, "rep@example.com")
    page.goto(f"{live_server}/goals/forecast")
    page.fill("#amount", "123456")
    page.fill("#note", "两单在谈")
    page.click("#forecast-form button[type=submit]")
    expect(page.locator("#my-current")).to_contain_text("¥123,456.00")
    expect(page.locator("#my-submissions")).to_contain_text("两单在谈")
    assert axe_violations(page) == []
    page.context.clear_cookies()

    sign_in(page, live_server, "manager@example.com")
    page.goto(f"{live_server}/goals/forecast/team")
    row = page.locator("#team-forecast tr", has_text=REP).first
    expect(row).to_contain_text("¥123,456.00")
    details = page.locator("#team-forecast details", has_text=REP)
    details.locator("summary").click()
    details.locator("input[name=amount]").fill("100000")
    details.locator("input[name=note]").fill("一单推迟到下季度")
    with page.expect_navigation():
        details.locator("button[type=submit]").click()
    row = page.locator("#team-forecast tr", has_text=REP).first
    own, latest = row.locator("td").nth(0), row.locator("td").nth(1)
    expect(own).to_contain_text("¥123,456.00")
    expect(latest).to_contain_text("¥100,000.00")
    expect(latest).to_contain_text("一单推迟到下季度")

    page.fill("#team-amount", "300000")
    page.fill("#team-note", "含调整")
    with page.expect_navigation():
        page.click("#team-forecast-form button[type=submit]")
    expect(page.locator("#team-submissions")).to_contain_text("¥300,000.00")
    expect(page.locator("#toasts")).to_be_attached()
    assert axe_violations(page) == []
    assert console_errors == []
