"""Customers journey: create an account with a contact, log a call with a follow-up task,
find the task in "my tasks" and complete it."""

import re

from playwright.sync_api import Page, expect

from tests.browser.test_foundation import go_to, sign_in


def test_account_contact_call_task_journey(page: Page, live_server):
    sign_in(page, live_server, "rep@example.com")
    page.select_option("#locale-select", "en")
    go_to(page, "Accounts")
    page.click("text=New account")
    page.fill("#name", "苏州测试浏览器科技有限公司")
    page.select_option("#type", "prospect")
    page.fill("#industry", "Software")
    page.fill("#tags", "browser, 华东")
    page.click("#account-form button[type=submit] >> nth=-1")
    expect(page.locator("h1")).to_contain_text("苏州测试浏览器科技有限公司")
    expect(page.locator("#toasts")).to_contain_text("created")

    page.click("text=Add contact")
    page.fill("#name", "周明")
    page.fill("#phone", "+86 139 1234 5678")
    page.fill("#wechat", "zhouming_bt")
    page.click("#contact-form button[type=submit]")
    expect(page.locator("#contact-list")).to_contain_text("周明")

    page.click("#log-interaction")
    page.select_option("#kind", "call")
    page.fill("#summary", "电话沟通需求，客户希望下周看演示。")
    page.check("#create_task")
    page.fill("#task_title", "Prepare the demo for 周明")
    page.fill("#task_due", "2030-01-15T10:00")
    page.click("#interaction-form button[type=submit]")
    expect(page.locator("#timeline-list")).to_contain_text("电话沟通需求")

    go_to(page, "My tasks")
    row = page.locator("#task-table tbody tr", has_text="Prepare the demo for 周明")
    expect(row).to_have_count(1)
    row.locator("button", has_text="Done").click()  # htmx swaps the row in place
    expect(row.locator(".badge")).to_contain_text("Done")
    expect(page).to_have_url(re.compile(r"/customers/tasks"))
