"""axe-core on the main pages, as every role that can see them, in both languages: no critical
or serious violation, and no console error (a CSP refusal, a failed script) on the way."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations
from tests.browser.test_foundation import sign_in, use_language

# (path, a link to follow from it to a record's page, or None); the roles that may see it.
PAGES = [
    ("/", None, "admin manager rep compliance"),
    ("/customers/accounts", "#account-table tbody a", "admin manager rep compliance"),
    ("/pipeline/deals", "#deal-table tbody a", "admin manager rep compliance"),
    ("/pipeline/board", None, "admin manager rep compliance"),
    ("/pipeline/quotes/approvals", "#approval-table tbody a", "admin manager"),
    ("/compliance/contracts", "#contract-table tbody a", "admin manager rep compliance"),
    ("/compliance/reviews", "#queue-table tbody a", "admin compliance"),
    ("/compliance/risks", None, "admin manager rep compliance"),
    ("/surveys/results", None, "admin manager rep"),
    ("/surveys/", "#survey-table tbody a", "admin manager rep"),
    ("/training/", None, "admin manager rep compliance"),
    ("/auth/users", None, "admin"),
    ("/auth/audit", None, "admin"),
]
ROLES = {
    "admin": "admin@example.com",
    "manager": "manager@example.com",
    "rep": "rep@example.com",
    "compliance": "compliance@example.com",
}


def _check(page: Page, where: str, found: dict[str, list[str]]) -> None:
    problems = axe_violations(page)
    if problems:
        found[where] = problems


@pytest.mark.parametrize("role", list(ROLES))
def test_main_pages_pass_axe_in_both_languages(page: Page, live_server, console_errors, role):
    sign_in(page, live_server, ROLES[role])
    found: dict[str, list[str]] = {}
    for language in ("zh_CN", "en"):
        use_language(page, language)
        for path, detail, roles in PAGES:
            if role not in roles.split():
                continue
            page.goto(live_server + path, wait_until="load")
            _check(page, f"{language} {path}", found)
            link = page.locator(detail).first if detail else None
            if link is not None and link.count():
                with page.expect_navigation(wait_until="load"):
                    link.click()
                _check(page, f"{language} {path} → {page.url}", found)
    assert found == {}
    assert console_errors == []


def test_open_menus_dialog_and_phone_layout_pass_axe(page: Page, live_server, console_errors):
    sign_in(page, live_server, ROLES["manager"])
    use_language(page, "zh_CN")
    page.goto(live_server + "/pipeline/board", wait_until="load")
    summary = page.locator("nav.mainnav summary").first
    summary.click()
    expect(page.locator("nav.mainnav details[open] a").first).to_be_visible()
    assert axe_violations(page) == []
    page.keyboard.press("Escape")  # closes the drop-down and gives the focus back to it
    expect(page.locator("nav.mainnav details[open]")).to_have_count(0)
    expect(summary).to_be_focused()
    page.locator(".deal-card [data-move]").first.click()
    expect(page.locator("#move-dialog")).to_be_visible()
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    expect(page.locator("#move-dialog")).to_be_hidden()

    page.set_viewport_size({"width": 390, "height": 844})
    toggle = page.locator(".nav-toggle")
    expect(toggle).to_be_visible()
    expect(page.locator("#mainnav")).to_be_hidden()  # folded behind the menu button
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#mainnav")).to_be_visible()
    assert axe_violations(page) == []
    assert console_errors == []


def test_menu_is_one_row_at_1366_for_every_role_and_language(page: Page, live_server):
    page.set_viewport_size({"width": 1366, "height": 768})
    for role, email in ROLES.items():
        sign_in(page, live_server, email)
        for language in ("zh_CN", "en"):
            use_language(page, language)
            bar = page.locator(".topbar").bounding_box()
            items = page.locator("nav.mainnav .menu > li")
            tops = {round(items.nth(i).bounding_box()["y"]) for i in range(items.count())}
            assert len(tops) == 1 and bar["height"] < 70, (role, language, tops, bar)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 1366, (role, language, width)
        page.click(".usermenu summary")
        with page.expect_navigation(wait_until="load"):
            page.click("#sign-out")


def test_quote_lines_fit_the_page_at_1366(page: Page, live_server):
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, ROLES["rep"])
    use_language(page, "en")
    page.goto(live_server + "/pipeline/deals", wait_until="load")
    deal_url = page.locator("#deal-table tbody a").first.get_attribute("href")
    page.goto(live_server + deal_url + "/quotes/new", wait_until="load")
    lines = page.locator("#quote-lines").bounding_box()
    assert lines["x"] + lines["width"] <= 1366
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    # each input is named by its column head, which is not repeated above it
    assert page.locator("#quote-lines tbody label").first.bounding_box()["width"] <= 1
