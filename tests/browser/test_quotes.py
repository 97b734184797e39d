"""Quote journey: a rep quotes a demo deal with a 20 % discount and submits it; the team's
manager approves it in the queue; the approved quote downloads as a PDF."""

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.test_foundation import sign_in


def sign_out(page: Page) -> None:
    page.click(".usermenu summary")
    page.click("#sign-out")
    expect(page).to_have_url(re.compile(r"/auth/login"))


def test_discounted_quote_is_approved_by_the_manager_and_printed(page: Page, live_server):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    sign_in(page, live_server, "rep@example.com")
    page.select_option("#locale-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.goto(f"{live_server}/pipeline/deals?status=open")
    page.locator("#deal-table tbody tr td a").first.click()
    page.click("#quote-new")
    page.select_option("#lines-0-product_id", index=1)
    page.fill("#lines-0-quantity", "3")
    page.fill("#lines-0-discount_pct", "20")
    page.fill("#lines-0-note", "含安装调试")
    page.click("#quote-form button[type=submit]")
    expect(page.locator("#quote-status-label")).to_have_text("Draft")
    number = re.search(r"Q-\d{4}-\d{4,}", page.locator("h1").inner_text()).group(0)

    page.click("#quote-submit")  # htmx swaps the status block in place
    expect(page.locator("#quote-status-label")).to_have_text("Waiting for approval")
    expect(page.locator("#quote-pdf")).to_have_count(0)
    sign_out(page)

    sign_in(page, live_server, "manager@example.com")
    page.select_option("#locale-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(f"{live_server}/pipeline/quotes/approvals")
    row = page.locator(f"#approval-table tr[data-number='{number}']")
    expect(row).to_have_count(1)
    row.locator("textarea").fill("OK: strategic account, this quarter only")
    row.locator("button", has_text="Approve").click()
    expect(row).to_contain_text("Approved by")
    expect(row).to_contain_text("strategic account")

    row.locator("a", has_text=number).click()
    expect(page.locator("#quote-status-label")).to_have_text("Approved")
    with page.expect_download() as download_info:
        page.click("#quote-pdf")
    download = download_info.value
    assert download.suggested_filename == f"{number}-v1.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
    assert errors == []
