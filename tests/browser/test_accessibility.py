"""axe-core on the main pages, as every role that can see them, in both languages: no critical
or serious violation, and no console error (a CSP refusal, a failed script) on the way."""

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import axe_violations
from tests.browser.test_foundation import sign_in, use_language

# (path, a link to follow from it to a record's page, or None); the roles that may see it.
PAGES = [
    ("/", None, "admin manager rep compliance"),
    ("/customers/accounts", "#account-table tbody a", "admin manager rep compliance"),
    ("/pipeline/deals", "#deal-table tbody a", "admin manager rep compliance"),
    ("/pipeline/board", None, "admin manager rep compliance"),
    ("/pipeline/quotes/approvals", "#approval-table tbody a", "admin manager"),
    ("/compliance/contracts", "#contract-table tbody a", "admin manager rep compliance"),
    ("/compliance/reviews", "#queue-table tbody a", "admin compliance"),
    ("/compliance/risks", None, "admin manager rep compliance"),
    ("/surveys/results", None, "admin manager rep"),
    ("/surveys/", "#survey-table tbody a", "admin manager rep"),
    ("/training/", None, "admin manager rep compliance"),
    ("/auth/users", None, "admin"),
    ("/auth/audit", None, "admin"),
]
ROLES = {
    "admin": "admin@example.com",
    "manager": "manager@example.com",
    "rep": "rep@example.com",
    "compliance": "compliance@example.com",
}


def _check(page: Page, where: str, found: dict[str, list[str]]) -> None:
    problems = axe_violations(page)
    if problems:
        found[where] = problems


@pytest.mark.parametrize("role", list(ROLES))
def test_main_pages_pass_axe_in_both_languages(page: Page, live_server, console_errors, role):
    sign_in(page, live_server, ROLES[role])
    found: dict[str, list[str]] = {}
    for language in ("zh_CN", "en"):
        use_language(page, language)
        for path, detail, roles in PAGES:
            if role not in roles.split():
                continue
            page.goto(live_server + path, wait_until="load")
            _check(page, f"{language} {path}", found)
            link = page.locator(detail).first if detail else None
            if link is not None and link.count():
                with page.expect_navigation(wait_until="load"):
                    link.click()
                _check(page, f"{language} {path} → {page.url}", found)
    assert found == {}
    assert console_errors == []
