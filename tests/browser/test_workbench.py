"""Workbench journey: the rep signs in, the panels load after the page, the rep closes an
overdue task from the "today's tasks" panel and the panel reloads without it."""

from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations
from tests.browser.test_foundation import sign_in


def test_rep_closes_an_overdue_task_from_the_workbench(page: Page, live_server, console_errors):
    sign_in(page, live_server, "rep@example.com")
    panel = page.locator("#panel-tasks")
    expect(panel).to_be_visible()  # loaded by htmx after the page
    expect(page.locator("#panel-stuck-deals")).to_be_visible()
    expect(page.locator("#workbench section[aria-busy='true']")).to_have_count(0)
    before = int(page.locator("#panel-tasks-count").inner_text())
    assert before > 0
    first = panel.locator("#home-task-rows > li").first
    expect(first.locator(".badge-danger")).to_be_visible()  # the demo's rep has overdue tasks
    row_id = first.get_attribute("id")
    first.locator("button[type=submit]").focus()
    page.keyboard.press("Enter")  # keyboard alone is enough
    expect(page.locator(f"#{row_id}")).to_have_count(0)
    expect(page.locator("#panel-tasks-count")).to_have_text(str(before - 1))
    assert axe_violations(page) == []
    assert console_errors == []


def test_without_javascript_a_panel_opens_as_its_own_page(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "rep@example.com")
    link = page.locator("#workbench a[href$='/customers/workbench/tasks']")
    with page.expect_navigation():
        link.click()
    expect(page.locator("#panel-tasks")).to_be_visible()
    expect(page.locator("nav.crumbs a")).to_have_attribute("href", "/")
    context.close()
