"""Contract and review pages, history panel included, fit a 1366-pixel screen and a phone's:
long values (fingerprints, clause lists) and wide controls (the file input) wrap or shrink
instead of widening the page."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_foundation import sign_in


def _fits(page: Page, screen: int) -> None:
    expect(page.locator("section.history")).to_have_count(1)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= screen, f"{page.url} is {width}px wide on a {screen}px screen"
    # Nor may a value spill out of its card (long labels once pushed the values past it).
    spilled = page.evaluate(
        """[...document.querySelectorAll('.card dd')].filter(dd => {
             const card = dd.closest('.card').getBoundingClientRect();
             return dd.getBoundingClientRect().right > card.right + 1;
           }).map(dd => dd.textContent.trim().slice(0, 40))"""
    )
    assert spilled == [], f"{page.url}: {spilled}"


@pytest.mark.parametrize("screen", [1366, 390])
@pytest.mark.parametrize("language", ["en", "zh_CN"])  # ends as the demo user started
def test_contract_and_review_pages_fit_the_screen(page: Page, live_server, language, screen):
    page.set_viewport_size({"width": screen, "height": 800})
    sign_in(page, live_server, "admin@example.com")  # sees every control, the upload too
    page.select_option("#locale-select", language)  # English labels are the longest
    expect(page.locator("html")).to_have_attribute("lang", "en" if language == "en" else "zh-CN")
    page.goto(f"{live_server}/compliance/contracts")
    page.locator("#contract-table tbody tr td a").first.click()
    expect(page.locator("h1")).to_be_visible()
    _fits(page, screen)
    review = page.locator("a[href*='/compliance/reviews/']").first
    page.goto(live_server + review.get_attribute("href"))
    expect(page.locator("#review-digest")).to_be_visible()
    _fits(page, screen)
