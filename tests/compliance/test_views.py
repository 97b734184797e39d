"""Contract pages, files, submission, the queue and decisions (htmx and plain), the PDF,
rules, the dashboard, risks with their heat map, credit; bad input answered, nothing changed."""

import io
import json
import re
import zlib

from sqlalchemy import func, select

from salesweb.compliance import services
from salesweb.compliance.models import (
    Contract,
    ContractAttachment,
    ContractStatus,
    ReviewDecision,
    ReviewStatus,
    Risk,
    Rule,
)
from salesweb.core.models import AuditLog
from tests.compliance.factories import make_contract
from tests.compliance.helpers import EXE, PDF, approve, setup
from tests.conftest import HX, by_id, parse
from tests.factories import make_team, make_user
from tests.office_files import MACRO_FILES
from tests.pipeline.factories import make_deal

EN = {"Accept-Language": "en"}


def count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_create_contract_with_field_errors_then_success(client, login_as, db, app):
    rep = login_as("rep")
    with app.test_request_context():
        setup()
        deal = make_deal(rep, stage_key="signing")
    db.session.commit()
    page = client.get(f"/compliance/contracts/new?deal_id={deal.id}", headers=EN)
    assert page.status_code == 200 and by_id(page, "contract-form") is not None
    before = count(db, Contract)
    bad = client.post(
        "/compliance/contracts/new",
        headers=EN,
        data={
            "deal_id": str(deal.id),
            "title": "",
            "value": "abc",
            "currency": "CNY",
            "payment_days": "-3",
            "start_date": "2026-01-01",
            "end_date": "2025-01-01",
        },
    )
    assert bad.status_code == 422
    for name in ("title", "value", "payment_days"):
        assert by_id(bad, f"{name}-error") is not None, name
    other = make_deal(make_user(), stage_key="signing")
    db.session.commit()
    tampered = client.post(
        "/compliance/contracts/new",
        headers=EN,
        data={
            "deal_id": str(other.id),
            "title": "X",
            "value": "10",
            "currency": "CNY",
            "payment_days": "30",
            "start_date": "2026-01-01",
            "end_date": "2026-06-01",
        },
    )
    assert tampered.status_code == 422 and by_id(tampered, "deal_id-error") is not None
    wrong_dates = client.post(
        "/compliance/contracts/new",
        headers=EN,
        data={
            "deal_id": str(deal.id),
            "title": "X",
            "value": "10",
            "currency": "CNY",
            "payment_days": "30",
            "start_date": "2026-01-01",
            "end_date": "2025-06-01",
        },
    )
    assert wrong_dates.status_code == 422 and by_id(wrong_dates, "end_date-error") is not None
    assert count(db, Contract) == before
    ok = client.post(
        "/compliance/contracts/new",
        headers=EN,
        data={
            "deal_id": str(deal.id),
            "title": "合同",
            "value": "50000",
            "currency": "CNY",
            "payment_days": "120",
            "start_date": "2026-01-01",
            "end_date": "2026-12-31",
            "clauses": ["confidentiality", "termination"],
        },
    )
    assert ok.status_code == 303
    contract = db.session.scalar(select(Contract).where(Contract.deal_id == deal.id))
    assert contract.owner_id == rep.id and contract.version_no == 1


