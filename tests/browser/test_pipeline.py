"""Sales process journey: create a deal, be refused at Needs analysis with the reason, tick the
step, and drag the card forward on the board."""

from playwright.sync_api import Page, expect

from tests.browser.test_foundation import sign_in


def drag(page: Page, card, target) -> None:
    """Drag with real mouse moves, grabbing the card by its top edge (not its controls)."""
    box = card.bounding_box()
    goal = target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 4)
    page.mouse.down()
    for i in range(1, 11):
        page.mouse.move(
            box["x"] + box["width"] / 2 + (goal["x"] - box["x"]) * i / 10,
            box["y"] + 4 + (goal["y"] + 20 - box["y"]) * i / 10,
        )
    page.mouse.up()


def test_deal_gate_then_drag_on_board(page: Page, live_server):
    sign_in(page, live_server, "rep@example.com")
    page.select_option("#locale-select", "en")
    page.click("nav.mainnav >> text=Accounts")
    page.locator("#account-table tbody tr a").first.click()
    account_name = page.locator("h1").inner_text().split("\n")[0].strip()
    page.click(".actions >> text=New deal")
    page.fill("#title", "Browser gate deal")
    page.fill("#amount", "12000")
    page.fill("#expected_close", "2030-06-30")
    page.click("#deal-form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Browser gate deal")

    # Lead development → Needs analysis: tick the required step first.
    page.locator("#checklist button", has_text="Identify the decision maker").click()
    expect(page.locator("#missing")).to_contain_text("Everything this stage asks for is done")
    page.select_option("#stage_id", label="Needs analysis")
    page.click("#move-form button[type=submit]")
    expect(page.locator("h2#stage-title")).to_contain_text("Needs analysis")

    # Needs analysis → Proposal without the survey: refused, with the reason.
    page.select_option("#stage_id", label="Proposal")
    page.click("#move-form button[type=submit]")
    refusal = page.locator("#refusal")
    expect(refusal).to_contain_text("cannot be left yet")
    expect(refusal).to_contain_text("Needs survey completed")
    # Ticking the missing steps re-renders the banner from the server: it never lags behind.
    page.locator("#checklist button", has_text="Needs survey completed").click()
    expect(refusal.locator("li", has_text="Needs survey completed")).to_have_count(0)
    expect(refusal).to_contain_text("Budget confirmed")
    page.locator("#checklist button", has_text="Budget confirmed").click()
    expect(page.locator("#checklist button", has_text="Budget confirmed")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator("#refusal-cleared")).to_contain_text("Proposal")
    expect(refusal).not_to_contain_text("cannot be left yet")
    # Unticking brings the banner back.
    page.locator("#checklist button", has_text="Budget confirmed").click()
    expect(refusal).to_contain_text("cannot be left yet")
    page.locator("#checklist button", has_text="Budget confirmed").click()
    expect(page.locator("#refusal-cleared")).to_be_visible()

    # Drag the card from Needs analysis to Proposal on the board.
    page.click("nav.mainnav >> text=Deals")
    card = page.locator(".deal-card", has_text="Browser gate deal")
    expect(card).to_have_count(1)
    target = page.locator(".board-cards[data-stage-key='proposal']")
    drag(page, card, target)
    expect(page.locator("#move-feedback")).to_contain_text("is now in")
    expect(
        page.locator(
            ".board-cards[data-stage-key='proposal'] .deal-card", has_text="Browser gate deal"
        )
    ).to_have_count(1)
    assert account_name


def test_losing_a_deal_asks_for_a_reason_and_names_the_deal(page: Page, live_server):
    sign_in(page, live_server, "rep@example.com")
    page.select_option("#locale-select", "en")
    page.click("nav.mainnav >> text=Deals")
    card_title = page.locator(".board-cards[data-stage-key='lead'] .card-title").first
    title = card_title.inner_text().strip()
    card_title.click()
    page.click("#lose-open")
    confirm = page.locator("#lose-confirm")
    expect(confirm.locator("h2")).to_contain_text(f"Mark “{title}” as lost?")
    page.click("#lose-submit")
    expect(page.locator("#lost_reason_id-error")).to_contain_text("Choose why the deal was lost")
    expect(page.locator("h2#stage-title")).to_have_count(0)  # still the confirmation
    page.select_option("#lost_reason_id", index=1)
    page.fill("#lost_note", "Budget moved to next year")
    page.click("#lose-submit")
    expect(page.locator("h1 .badge")).to_contain_text("Lost")


def test_refused_drag_puts_the_card_back(page: Page, live_server):
    sign_in(page, live_server, "rep@example.com")
    page.select_option("#locale-select", "en")
    page.click("nav.mainnav >> text=Deals")
    source = page.locator(".board-cards[data-stage-key='needs']")
    card = source.locator(".deal-card").first
    title = card.locator(".card-title").inner_text()
    drag(page, card, page.locator(".board-cards[data-stage-key='negotiation']"))
    feedback = page.locator("#move-feedback")
    expect(feedback).to_contain_text("cannot be left yet")
    expect(source.locator(".deal-card", has_text=title)).to_have_count(1)
