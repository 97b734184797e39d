"""Compliance journey: a rep submits a contract with 120-day payment terms and no liability
clause; the findings show; the compliance officer requests changes; the rep fixes and
resubmits; the officer approves; the deal can leave Signing; the review PDF carries the
vendored Chinese font."""

import re
import zlib
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.test_foundation import sign_in


def sign_out(page: Page) -> None:
    page.click(".usermenu summary")
    page.click("#sign-out")
    expect(page).to_have_url(re.compile(r"/auth/login"))


def english(page: Page) -> None:
    page.select_option("#locale-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def pdf_content(data: bytes) -> bytes:
    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def claim_from_queue(page: Page, base: str, number: str) -> None:
    page.goto(f"{base}/compliance/reviews")
    row = page.locator(f"#queue-table tr[data-number='{number}']")
    expect(row).to_have_count(1)
    row.locator("button", has_text="Claim").click()
    expect(page.locator("#decision-form")).to_be_visible()


def test_contract_review_gates_signing(page: Page, live_server):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    sign_in(page, live_server, "rep@example.com")
    english(page)

    page.goto(f"{live_server}/pipeline/deals?q=Compliance+demo&status=open")
    page.locator("#deal-table tbody tr td a", has_text="Compliance demo").first.click()
    expect(page.locator("#missing")).to_contain_text("contract")
    deal_url = page.url
    deal_id = re.search(r"/deals/(\d+)", deal_url).group(1)

    page.goto(f"{live_server}/compliance/contracts/new?deal_id={deal_id}")
    page.fill("#payment_days", "120")
    page.fill("#start_date", "2026-01-01")
    page.fill("#end_date", "2026-12-31")
    page.check("input[name=clauses][value=confidentiality]")
    page.check("input[name=clauses][value=termination]")
    page.click("#contract-form button[type=submit]")
    expect(page.locator("#contract-status")).to_have_text("Draft")
    number = re.search(r"HT-\d{4}-\d{4}", page.locator("h1").inner_text()).group(0)
    contract_url = page.url

    page.click("#contract-submit")
    expect(page.locator("#contract-status")).to_have_text("Waiting for review")
    findings = page.locator("#findings-list")
    expect(findings).to_contain_text("120 days")
    expect(findings).to_contain_text("Liability cap")
    sign_out(page)

    sign_in(page, live_server, "compliance@example.com")
    english(page)
    claim_from_queue(page, live_server, number)
    for area in page.locator("#decision-form textarea[name^=finding-]").all():
        area.fill("请修改：付款期限不超过 90 天，并加入责任上限条款。")
    page.check("input[name=decision][value=request_changes]")
    page.click("#decision-submit")
    expect(page.locator("#review-status")).to_have_text("Changes requested")
    expect(page.locator("#findings-list")).to_contain_text("付款期限不超过 90 天")
    sign_out(page)

    sign_in(page, live_server, "rep@example.com")
    english(page)
    page.goto(contract_url)
    expect(page.locator("#contract-status")).to_have_text("Changes requested")
    expect(page.locator("#findings-list")).to_contain_text("付款期限不超过 90 天")
    page.click("#contract-edit")
    page.fill("#payment_days", "60")
    page.check("input[name=clauses][value=liability_cap]")
    page.fill("#note", "付款期限改为 60 天，加入责任上限")
    page.click("#contract-form button[type=submit]")
    expect(page.locator("#contract-payment-days")).to_have_text("60")
    page.click("#contract-submit")
    expect(page.locator("#contract-status")).to_have_text("Waiting for review")
    expect(page.locator("#latest-review .badge-danger")).to_have_count(0)
    sign_out(page)

    sign_in(page, live_server, "compliance@example.com")
    english(page)
    claim_from_queue(page, live_server, number)
    page.check("input[name=decision][value=approve]")
    page.fill("#comment", "同意签约")
    page.click("#decision-submit")
    expect(page.locator("#review-status")).to_have_text("Approved")
    with page.expect_download() as download_info:
        page.click("#review-pdf")
    download = download_info.value
    assert re.fullmatch(rf"{number}-v2-review-\d+\.pdf", download.suggested_filename)
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF")
    content = pdf_content(data)
    assert b"Noto-Sans-SC" in content
    assert f"<{ord('合'):04X}>".encode() in content.upper()  # the demo deal's Chinese title
    sign_out(page)

    sign_in(page, live_server, "rep@example.com")
    english(page)
    page.goto(deal_url)
    expect(page.locator("#missing")).to_contain_text("Everything this stage asks for is done")
    page.click("#win-form button[type=submit]")
    expect(page.locator("h1 .badge")).to_have_text("Won")
    assert errors == []
