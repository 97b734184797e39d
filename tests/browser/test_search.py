"""Search as one types: contacts by part of an e-mail, by a two-character Chinese name, and
accounts by part of a Chinese name; the address keeps the search."""

from playwright.sync_api import Page, expect

from tests.browser.test_foundation import sign_in


def test_live_search_of_contacts_and_accounts(page: Page, live_server):
    sign_in(page, live_server, "admin@example.com")
    page.goto(f"{live_server}/customers/contacts")
    rows = page.locator("#contact-table tbody tr")

    page.fill("#contact-q", "yunfan")
    expect(rows).to_have_count(2)
    expect(page.locator("#contact-table")).to_contain_text("杭州云帆科技有限公司")
    expect(page).to_have_url(f"{live_server}/customers/contacts?q=yunfan")

    # Two characters: no trigram index serves them, the rows are found all the same.
    page.fill("#contact-q", "胡婷")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("ting.hu@yunfan-tech.cn")

    page.goto(f"{live_server}/customers/accounts")
    page.fill("#account-q", "云帆科技")
    account_rows = page.locator("#account-table tbody tr")
    expect(account_rows).to_have_count(1)
    expect(account_rows.first).to_contain_text("杭州云帆科技有限公司")