def test_submit_shows_findings_and_officer_requests_changes(client, login_as, db, app):
    officer = make_user(role="compliance")
    rep = login_as("rep")
    with app.test_request_context():
        setup()
        contract = make_contract(owner=rep, payment_days=120, clauses=["confidentiality"])
    db.session.commit()
    submitted = client.post(f"/compliance/contracts/{contract.id}/submit")
    assert submitted.status_code == 303
    page = client.get(f"/compliance/contracts/{contract.id}", headers=EN)
    assert by_id(page, "contract-status").text_content().strip() == "Waiting for review"
    findings = by_id(page, "findings-list").text_content()
    assert "120 days" in findings and "Liability cap" in findings
    assert client.get("/compliance/reviews").status_code == 403  # reps do not see the queue
    review = services.reviews_of(contract)[0]

    login_as(user=officer)
    queue = client.get("/compliance/reviews", headers=EN)
    assert by_id(queue, f"review-{review.id}") is not None
    assert client.post(f"/compliance/reviews/{review.id}/claim").status_code == 303
    failing = [r for r in review.results if not r.passed]
    # htmx: a missing finding comment comes back as the decision fragment, status 422
    partial = client.post(
        f"/compliance/reviews/{review.id}/decide",
        headers={**HX, **EN},
        data={"decision": "request_changes", "contract_id": contract.id, "version_no": 1},
    )
    assert partial.status_code == 422 and "<html" not in partial.get_data(as_text=True)
    assert by_id(partial, f"finding-{failing[0].id}-error") is not None
    assert count(db, ReviewDecision) == 0
    data = {"decision": "request_changes", "contract_id": contract.id, "version_no": 1}
    data.update({f"finding-{r.id}": "请修改" for r in failing})
    decided = client.post(f"/compliance/reviews/{review.id}/decide", headers=HX, data=data)
    assert decided.status_code == 204 and "HX-Location" in decided.headers
    assert json.loads(decided.headers["HX-Trigger"]) == {"contractChangesRequested": True}
    db.session.expire_all()
    assert contract.status == ContractStatus.CHANGES_REQUESTED

    # a second decision on the decided review: refused, an audit row, nothing changed
    again = client.post(
        f"/compliance/reviews/{review.id}/decide", headers=EN, data={**data, "decision": "approve"}
    )
    assert again.status_code == 422 and "<html" in again.get_data(as_text=True)
    assert count(db, ReviewDecision) == 1
    assert count(db, AuditLog, AuditLog.action == "decision_refused") == 1


def test_tampered_contract_field_is_refused_and_audited(client, login_as, db, app):
    officer = login_as("compliance")
    with app.test_request_context():
        setup()
        contract = make_contract()
        other = make_contract()
        review = services.submit_contract(contract.owner, contract)
        services.claim_review(officer, review)
    db.session.commit()
    response = client.post(
        f"/compliance/reviews/{review.id}/decide",
        headers={**HX, **EN},
        data={"decision": "approve", "contract_id": other.id, "version_no": 1},
    )
    assert response.status_code == 422
    assert by_id(response, "decision-refusal") is not None
    db.session.expire_all()
    assert review.status == ReviewStatus.IN_REVIEW and count(db, ReviewDecision) == 0
    assert count(db, AuditLog, AuditLog.action == "decision_tampered") == 1


def test_owner_cannot_claim_their_own_contract(client, login_as, db, app):
    admin = login_as("admin")
    with app.test_request_context():
        setup()
        contract = make_contract(owner=admin)
        review = services.submit_contract(admin, contract)
    db.session.commit()
    response = client.post(f"/compliance/reviews/{review.id}/claim", headers=EN)
    assert response.status_code == 422
    db.session.expire_all()
    assert review.status == ReviewStatus.QUEUED
    assert count(db, AuditLog, AuditLog.action == "claim_refused") == 1


