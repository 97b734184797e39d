"""One chain from quote to order: a rep quotes a deal in Signing, the customer accepts, the deal's
amount becomes the quote's total; the new contract is prefilled from the quote and approved by
compliance (the Signing gate); the deal is won;
its order carries the quote's total, links back to the deal and the contract, and the account is
a customer."""

import re
from decimal import Decimal

from playwright.sync_api import Page, expect

from tests.browser.test_compliance import claim_from_queue, sign_out
from tests.browser.test_foundation import sign_in


def english(page: Page) -> None:
    page.select_option("#locale-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def amount_of(text: str) -> Decimal:
    """The number in a formatted amount ("¥1,234.50" -> 1234.50)."""
    return Decimal(re.sub(r"[^\d.]", "", text))


def test_accepted_quote_flows_into_contract_order_and_customer(
    page: Page, live_server, console_errors
):
    sign_in(page, live_server, "rep@example.com")
    english(page)

    # A deal of the rep waiting in Signing (not the compliance journey's own demo deal).
    page.goto(f"{live_server}/pipeline/board")
    card = page.locator(".board-cards[data-stage-key=signing] li.deal-card").filter(
        has_not_text="Compliance demo"
    )
    card.first.locator("a.card-title").click()
    expect(page.locator("#deal-amount")).to_be_visible()
    deal_url = page.url
    deal_amount = amount_of(page.locator("#deal-amount").inner_text())

    page.click("#quote-new")
    page.select_option("#lines-0-product_id", index=1)
    page.fill("#lines-0-quantity", "2")
    page.click("#quote-form button[type=submit]")
    expect(page.locator("#quote-status-label")).to_have_text("Draft")
    number = re.search(r"Q-\d{4}-\d{4,}", page.locator("h1").inner_text()).group(0)
    page.click("#quote-submit")
    expect(page.locator("#quote-status-label")).to_have_text("Approved")
    page.click("#quote-mark-sent")
    expect(page.locator("#quote-status-label")).to_have_text("Sent")
    page.click("#quote-mark-accepted")
    expect(page.locator("#quote-status-label")).to_have_text("Accepted")
    total_text = page.locator("#quote-total").inner_text()
    total = amount_of(total_text)
    assert total != deal_amount

    page.goto(deal_url)
    expect(page.locator("#deal-amount")).to_have_text(total_text)
    expect(page.locator("#deal-quote")).to_contain_text(number)
    taken = page.locator(".history-list li").filter(has=page.locator(".action-amount_from_quote"))
    expect(taken.first).to_contain_text("amount taken from the accepted quote")
    expect(taken.first).to_contain_text(number)

    page.click("#deal-contract-new")  # in the compliance panel, loaded after the page
    expect(page.locator("#contract-form")).to_be_visible()
    assert amount_of(page.locator("#value").input_value()) == total
    expect(page.locator("#payment_terms")).not_to_be_empty()
    page.fill("#start_date", "2026-01-01")
    page.fill("#end_date", "2026-12-31")
    for clause in page.locator("input[name=clauses]").all():
        clause.check()
    page.click("#contract-form button[type=submit]")
    expect(page.locator("#contract-status")).to_have_text("Draft")
    expect(page.locator("#contract-value")).to_have_text(total_text)
    expect(page.locator("#contract-quote")).to_contain_text(number)
    expect(page.locator("#contract-quote-total")).to_have_text(total_text)
    contract_number = re.search(r"HT-\d{4}-\d{4}", page.locator("h1").inner_text()).group(0)

    # Signing waits for compliance to approve this contract (a gate of the standard process).
    page.click("#contract-submit")
    expect(page.locator("#contract-status")).to_have_text("Waiting for review")
    sign_out(page)
    sign_in(page, live_server, "compliance@example.com")
    english(page)
    claim_from_queue(page, live_server, contract_number)
    page.check("input[name=decision][value=approve]")
    page.click("#decision-submit")
    expect(page.locator("#review-status")).to_have_text("Approved")
    sign_out(page)
    sign_in(page, live_server, "rep@example.com")
    english(page)

    page.goto(deal_url)
    for toggle in page.locator("#checklist button[aria-pressed=false]").all():
        toggle.click()
    expect(page.locator("#missing")).to_contain_text("Everything this stage asks for is done")
    page.click("#win-form button[type=submit]")
    expect(page.locator("h1 .badge")).to_have_text("Won")

    page.click("#deal-order")
    expect(page.locator("#order-total")).to_have_text(total_text)
    expect(page.locator("#order-deal")).to_have_attribute("href", re.compile(r"/pipeline/deals/"))
    expect(page.locator("#order-contract")).to_have_text(contract_number)
    page.click("#order-contract")
    expect(page.locator("#contract-order")).to_be_visible()
    page.click("#contract-deal")
    page.locator("dd a[href*='/customers/accounts/']").first.click()
    expect(page.locator("h1 .badge").first).to_have_text("Customer")
    assert console_errors == []
