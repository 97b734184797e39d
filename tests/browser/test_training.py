"""Training journey: a manager assigns a course to the team; a rep reads the lessons, fails the
quiz once, passes, sees the certificate; the manager's matrix shows the course passed."""

import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.browser.test_foundation import sign_in

COURSE = "Customer service basics"


def _answer(page: Page, right: bool) -> None:
    single = "Confirm budget and concern" if right else "Give a discount at once"
    page.get_by_label(single).check()
    for text, correct in (("Hours saved", True), ("Errors avoided", True), ("Our slogan", False)):
        if correct == right:
            page.get_by_label(text).check()
    page.click("#submit-quiz")


def test_assign_read_fail_pass_certificate_matrix(page: Page, live_server):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    sign_in(page, live_server, "manager@example.com")
    page.select_option("#locale-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(f"{live_server}/training/assignments/new")
    page.select_option("#course_id", label=COURSE)
    page.select_option("#team_id", label="华东销售部")
    page.fill("#due_on", (date.today() + timedelta(days=14)).isoformat())
    page.click("#assignment-form button[type=submit]")
    expect(page.locator("#toasts")).to_contain_text("Course assigned")
    expect(page.locator("#matrix-table")).to_be_visible()
    page.context.clear_cookies()

    sign_in(page, live_server, "rep@example.com")
    page.select_option("#locale-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(f"{live_server}/training/")
    page.click(f"#my-courses >> text={COURSE}")
    course_id = re.search(r"/courses/(\d+)", page.url).group(1)
    page.click("#lesson-list li >> nth=0 >> a")
    expect(page.locator("#lesson-body h1")).to_be_visible()
    # the page posts the read as it loads (a GET, which prefetches send too, marks nothing)
    expect(page.locator("#lesson-read-status")).to_be_visible()
    page.click("#next-lesson")
    expect(page.locator("#lesson-read-status")).to_be_visible()
    page.click("#back-to-course")
    expect(page.locator("#lesson-list .badge")).to_have_count(2)
    page.click("#start-quiz")
    _answer(page, right=False)
    expect(page.locator("#attempt-failed")).to_be_visible()
    page.click("#attempt-result >> text=Back to the course")
    page.click("#start-quiz")
    _answer(page, right=True)
    expect(page.locator("#attempt-passed")).to_be_visible()
    page.goto(f"{live_server}/training/")
    expect(page.locator("#certificate-list")).to_contain_text(COURSE)
    rep_row = page.locator(f"#my-course-{course_id}")
    expect(rep_row).to_contain_text("Passed")
    page.context.clear_cookies()

    sign_in(page, live_server, "manager@example.com")
    page.goto(f"{live_server}/training/matrix")
    row = page.locator("#matrix-table tbody tr", has_text="张伟")
    expect(row.locator(f"td[id$='-{course_id}']")).to_have_attribute("data-state", "passed")
    assert errors == []
