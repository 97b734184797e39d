"""A manager imports the shared accounts file in the browser: upload, columns, preview, result."""

import re

from playwright.sync_api import Page, expect

from tests.browser.test_foundation import sign_in
from tests.datasets import crm_dataset

SHARED = crm_dataset() / "accounts.csv"


def test_manager_imports_the_shared_accounts_file(page: Page, live_server):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    sign_in(page, live_server, "manager@example.com")
    page.select_option("#locale-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.goto(f"{live_server}/customers/imports/new")
    expect(page.locator("label[for=file]")).to_be_visible()
    page.select_option("#kind", "accounts")
    page.set_input_files("#file", str(SHARED))
    page.click("#import-upload-submit")

    # Columns: the guess is shown; revenue is in millions of USD in this file.
    expect(page).to_have_url(re.compile(r"/imports/\d+/mapping"))
    expect(page.locator("#col-0")).to_have_value("name")
    expect(page.locator("#col-1")).to_have_value("industry")
    page.select_option("#col-3", "annual_revenue_millions")
    page.fill("#fixed-revenue_currency", "USD")
    page.click("#import-mapping-submit")

    expect(page).to_have_url(re.compile(r"/imports/\d+/preview"))
    expect(page.locator("#preview-summary")).to_contain_text("None of them has a problem")
    expect(page.locator("#preview-row-2")).to_contain_text("Acme Corporation")
    expect(page.locator("#preview-row-2")).to_contain_text("technolgy")
    page.click("#import-commit")

    # The job runs in the background; the page polls until it is done.
    expect(page).to_have_url(re.compile(r"/imports/\d+$"))
    expect(page.locator("#import-summary")).to_contain_text(
        "85 rows read: 85 taken + 0 rejected", timeout=30_000
    )
    expect(page.locator("#import-taken")).to_have_text("85")
    expect(page.locator("#import-rejected")).to_have_text("0")
    # It says where the accounts went: the pool, which a manager's account list leaves out.
    expect(page.locator("#import-pooled")).to_contain_text("85")
    page.click("#import-pool-link")
    expect(page).to_have_url(re.compile(r"/customers/pool\?imported=\d+$"))
    expect(page.locator("#account-imported-filter")).to_be_visible()
    expect(page.locator("#pool-table")).to_contain_text("Acme Corporation")

    # The list of recent imports shows it; without an owner column the accounts are in the pool.
    page.goto(f"{live_server}/customers/imports")
    expect(page.locator("#import-table tbody tr").first).to_contain_text("accounts.csv")
    page.goto(f"{live_server}/customers/pool?q=acme")
    expect(page.locator("#pool-table")).to_contain_text("Acme Corporation")
    assert errors == []  # no CSP violation, no failed script