def test_attachments_upload_download_and_refusals(client, login_as, db, app):
    rep = login_as("rep")
    with app.test_request_context():
        setup()
        contract = make_contract(owner=rep)
    db.session.commit()
    url = f"/compliance/contracts/{contract.id}/attachments"
    disguised = client.post(
        url,
        headers=EN,
        data={"file": (io.BytesIO(EXE), "contract.pdf")},
        content_type="multipart/form-data",
    )
    assert disguised.status_code == 422 and by_id(disguised, "file-error") is not None
    missing = client.post(url, headers=EN, data={}, content_type="multipart/form-data")
    assert missing.status_code == 422
    for data, name in MACRO_FILES:
        macros = client.post(
            url,
            headers=EN,
            data={"file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        )
        assert macros.status_code == 422, name
        assert "macros" in by_id(macros, "file-error").text_content(), name
    assert count(db, ContractAttachment) == 0
    ok = client.post(
        url, data={"file": (io.BytesIO(PDF), "合同.pdf")}, content_type="multipart/form-data"
    )
    assert ok.status_code == 303
    attachment = db.session.scalar(select(ContractAttachment))
    download = client.get(f"/compliance/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.mimetype == "application/pdf"
    download.close()
    # another rep: the contract and its file do not exist for them
    login_as("rep")
    assert client.get(f"/compliance/attachments/{attachment.id}").status_code == 404
    assert client.get(f"/compliance/contracts/{contract.id}").status_code == 404
    assert (
        client.post(
            url, data={"file": (io.BytesIO(PDF), "x.pdf")}, content_type="multipart/form-data"
        ).status_code
        == 404
    )


def test_team_manager_sees_the_contract_other_team_does_not(client, login_as, db, app):
    team = make_team()
    rep = make_user(team_id=team.id)
    with app.test_request_context():
        setup()
        contract = make_contract(owner=rep)
    db.session.commit()
    login_as("manager", team_id=team.id)
    assert client.get(f"/compliance/contracts/{contract.id}").status_code == 200
    listed = client.get("/compliance/contracts")
    assert by_id(listed, f"contract-{contract.id}") is not None
    login_as("manager", team_id=make_team().id)
    assert client.get(f"/compliance/contracts/{contract.id}").status_code == 404
    assert by_id(client.get("/compliance/contracts"), f"contract-{contract.id}") is None


def _pdf_content(data: bytes) -> bytes:
    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def test_review_pdf_in_chinese_with_the_vendored_font(client, login_as, db, app):
    rep = login_as("rep")
    with app.test_request_context():
        setup()
        contract = make_contract(owner=rep)
        review = services.submit_contract(rep, contract)
    db.session.commit()
    assert client.get(f"/compliance/reviews/{review.id}/pdf").status_code == 422  # no decision
    with app.test_request_context():
        officer = make_user(role="compliance")
        services.claim_review(officer, review)
        services.decide_review(officer, review, "approve", "同意签约", {})
    db.session.commit()
    response = client.get(
        f"/compliance/reviews/{review.id}/pdf", headers={"Accept-Language": "zh-CN"}
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    content = _pdf_content(response.get_data())
    fonts = set(re.findall(rb"/BaseFont\s*/([^\s/<>\[\]()]+)", content))
    assert fonts and all(b"Noto-Sans-SC" in name for name in fonts), fonts
    for char in "同意签约销售合同":  # the comment and the title, in Chinese
        assert f"<{ord(char):04X}>".encode() in content.upper(), char


def test_rules_page_and_form_errors(client, login_as, db, app):
    login_as("compliance")
    with app.test_request_context():
        setup(gates=False)
    db.session.commit()
    listed = client.get("/compliance/rules", headers=EN)
    assert by_id(listed, "rule-table") is not None
    before = count(db, Rule)
    bad = client.post(
        "/compliance/rules/new",
        headers={**HX, **EN},
        data={
            "kind": "max_payment_days",
            "description_zh": "付款",
            "description_en": "",
            "severity": "block",
            "limit": "-1",
        },
    )
    assert bad.status_code == 422 and "<html" not in bad.get_data(as_text=True)
    assert by_id(bad, "description_en-error") is not None or by_id(bad, "limit-error") is not None
    assert count(db, Rule) == before
    ok = client.post(
        "/compliance/rules/new",
        data={
            "kind": "max_term",
            "description_zh": "期限",
            "description_en": "Term",
            "severity": "warn",
            "active": "y",
            "limit": "24",
        },
    )
    assert ok.status_code == 303 and count(db, Rule) == before + 1
    rule = db.session.scalar(select(Rule).where(Rule.description_en == "Term"))
    assert client.get(f"/compliance/rules/{rule.id}/edit").status_code == 200


def test_dashboard_and_queue_for_reviewers_only(client, login_as, db, app):
    with app.test_request_context():
        setup()
        approve(make_contract())
    db.session.commit()
    login_as("compliance")
    page = client.get("/compliance/dashboard", headers=EN)
    assert page.status_code == 200 and by_id(page, "stat-approval") is not None
    login_as("manager")
    assert client.get("/compliance/dashboard").status_code == 403


def test_risk_heat_map_filters_the_list(client, login_as, db, app):
    officer = login_as("compliance")
    from datetime import date, timedelta

    base = {"category": "credit", "status": "open"}
    with app.test_request_context():
        high = services.create_risk(
            officer,
            {
                **base,
                "title": "High",
                "likelihood": 5,
                "impact": 4,
                "next_review_on": date.today() - timedelta(days=3),
            },
            officer,
            {},
        )
        low = services.create_risk(
            officer, {**base, "title": "Low", "likelihood": 1, "impact": 2}, officer, {}
        )
    db.session.commit()
    page = client.get("/compliance/risks", headers=EN)
    assert by_id(page, "cell-5-4").text_content().strip() == "1"
    assert by_id(page, f"risk-{high.id}").find_class("overdue")
    fragment = client.get("/compliance/risks?likelihood=5&impact=4", headers=HX)
    assert "<html" not in fragment.get_data(as_text=True)
    assert by_id(fragment, f"risk-{high.id}") is not None
    assert by_id(fragment, f"risk-{low.id}") is None
    bad = client.post(
        "/compliance/risks/new",
        headers=EN,
        data={
            "title": "",
            "category": "nope",
            "likelihood": "9",
            "impact": "1",
            "owner_id": officer.id,
            "status": "open",
            "deal_id": "999999",
        },
    )
    assert bad.status_code == 422 and by_id(bad, "title-error") is not None
    before = count(db, Risk)
    hidden = client.post(
        "/compliance/risks/new",
        headers=EN,
        data={
            "title": "X",
            "category": "credit",
            "likelihood": "2",
            "impact": "2",
            "owner_id": officer.id,
            "status": "open",
            "deal_id": "999999",
        },
    )
    assert hidden.status_code == 422 and by_id(hidden, "deal_id-error") is not None
    assert count(db, Risk) == before


def test_deal_credit_page_and_manager_approval(client, login_as, db, app):
    from datetime import date
    from decimal import Decimal

    from salesweb.customers.models import Order
    from tests.factories import make_account

    team = make_team()
    rep = make_user(team_id=team.id)
    with app.test_request_context():
        setup()
        account = make_account(owner=rep, credit_limit=Decimal("1000"))
        db.session.add(
            Order(
                account_id=account.id,
                ordered_on=date(2026, 1, 1),
                total=Decimal("5000"),
                base_total=Decimal("5000"),
                paid=False,
            )
        )
        deal = make_deal(rep, account=account, stage_key="signing")
    db.session.commit()
    login_as(user=rep)
    page = client.get(f"/compliance/deals/{deal.id}/credit", headers=EN)
    assert by_id(page, "credit-over") is not None and by_id(page, "credit-approve-form") is None
    assert client.post(f"/compliance/deals/{deal.id}/credit/approve").status_code == 403
    login_as("manager", team_id=team.id)
    done = client.post(f"/compliance/deals/{deal.id}/credit/approve", data={"comment": "OK"})
    assert done.status_code == 303
    account_page = client.get(f"/customers/accounts/{account.id}", headers=EN)
    assert "Over credit limit" in account_page.get_data(as_text=True)


def test_answer_is_a_fragment_for_htmx(client, login_as, db, app):
    rep = login_as("rep")
    with app.test_request_context():
        setup()
        contract = make_contract(owner=rep, payment_days=120)
        review = services.submit_contract(rep, contract)
    db.session.commit()
    finding = next(r for r in review.results if not r.passed)
    response = client.post(
        f"/compliance/reviews/{review.id}/answer",
        headers=HX,
        data={"result_id": finding.id, "body": "已与客户商定 60 天"},
    )
    assert response.status_code == 200 and "<html" not in response.get_data(as_text=True)
    assert json.loads(response.headers["HX-Trigger"]) == {"findingAnswered": True}
    assert "60" in by_id(response, f"finding-{finding.id}").text_content()
    plain = client.post(f"/compliance/reviews/{review.id}/answer", data={"body": "再补充"})
    assert plain.status_code == 303
    empty = client.post(f"/compliance/reviews/{review.id}/answer", headers=HX, data={"body": ""})
    assert empty.status_code == 422
    assert parse(empty).get_element_by_id("answer-refusal", None) is not None


def test_deal_page_loads_the_compliance_panel_after_the_page(client, login_as, db, app):
    """The deal page carries a placeholder that htmx fills from the compliance panel; the panel
    flags an account over its credit limit."""
    from datetime import date as _date
    from decimal import Decimal as _Decimal

    from salesweb.customers import services as customer_services
    from tests.factories import make_account
    from tests.pipeline.factories import make_deal

    rep = login_as("rep")
    account = make_account(owner=rep, credit_limit=_Decimal("100.00"), credit_currency="CNY")
    with app.test_request_context():
        customer_services.create_order(
            rep,
            account,
            ordered_on=_date(2026, 11, 1),
            currency="CNY",
            paid=False,
            lines=[customer_services.LineInput("GTX Pro", _Decimal("1"), _Decimal("5000"))],
        )
        deal = make_deal(rep, account=account)
    db.session.commit()
    page = client.get(f"/pipeline/deals/{deal.id}")
    placeholders = parse(page).xpath("//section[contains(@class, 'panel')]/@hx-get")
    assert f"/compliance/deals/{deal.id}/panel" in placeholders
    panel = client.get(f"/compliance/deals/{deal.id}/panel", headers={"HX-Request": "true"})
    assert panel.status_code == 200 and "<html" not in panel.get_data(as_text=True)
    assert by_id(panel, "deal-credit-flag") is not None
    other = make_deal(make_user())
    db.session.commit()
    assert client.get(f"/compliance/deals/{other.id}/panel").status_code == 404


def _decide(client, review, contract, **data):
    form = {"decision": "approve", "contract_id": contract.id, "version_no": review.version_no}
    return client.post(f"/compliance/reviews/{review.id}/decide", headers=EN, data={**form, **data})


def _blocked_review(app, rep, **terms):
    with app.test_request_context():
        setup()
        contract = make_contract(owner=rep, payment_days=120, clauses=["confidentiality"], **terms)
        review = services.submit_contract(rep, contract)
    return contract, review


def test_approving_over_blocking_findings_needs_a_waiver_each(
    client, login_as, db, app, monkeypatch
):
    rep = make_user()
    contract, review = _blocked_review(app, rep)
    officer = login_as("compliance")
    with app.test_request_context():
        services.claim_review(officer, review)
    db.session.commit()
    blocking = [r for r in review.results if r.blocks]
    assert len(blocking) == 2
    page = client.get(f"/compliance/reviews/{review.id}", headers=EN)
    assert all(by_id(page, f"waiver-{r.id}-reason") is not None for r in blocking)
    refused = _decide(client, review, contract, **{f"waiver-{blocking[0].id}": "集团担保"})
    assert refused.status_code == 422
    assert by_id(refused, f"waiver-{blocking[1].id}-error") is not None
    assert by_id(refused, f"waiver-{blocking[0].id}-reason").text_content() == "集团担保"
    db.session.expire_all()
    assert contract.status == ContractStatus.IN_REVIEW and count(db, ReviewDecision) == 0

    reasons = {blocking[0].id: "鑫淼集团担保付款", blocking[1].id: "框架协议已含责任条款"}
    approved = _decide(client, review, contract, **{f"waiver-{k}": v for k, v in reasons.items()})
    assert approved.status_code == 303
    db.session.expire_all()
    assert contract.status == ContractStatus.APPROVED
    assert {r.id: r.waiver.reason for r in review.results if r.blocks} == reasons
    shown = client.get(f"/compliance/reviews/{review.id}", headers=EN)
    assert "鑫淼集团担保付款" in by_id(shown, f"finding-{blocking[0].id}-waiver").text_content()
    trail = by_id(shown, f"history-contract_reviews-{review.id}").text_content()
    assert "blocking finding waived" in trail and "框架协议已含责任条款" in trail
    assert count(db, AuditLog, AuditLog.action == "waive") == 2

    from salesweb.compliance import reports

    printed = []
    real_render = reports.render_pdf
    monkeypatch.setattr(
        reports, "render_pdf", lambda html, css: printed.append(html) or real_render(html, css)
    )
    pdf = client.get(f"/compliance/reviews/{review.id}/pdf", headers={"Accept-Language": "zh-CN"})
    assert pdf.status_code == 200 and all(text in printed[0] for text in reasons.values())
    content = _pdf_content(pdf.get_data()).upper()
    assert all(f"<{ord(char):04X}>".encode() in content for char in "鑫淼")


def test_second_approver_sees_and_confirms_the_waivers(client, login_as, db, app):
    from decimal import Decimal

    rep = make_user()
    contract, review = _blocked_review(app, rep, value=Decimal("2000000"))
    first = make_user(role="compliance")
    with app.test_request_context():
        services.claim_review(first, review)
        waivers = {r.id: "客户为集团子公司" for r in review.results if r.blocks}
        services.decide_review(first, review, "approve", "", {}, waivers=waivers)
    db.session.commit()
    assert review.needs_two and review.status == ReviewStatus.QUEUED
    second = login_as("compliance")
    with app.test_request_context():
        services.claim_review(second, review)
    db.session.commit()
    page = client.get(f"/compliance/reviews/{review.id}", headers=EN)
    for result_id in waivers:
        assert "客户为集团子公司" in by_id(page, f"waiver-{result_id}-given").text_content()
        assert by_id(page, f"waiver-{result_id}-reason") is None  # nothing to waive again
    assert by_id(page, "confirm_waivers") is not None
    unconfirmed = _decide(client, review, contract)
    assert (
        unconfirmed.status_code == 422 and by_id(unconfirmed, "confirm_waivers-error") is not None
    )
    db.session.expire_all()
    assert (
        contract.status == ContractStatus.SUBMITTED or contract.status == ContractStatus.IN_REVIEW
    )
    assert review.approvals == 1
    confirmed = _decide(client, review, contract, confirm_waivers="y")
    assert confirmed.status_code == 303
    db.session.expire_all()
    assert contract.status == ContractStatus.APPROVED
    assert all(r.waiver_confirmation.actor_id == second.id for r in review.results if r.blocks)
    assert count(db, AuditLog, AuditLog.action == "waiver_confirmed") == len(waivers)


def test_decision_form_keeps_each_text_with_its_finding_and_ignores_other_keys(
    client, login_as, db, app
):
    contract, review = _blocked_review(app, make_user())
    officer = login_as("compliance")
    with app.test_request_context():
        services.claim_review(officer, review)
    db.session.commit()
    failing = [r for r in review.results if not r.passed]
    assert len(failing) >= 2
    odd_keys = {"finding-²": "x", "finding-abc": "x", "finding-" + "9" * 5000: "x"}
    response = _decide(
        client,
        review,
        contract,
        decision="request_changes",
        **odd_keys,
        **{f"finding-{failing[0].id}": "请修改付款期"},
    )
    assert response.status_code == 422
    assert by_id(response, f"finding-{failing[0].id}-comment").text_content() == "请修改付款期"
    assert by_id(response, f"finding-{failing[0].id}-error") is None
    assert by_id(response, f"finding-{failing[1].id}-error") is not None
    assert count(db, ReviewDecision) == 0
