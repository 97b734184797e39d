"""An administrator opens the scheduled jobs, switches the nightly reclaim off and on, runs it
by hand and finds its run in the list; keyboard and screen reader checks on the page."""

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations
from tests.browser.test_foundation import go_to, sign_in, use_language


def test_admin_switches_a_scheduled_job_and_runs_it_by_hand(
    page: Page, live_server, console_errors
):
    sign_in(page, live_server, "admin@example.com")
    use_language(page, "en")
    go_to(page, "Scheduled jobs")
    expect(page).to_have_url(re.compile(r"/auth/jobs$"))
    state = page.locator("#job-customers-reclaim-state")
    expect(state).to_have_text("On")

    # htmx swaps the table in place; the address stays.
    page.click("#job-customers-reclaim-switch")
    expect(state).to_have_text("Off")
    expect(page.locator("#job-customers-reclaim-switch")).to_contain_text("Switch on")
    page.reload()
    expect(state).to_have_text("Off")  # kept in the database
    page.locator("#job-customers-reclaim-switch").focus()
    page.keyboard.press("Enter")  # the keyboard works it too
    expect(state).to_have_text("On")

    with page.expect_navigation():
        page.click("#job-customers-reclaim-run")
    expect(page.locator(".toast, [role=status]").first).to_contain_text("on its way")
    first = page.locator("#job-run-table tbody tr").first
    expect(first).to_contain_text("Return idle accounts to the public pool")
    expect(first).to_contain_text("Succeeded")
    expect(first).to_contain_text("Accounts returned to the public pool")

    page.select_option("#job-run-status", "failed")
    expect(page).to_have_url(re.compile(r"status=failed"))
    expect(page.locator("#results")).not_to_contain_text("Return idle accounts")
    assert axe_violations(page) == []
    assert console_errors == []
