"""Lists, money and numbered steps read the way the reader's language writes them."""

from __future__ import annotations

from flask_babel import force_locale
from lxml import html as lxml_html

from salesweb.core.i18n import join_list
from tests.conftest import by_id, parse
from tests.factories import PASSWORD, make_account, make_interaction, make_user


def test_join_list_uses_the_enumeration_comma_in_chinese(app):
    with app.app_context():
        with force_locale("zh_CN"):
            assert join_list(["保密", "违约金", "知识产权"]) == "保密、违约金、知识产权"
            assert join_list(["甲", "乙", "丙"], "standard") == "甲、乙和丙"
        with force_locale("en"):
            assert join_list(["a", "b", "c"]) == "a, b, c"
            assert join_list(["a", "b", "c"], "or") == "a, b, or c"
        assert join_list([]) == ""


def test_reclaim_notice_lists_accounts_with_the_chinese_comma(client, db):
    from salesweb.customers.models import OwnershipNotice

    rep = make_user(locale="zh_CN")
    for name in ("甲公司", "乙公司"):
        db.session.add(OwnershipNotice(user_id=rep.id, account_id=make_account(name=name).id))
    db.session.commit()
    client.post("/auth/login", data={"email": rep.email, "password": PASSWORD})
    toasts = by_id(client.get("/"), "toasts").text_content()
    assert "甲公司、乙公司" in toasts or "乙公司、甲公司" in toasts
    assert "甲公司, " not in toasts and "乙公司, " not in toasts


def test_import_steps_are_numbered_once(client, login_as):
    login_as("manager", locale="zh_CN")
    steps = by_id(client.get("/customers/imports/new"), "import-steps")
    assert steps.tag == "ol"
    labels = [li.text_content().strip() for li in steps.findall("li")]
    assert labels == ["上传", "对应列", "预览", "导入"]


def test_review_pdf_formats_the_contract_value_and_lists_clauses(db, app, monkeypatch):
    from salesweb.compliance import reports
    from salesweb.compliance import services as compliance
    from tests.compliance.factories import make_contract
    from tests.compliance.helpers import setup

    captured = {}
    monkeypatch.setattr(
        reports, "render_pdf", lambda html, css: captured.setdefault("html", html).encode()
    )
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        setup()
        contract = make_contract(clauses=["confidentiality", "penalty"])
        review = compliance.submit_contract(contract.owner, contract)
        reports.review_pdf(review)
    page = lxml_html.fromstring(captured["html"])
    assert page.get_element_by_id("pdf-contract-value").text_content() == "¥50,000.00"
    assert page.get_element_by_id("pdf-clauses").text_content() == "保密、违约金"
    assert (
        page.get_element_by_id("pdf-term")
        .text_content()
        .startswith("2026年1月1日 – 2026年12月31日")
    )


def test_a_chinese_rep_reads_the_right_word_for_each_meaning(client, login_as, db):
    rep = login_as("rep", locale="zh_CN")
    account = make_account(owner=rep, type="customer", email="buyer@example.com")
    make_interaction(account, author=rep, kind="email", summary="发了报价")
    db.session.commit()
    page = client.get(f"/customers/accounts/{account.id}")
    heading = parse(page).xpath("//h1")[0].text_content()
    assert "成交客户" in heading  # the account type, not just "customer"
    timeline = by_id(page, "timeline-list").text_content()
    assert "邮件" in timeline and "邮箱" not in timeline  # a mail sent, not a mailbox
    assert "邮箱" in by_id(page, "account-facts").text_content()  # the address field
