"""Surveys journey: build a survey, invite a demo contact, answer through the public link in a
fresh browser without signing in (and without JavaScript), see the detractor's case for the
account owner, resolve it; the same link then says it was already answered."""

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.test_foundation import sign_in, use_language


def test_survey_invite_answer_case_journey(page: Page, browser: Browser, live_server):
    sign_in(page, live_server, "admin@example.com")
    use_language(page, "en")
    page.goto(f"{live_server}/surveys/")
    page.click("#survey-new")
    page.fill("#title_zh", "浏览器测试调查")
    page.fill("#title_en", "Browser test survey")
    page.click("#survey-form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Browser test survey")

    page.select_option("#kind", "nps")
    page.fill("#text_zh", "您有多大可能推荐我们？")
    page.fill("#text_en", "How likely are you to recommend us?")
    page.check("#required")
    page.click("#question-add")  # htmx swaps the question list and a fresh form
    expect(page.locator("#question-list > li")).to_have_count(1)
    page.select_option("#kind", "text")
    page.fill("#text_zh", "还有什么建议？")
    page.fill("#text_en", "Anything else?")
    page.click("#question-add")
    expect(page.locator("#question-list > li")).to_have_count(2)

    invite_url = page.locator("#survey-invite").get_attribute("href")
    page.goto(f"{live_server}{invite_url}&q=林文博")  # the search, without racing live search
    checkbox = page.locator("#candidate-list input[type=checkbox]").first
    expect(checkbox).to_be_visible()
    checkbox.check()
    page.click("#invite-submit")
    link = page.locator("input.public-link").first.input_value()
    assert re.search(r"/s/[A-Za-z0-9_-]{43}$", link)
    # shown once: a field wide enough to read the whole link, and a button that copies it
    assert page.locator("input.public-link").first.bounding_box()["width"] > 600
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    copy = page.locator("button[data-copy]").first
    copy.click()
    expect(copy).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == link

    customer = browser.new_context(java_script_enabled=False)
    try:
        public = customer.new_page()
        public.goto(link)
        # In the contact's language, with a switch to the other one.
        english = public.locator("html").get_attribute("lang") == "en"
        expect(public.locator("h1")).to_contain_text(
            "Browser test survey" if english else "浏览器测试调查"
        )
        public.click("#lang-zh_CN" if english else "#lang-en")
        expect(public.locator("h1")).to_contain_text(
            "浏览器测试调查" if english else "Browser test survey"
        )
        nps_name = public.locator("#answer-form input[type=radio]").first.get_attribute("name")
        public.check(f"input[name={nps_name}][value='3']", force=True)
        public.fill("#answer-form textarea", "交货太慢了 <b>really</b>")
        public.click("#answer-submit")
        expect(public.locator("#survey-message")).to_have_attribute("data-kind", "thanks")

        page.goto(f"{live_server}/surveys/cases")
        row = page.locator("#case-table tbody tr").first
        expect(row).to_contain_text("NPS 3")
        owner = row.locator("td").nth(3).inner_text()
        assert owner.strip() not in ("", "—")
        row.locator("a").first.click()
        expect(page.locator("#case-comment")).to_contain_text("交货太慢了 <b>really</b>")
        page.click("#case-advance")  # contacted
        expect(page.locator("#case-status")).to_contain_text("Contacted")
        page.select_option("#root_cause_id", label="Service")
        page.fill("#note", "Called the customer; delivery rescheduled.")
        page.click("#case-advance")
        expect(page.locator("#case-status")).to_contain_text("Resolved")
        expect(page.locator("#case-resolution")).to_contain_text("delivery rescheduled")

        public.goto(link)
        expect(public.locator("#survey-message")).to_have_attribute("data-kind", "answered")
    finally:
        customer.close()
