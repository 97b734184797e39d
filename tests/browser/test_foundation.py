"""Foundation journeys in a real browser: sign in, language, admin edit with audit, lockout."""

import re

from playwright.sync_api import Page, expect

DEMO_PASSWORD = "demo-pass-2026"


def sign_in(page: Page, base: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base}/auth/login")
    page.fill("#email", email)
    page.fill("#password", password)
    # Wait for the next page and its scripts (the language switcher submits on change).
    with page.expect_navigation(wait_until="load"):
        page.click("#login-form button[type=submit]")


def go_to(page: Page, label: str) -> None:
    """Follow a main-menu entry, opening its area's drop-down first when it sits in one."""
    name = re.compile(rf"^\s*{re.escape(label)}\s*$")
    link = page.locator("nav.mainnav a").filter(has_text=name)
    link.wait_for(state="attached")  # the page may still be loading (a language switch)
    if not link.is_visible():
        group = page.locator("nav.mainnav details").filter(
            has=page.locator("a").filter(has_text=name)
        )
        group.locator("summary").click()
    with page.expect_navigation(wait_until="load"):
        link.click()


def use_language(page: Page, code: str) -> None:
    """Switch the signed-in user's language unless the page is already in it."""
    wanted = "zh-CN" if code == "zh_CN" else code
    if page.locator("html").get_attribute("lang") != wanted:
        with page.expect_navigation(wait_until="load"):  # the switcher submits itself
            page.select_option("#locale-select", code)


def test_sign_in_switch_language_sign_out(page: Page, live_server):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    sign_in(page, live_server, "rep@example.com")
    page.select_option("#locale-select", "zh_CN")  # other journeys may have left it in English
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("h1")).to_contain_text("欢迎")
    page.select_option("#locale-select", "en")  # app.js submits on change
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text("Welcome")
    page.reload()
    expect(page.locator("h1")).to_contain_text("Welcome")  # saved on the user
    page.click(".usermenu summary")
    page.click("#sign-out")
    expect(page).to_have_url(re.compile(r"/auth/login"))
    expect(page.locator("#login-form")).to_be_visible()
    assert errors == []  # no CSP violation, no failed script


def test_admin_edits_user_and_finds_audit_row(page: Page, live_server):
    sign_in(page, live_server, "admin@example.com")
    page.select_option("#locale-select", "en")
    go_to(page, "Users")
    page.fill("#user-q", "rep2")
    expect(page.locator("#user-table tbody tr")).to_have_count(1)  # live search, no submit
    expect(page).to_have_url(re.compile(r"q=rep2"))
    page.click("#user-table tbody tr a")
    page.fill("#display_name", "李娜 Li Na (renamed)")
    page.click("#user-form button[type=submit]")
    expect(page.locator("#toasts")).to_contain_text("Changes saved")
    page.keyboard.press("Escape")  # a toast can be dismissed from the keyboard
    expect(page.locator("#toasts .toast")).to_have_count(0)
    go_to(page, "Audit log")
    page.select_option("#audit-type", "users")
    row = page.locator("#audit-table tbody tr").first
    expect(row).to_contain_text("李娜 Li Na (renamed)")
    expect(row).to_contain_text("admin@example.com")


def test_five_wrong_passwords_lock_the_account(page: Page, live_server):
    for _ in range(5):
        sign_in(page, live_server, "rep2@example.com", "not-the-password")
        expect(page.locator(".form-errors")).to_be_visible()
    sign_in(page, live_server, "rep2@example.com")
    expect(page.locator(".form-errors")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/auth/login"))


def test_phone_width_has_no_horizontal_scroll(page: Page, live_server):
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, live_server, "admin@example.com")
    page.goto(f"{live_server}/auth/users")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 380
