"""Contracts, versions, rules on submission, the review workflow, gates, credit and risks."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from salesweb.compliance import credit, reports, services
from salesweb.compliance.models import (
    ContractStatus,
    ContractVersion,
    ReviewStatus,
    Rule,
)
from salesweb.compliance.rules import message
from salesweb.core import files as attachments
from salesweb.core.errors import DomainError
from salesweb.core.models import AuditLog
from salesweb.customers.models import Order
from salesweb.pipeline import services as pipeline
from tests.compliance.factories import make_contract
from tests.compliance.helpers import EXE, PDF, approve, docx_bytes, setup
from tests.factories import make_account, make_user
from tests.pipeline.factories import make_deal
from tests.pipeline.helpers import tick_all


@pytest.fixture
def ctx(app, db):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        setup()
        yield


def test_contract_versions_freeze_terms_and_files(ctx, db):
    contract = make_contract()
    first = services.latest_version(contract)
    assert first.number == 1 and len(first.digest) == 64
    services.update_contract(contract.owner, contract, _same(contract), None)
    assert contract.version_no == 1  # nothing changed, no new version
    services.update_contract(contract.owner, contract, _same(contract, payment_days=45), None)
    services.add_attachment(contract.owner, contract, io.BytesIO(PDF), "合同.pdf")
    assert contract.version_no == 3
    versions = db.session.scalars(
        select(ContractVersion).where(ContractVersion.contract_id == contract.id)
    ).all()
    assert [v.terms["payment_days"] for v in versions] == [60, 45, 45]
    assert len({v.digest for v in versions}) == 3
    assert versions[0].attachment_ids == [] and len(versions[2].attachment_ids) == 1


def _same(contract, **changes):
    data = {
        "title": contract.title,
        "value": contract.value,
        "currency": contract.currency,
        "discount_pct": contract.discount_pct,
        "payment_days": contract.payment_days,
        "start_date": contract.start_date,
        "end_date": contract.end_date,
        "auto_renew": contract.auto_renew,
        "governing_law": contract.governing_law,
        "clauses": list(contract.clauses),
    }
    data.update(changes)
    return data


def test_bad_terms_are_refused_on_their_field(ctx, db):
    deal = make_deal(stage_key="signing")
    for overrides, field in (
        ({"value": Decimal("0")}, "value"),
        ({"payment_days": -1}, "payment_days"),
        ({"end_date": date(2025, 1, 1)}, "end_date"),
        ({"clauses": ["bribery"]}, "clauses"),
        ({"currency": "XXX"}, "currency"),
    ):
        with pytest.raises(DomainError) as refused:
            make_contract(deal=deal, **overrides)
        assert refused.value.field == field


def test_submission_runs_the_rules_and_stores_their_results(ctx, db):
    contract = make_contract(payment_days=120, clauses=["confidentiality", "termination"])
    review = services.submit_contract(contract.owner, contract)
    failing = {r.kind: r for r in review.results if not r.passed}
    assert set(failing) == {"max_payment_days", "required_clauses"}
    assert review.blocking == 2 and review.severity == 2 and not review.needs_two
    assert contract.status == ContractStatus.SUBMITTED
    assert "120" in message("max_payment_days", False, failing["max_payment_days"].details)
    assert "Liability cap" in message(
        "required_clauses", False, failing["required_clauses"].details
    )
    # Changing the rule later does not change the stored result.
    rule = db.session.get(Rule, failing["max_payment_days"].rule_id)
    rule.description_en = "Changed"
    db.session.flush()
    assert failing["max_payment_days"].description_en != "Changed"


def test_request_changes_needs_a_comment_on_each_finding(ctx, db):
    contract = make_contract(payment_days=120)
    review = services.submit_contract(contract.owner, contract)
    officer = make_user(role="compliance")
    services.claim_review(officer, review)
    finding = next(r for r in review.results if not r.passed)
    with pytest.raises(DomainError) as refused:
        services.decide_review(officer, review, "request_changes", "", {})
    assert refused.value.field == f"finding-{finding.id}"
    services.decide_review(officer, review, "request_changes", "", {finding.id: "缩短到 60 天"})
    assert review.status == ReviewStatus.CHANGES_REQUESTED
    assert contract.status == ContractStatus.CHANGES_REQUESTED
    with pytest.raises(services.AttemptRefused) as again:
        services.decide_review(officer, review, "approve", "", {})
    assert again.value.action == "decision_refused"
    # The owner answers, fixes and resubmits: a new review of the new version.
    services.answer_finding(contract.owner, review, finding.id, "已改为 60 天")
    services.update_contract(contract.owner, contract, _same(contract, payment_days=60), None)
    second = services.submit_contract(contract.owner, contract)
    assert second.version_no == 2 and second.blocking == 0


def test_approval_over_a_blocking_finding_needs_its_waiver(ctx, db):
    contract = make_contract(payment_days=120, clauses=["confidentiality"])
    review = services.submit_contract(contract.owner, contract)
    officer = make_user(role="compliance")
    services.claim_review(officer, review)
    first, second = [r for r in review.results if r.blocks]
    for waivers in ({}, {first.id: "担保", second.id: "   "}):
        with pytest.raises(DomainError) as refused:
            services.decide_review(officer, review, "approve", "", {}, waivers=waivers)
        assert refused.value.field in (f"waiver-{first.id}", f"waiver-{second.id}")
        assert contract.status == ContractStatus.IN_REVIEW and first.waiver is None
    services.decide_review(
        officer, review, "approve", "", {}, waivers={first.id: "担保", second.id: "框架协议"}
    )
    assert contract.status == ContractStatus.APPROVED
    assert (first.waiver.reason, second.waiver.actor_id) == ("担保", officer.id)


def test_nobody_reviews_their_own_contract(ctx, db):
    manager = make_user(role="admin")
    contract = make_contract(owner=manager)
    review = services.submit_contract(manager, contract)
    with pytest.raises(services.AttemptRefused):
        services.claim_review(manager, review)
    officer = make_user(role="compliance")
    services.claim_review(officer, review)
    with pytest.raises(services.AttemptRefused):
        services.decide_review(manager, review, "approve", "", {})


def test_high_value_contract_needs_two_different_approvers(ctx, db):
    contract = make_contract(value=Decimal("2000000"))
    review = services.submit_contract(contract.owner, contract)
    assert review.needs_two
    first = make_user(role="compliance")
    services.claim_review(first, review)
    services.decide_review(first, review, "approve", "", {})
    assert review.status == ReviewStatus.QUEUED and contract.status == ContractStatus.SUBMITTED
    with pytest.raises(services.AttemptRefused):
        services.claim_review(first, review)
    second = make_user(role="compliance")
    services.claim_review(second, review)
    services.decide_review(second, review, "approve", "", {})
    assert review.status == ReviewStatus.APPROVED and contract.status == ContractStatus.APPROVED


def test_approval_belongs_to_one_version_and_gates_signing(ctx, db):
    contract = make_contract()
    deal = contract.deal
    tick_all(deal, deal.owner)
    missing = pipeline.missing_to_leave(deal, [deal.stage])
    assert any("contract" in m.message for m in missing)
    approve(contract)
    assert pipeline.missing_to_leave(deal, [deal.stage]) == []
    # A change after approval re-opens review: the gate closes again, signing is refused.
    services.update_contract(contract.owner, contract, _same(contract, payment_days=30), None)
    assert contract.status == ContractStatus.DRAFT
    assert pipeline.missing_to_leave(deal, [deal.stage])
    with pytest.raises(DomainError):
        services.sign_contract(contract.owner, contract)
    approve(contract)
    services.sign_contract(contract.owner, contract)
    assert contract.status == ContractStatus.SIGNED
    pipeline.win_deal(deal.owner, deal, closed_on=date(2026, 2, 1))


def test_change_while_in_review_supersedes_the_review(ctx, db):
    contract = make_contract()
    review = services.submit_contract(contract.owner, contract)
    services.add_attachment(contract.owner, contract, io.BytesIO(docx_bytes()), "terms.docx")
    assert review.status == ReviewStatus.SUPERSEDED and contract.status == ContractStatus.DRAFT
    officer = make_user(role="compliance")
    with pytest.raises(services.AttemptRefused):
        services.claim_review(officer, review)


def test_credit_over_the_limit_needs_a_manager_to_leave_signing(ctx, db):
    owner = make_user()
    account = make_account(owner=owner, credit_limit=Decimal("100000"), credit_currency="CNY")
    db.session.add(
        Order(
            account_id=account.id,
            ordered_on=date(2026, 1, 5),
            total=Decimal("70000"),
            base_total=Decimal("70000"),
            paid=False,
        )
    )
    deal = make_deal(owner, account=account, stage_key="signing")
    contract = make_contract(deal=deal, value=Decimal("50000"))
    review = approve(contract)
    failing = [r.kind for r in review.results if not r.passed]
    assert failing == ["credit_limit"]  # a warning: approval still possible
    exposure = credit.exposure(account)
    assert exposure.total == Decimal("120000.00") and exposure.over
    tick_all(deal, owner)
    missing = pipeline.missing_to_leave(deal, [deal.stage])
    assert [m.message for m in missing] == [
        "The account is over its credit limit: a manager must approve."
    ]
    with pytest.raises(services.AttemptRefused):
        services.approve_credit(owner, deal)
    services.approve_credit(make_user(role="manager"), deal)
    assert pipeline.missing_to_leave(deal, [deal.stage]) == []


def test_attachments_are_judged_by_content(ctx, db, monkeypatch, contract_dir):
    contract = make_contract()
    for data, name in ((EXE, "invoice.pdf"), (PDF, "scan.png"), (b"", "empty.pdf")):
        with pytest.raises(attachments.AttachmentRefused):
            services.add_attachment(contract.owner, contract, io.BytesIO(data), name)
    monkeypatch.setattr(attachments, "MAX_BYTES", 1000)
    with pytest.raises(attachments.AttachmentRefused):
        services.add_attachment(contract.owner, contract, io.BytesIO(PDF * 100), "big.pdf")
    assert list(contract_dir.iterdir()) == []  # refused files are not kept
    monkeypatch.undo()
    stored = services.add_attachment(
        contract.owner, contract, io.BytesIO(PDF), "../../etc/合同.pdf"
    )
    assert stored.filename == "合同.pdf" and stored.kind == "pdf" and len(stored.sha256) == 64
    assert (contract_dir / stored.stored_name).read_bytes() == PDF
    assert contract.version_no == 2


def test_rules_parameters_are_checked(ctx, db):
    officer = make_user(role="compliance")
    base = {
        "kind": "max_payment_days",
        "description_zh": "付款",
        "description_en": "Pay",
        "severity": "block",
    }
    for data, field in (
        ({**base, "limit": None}, "limit"),
        ({**base, "limit": Decimal("1.5")}, "limit"),
        ({**base, "kind": "required_clauses", "clauses": ["nope"]}, "clauses"),
        ({**base, "kind": "blocked_customers", "names": "  \n"}, "names"),
        ({**base, "description_zh": ""}, "description_zh"),
        ({**base, "kind": "unknown"}, "kind"),
    ):
        with pytest.raises(DomainError) as refused:
            services.create_rule(officer, data)
        assert refused.value.field == field
    rule = services.create_rule(officer, {**base, "limit": Decimal("30"), "active": True})
    assert rule.params == {"limit": "30"}


def test_blocked_customer_and_term_rules(ctx, db):
    owner = make_user()
    account = make_account(owner=owner, name="Blocked Trading Ltd.")
    deal = make_deal(owner, account=account, stage_key="signing")
    contract = make_contract(deal=deal, end_date=date(2030, 1, 1))
    review = services.submit_contract(owner, contract)
    assert {r.kind for r in review.results if not r.passed} == {"blocked_customers", "max_term"}


def test_dashboard_figures_come_from_sql(ctx, db):
    officer = make_user(role="compliance")
    approve(make_contract(), officer)
    waiting = make_contract(payment_days=200)
    services.submit_contract(waiting.owner, waiting)
    stats = reports.dashboard_stats()
    assert stats.queue >= 1 and stats.decided >= 1 and stats.approval_rate is not None
    assert stats.median_hours is not None
    assert any(en.startswith("Payment within") for _zh, en, _n in stats.failing_rules)


def test_signing_gates_are_added_once(ctx, db):
    process = pipeline.default_process()
    number = process.current_version.number
    assert services.ensure_signing_gates(make_user(role="admin")) is False
    assert process.current_version.number == number
    kinds = {c.kind for c in process.current_version.stage_by_key("signing").criteria}
    assert {"contract_approved", "credit_ok", "checklist"} <= kinds


def test_refused_attempts_leave_an_audit_row(ctx, db):
    contract = make_contract()
    review = services.submit_contract(contract.owner, contract)
    services.record_attempt(contract.owner, review, "claim_refused", "own contract")
    rows = db.session.scalar(
        select(func.count()).select_from(AuditLog).where(AuditLog.action == "claim_refused")
    )
    assert rows == 1


def test_risk_score_and_links(ctx, db):
    officer = make_user(role="compliance")
    contract = make_contract()
    data = {
        "title": "T",
        "category": "credit",
        "likelihood": 4,
        "impact": 5,
        "status": "open",
        "next_review_on": date.today() - timedelta(days=1),
    }
    risk = services.create_risk(officer, data, officer, {"contract": contract})
    assert risk.score == 20 and risk.deal_id == contract.deal_id
    assert risk.account_id == contract.account_id and risk.is_overdue()
    with pytest.raises(DomainError) as refused:
        services.create_risk(officer, {**data, "impact": 6}, officer, {})
    assert refused.value.field == "impact"
    assert services.open_risks_for(account=contract.account_id) == [risk]


def test_taking_a_review_is_its_own_action_not_a_pool_claim(ctx, db):
    from flask_babel import force_locale

    from salesweb.core import history

    officer = make_user(role="compliance")
    contract = make_contract()
    review = services.submit_contract(contract.owner, contract)
    services.claim_review(officer, review)
    rows = db.session.scalars(
        select(AuditLog).where(
            AuditLog.record_type == "contract_reviews", AuditLog.record_id == str(review.id)
        )
    ).all()
    assert [r.action for r in rows if r.action != "create"] == ["review_claim"]
    with force_locale("zh_CN"):
        entries = history.record_history("contract_reviews", review.id)
        (entry,) = [e for e in entries if e.row.action == "review_claim"]
        assert entry.action == "领取了审核"
        reviewer = next(c for c in entry.changes if c.field == "claimed_by_id")
        assert reviewer.new.text == officer.display_name


def test_contract_history_names_clauses_and_formats_money(ctx, db):
    from flask_babel import force_locale

    from salesweb.core import history

    contract = make_contract(clauses=["confidentiality", "termination"])
    legacy = AuditLog(
        action="update",
        record_type="contracts",
        record_id=str(contract.id),
        changes={"clauses": ["['penalty']", "['confidentiality', 'termination']"]},
    )
    db.session.add(legacy)
    db.session.flush()
    with force_locale("zh_CN"):
        entries = history.record_history("contracts", contract.id)
    created = next(e for e in entries if e.row.action == "create")
    changes = {c.field: c.new.text for c in created.changes}
    assert changes["clauses"] == "保密、终止"
    assert changes["value"] == "¥50,000.00"
    assert changes["auto_renew"] == "否"
    (old_row,) = [e for e in entries if e.row.id == legacy.id]
    assert (old_row.changes[0].old.text, old_row.changes[0].new.text) == ("违约金", "保密、终止")
