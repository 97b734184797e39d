"""Use cases of contracts, compliance review, rules, credit approvals and risks.
Services flush and never commit."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import IO, Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from salesweb.auth.models import Role, User
from salesweb.compliance import rules
from salesweb.compliance.models import (
    CLAUSES,
    EDITABLE,
    LIVE_RISK,
    MAX_PAYMENT_TERMS,
    RISK_CATEGORIES,
    CommentKind,
    Contract,
    ContractAttachment,
    ContractStatus,
    ContractVersion,
    Decision,
    FindingWaiver,
    Review,
    ReviewComment,
    ReviewDecision,
    ReviewStatus,
    Risk,
    RiskStatus,
    Rule,
    RuleResult,
    Severity,
    WaiverKind,
)
from salesweb.compliance.permissions import is_credit_approver, is_party, is_reviewer
from salesweb.core import audit
from salesweb.core import files as attachments
from salesweb.core.errors import DomainError
from salesweb.core.models import check_version, utcnow
from salesweb.core.money import is_currency, to_base
from salesweb.extensions import db
from salesweb.pipeline.models import Deal, DealApproval, Quote
from salesweb.pipeline.services import quote_chain

audit.register_actions(
    {
        "submit": _l("submitted for review"),
        "review_claim": _l("took the review"),
        Decision.APPROVE: _l("approved"),
        Decision.REQUEST_CHANGES: _l("asked for changes"),
        Decision.REJECT: _l("rejected"),
        "sign": _l("signed"),
        "credit_approved": _l("approved credit over the limit"),
        "claim_refused": _l("refused: taking the review"),
        "decision_refused": _l("refused: deciding the review"),
        "decision_tampered": _l("refused: the form named another contract"),
        "answer_tampered": _l("refused: the form named another review's finding"),
        "credit_refused": _l("refused: approving credit"),
        "waive": _l("blocking finding waived"),
        "waiver_confirmed": _l("waiver confirmed by the second approver"),
    }
)
audit.register_event_fields(
    {
        "refused": _l("Why it was refused"),
        "by": _l("Attempted by"),
        "approval": _l("Approval"),
        "finding": _l("Finding"),
        "reason": _l("Why it is acceptable"),
    },
    {"approval": {"credit": _l("Credit over the limit")}},
)

# Rule kinds live in the rules registry, which the models do not import.
for _model in (Rule, RuleResult):
    _model.audit_choices = {
        **_model.audit_choices,
        "kind": {key: kind.label for key, kind in rules.KINDS.items()},
    }

REVIEW_SLA = timedelta(days=2)
MAX_PAYMENT_DAYS = 3650
TERM_FIELDS = (
    "title",
    "value",
    "currency",
    "discount_pct",
    "payment_days",
    "start_date",
    "end_date",
    "auto_renew",
    "governing_law",
    "clauses",
    "payment_terms",
)
# "30 days", "30天", "30日" in a quote's terms: the payment days a contract starts from.
PAYMENT_DAYS = re.compile(r"(\d{1,4})\s*(?:天|日|days?\b)", re.IGNORECASE)


class AttemptRefused(DomainError):
    """A refusal that is an attempt worth recording (the view writes the audit row after the
    rollback, so the row survives while nothing else changes)."""

    def __init__(self, message: str, action: str, field: str | None = None) -> None:
        super().__init__(message, field)
        self.action = action


def record_attempt(actor: User, obj: Any, action: str, message: str) -> None:
    """Write the audit row of a refused attempt (decision on a decided review, own approval...)."""
    audit.log_event(action, obj, {"refused": [None, message[:300]], "by": [None, actor.email]})
    db.session.flush()


# --- contracts -------------------------------------------------------------------------------


def terms_of(contract: Contract) -> dict[str, Any]:
    """The contract's terms as plain, comparable values (what a version freezes)."""
    return {
        "number": contract.number,
        "title": contract.title,
        "account": contract.account.name if contract.account else "",
        "value": str(contract.value),
        "currency": contract.currency,
        "base_value": str(contract.base_value),
        "discount_pct": str(contract.discount_pct),
        "payment_days": contract.payment_days,
        "start_date": contract.start_date.isoformat(),
        "end_date": contract.end_date.isoformat(),
        "auto_renew": bool(contract.auto_renew),
        "governing_law": contract.governing_law,
        "clauses": sorted(contract.clauses or []),
        "payment_terms": contract.payment_terms or "",
        **_quote_terms(contract.quote),
    }


def _quote_terms(quote: Quote | None) -> dict[str, Any]:
    """The accepted quote a contract was made from, with its lines: part of what a version
    freezes and a review approves."""
    if quote is None:
        return {}
    return {
        "quote": quote.audit_label,
        "lines": [
            {
                "product": line.product.name,
                "description": line.description,
                "quantity": str(line.quantity),
                "unit_price": str(line.unit_price),
                "discount_pct": str(line.discount_pct),
                "line_total": str(line.line_total),
            }
            for line in quote.lines
        ],
        "tax": str(quote.tax),
        "quote_total": str(quote.total),
        "quote_currency": quote.currency,
    }


def digest_of(terms: dict[str, Any], files: list[ContractAttachment]) -> str:
    """SHA-256 over the terms and the files' own hashes: names one exact version."""
    payload = {"terms": terms, "files": sorted(f.sha256 for f in files)}
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()


def latest_version(contract: Contract) -> ContractVersion | None:
    """The contract's newest frozen version."""
    return db.session.scalar(
        select(ContractVersion).where(
            ContractVersion.contract_id == contract.id,
            ContractVersion.number == contract.version_no,
        )
    )


def files_of(version: ContractVersion | None) -> list[ContractAttachment]:
    """The files that make up one version."""
    if version is None or not version.attachment_ids:
        return []
    return list(
        db.session.scalars(
            select(ContractAttachment)
            .where(ContractAttachment.id.in_(version.attachment_ids))
            .order_by(ContractAttachment.id)
        )
    )


def _snapshot(
    actor: User | None, contract: Contract, files: list[ContractAttachment], note: str
) -> ContractVersion:
    terms = terms_of(contract)
    version = ContractVersion(
        contract_id=contract.id,
        number=contract.version_no,
        terms=terms,
        attachment_ids=[f.id for f in files],
        digest=digest_of(terms, files),
        note=note[:300],
        created_by_id=actor.id if actor else None,
    )
    db.session.add(version)
    db.session.flush()
    return version


def _next_number() -> str:
    year = utcnow().year
    prefix = f"HT-{year}-"
    count = db.session.scalar(
        select(func.count()).select_from(Contract).where(Contract.number.like(f"{prefix}%"))
    )
    return f"{prefix}{(count or 0) + 1:04d}"


def _check_terms(data: dict[str, Any]) -> None:
    if not (data.get("title") or "").strip():
        raise DomainError(_("Give the contract a title."), field="title")
    value = data.get("value")
    if value is None or value <= 0:
        raise DomainError(_("The value must be more than zero."), field="value")
    if not is_currency(data.get("currency")):
        raise DomainError(_("Choose a currency from the list."), field="currency")
    discount = data.get("discount_pct") or Decimal("0")
    if discount < 0 or discount > 100:
        raise DomainError(_("A discount is between 0 and 100 %."), field="discount_pct")
    days = data.get("payment_days")
    if days is None or days < 0 or days > MAX_PAYMENT_DAYS:
        raise DomainError(_("Payment terms are between 0 and 3650 days."), field="payment_days")
    if data.get("start_date") is None:
        raise DomainError(_("Give the start date."), field="start_date")
    if data.get("end_date") is None or data["end_date"] <= data["start_date"]:
        raise DomainError(_("The end date comes after the start date."), field="end_date")
    if len(data.get("payment_terms") or "") > MAX_PAYMENT_TERMS:
        raise DomainError(
            _("Keep the payment terms under %(n)d characters.", n=MAX_PAYMENT_TERMS),
            field="payment_terms",
        )
    unknown = [c for c in data.get("clauses") or [] if c not in CLAUSES]
    if unknown:
        raise DomainError(_("Choose clauses from the list."), field="clauses")


def _apply_terms(contract: Contract, data: dict[str, Any]) -> None:
    contract.title = data["title"].strip()[:200]
    contract.value = Decimal(data["value"]).quantize(Decimal("0.01"))
    contract.currency = data["currency"].upper()
    contract.discount_pct = Decimal(data.get("discount_pct") or 0).quantize(Decimal("0.01"))
    contract.payment_days = int(data["payment_days"])
    contract.start_date, contract.end_date = data["start_date"], data["end_date"]
    contract.auto_renew = bool(data.get("auto_renew"))
    contract.governing_law = (data.get("governing_law") or "").strip()[:120]
    contract.clauses = sorted(set(data.get("clauses") or []))
    contract.payment_terms = (data.get("payment_terms") or "").strip()
    try:
        contract.base_value = to_base(
            contract.value, contract.currency, contract.start_date
        ).base_amount
    except DomainError as exc:
        raise DomainError(exc.message, field="currency") from exc
    contract.search_text = f"{contract.number} {contract.title}".lower()[:500]


def prefill_from_deal(deal: Deal) -> dict[str, Any]:
    """What a new contract for the deal starts from: the accepted quote's total, currency,
    largest discount and payment terms when there is one, else the deal's amount."""
    data: dict[str, Any] = {"title": deal.title, "value": deal.amount, "currency": deal.currency}
    quote = quote_chain.accepted_quote(deal)
    if quote is not None:
        found = PAYMENT_DAYS.search(quote.terms or "")
        data.update(
            value=quote.total,
            currency=quote.currency,
            discount_pct=quote.max_discount,
            payment_terms=quote.terms,
        )
        if found and int(found.group(1)) <= MAX_PAYMENT_DAYS:
            data["payment_days"] = int(found.group(1))
    return data


def create_contract(actor: User, deal: Deal, data: dict[str, Any]) -> Contract:
    """A draft contract for a deal's account, made from the deal's accepted quote (its lines
    are the contract's); its first version is frozen at once."""
    if deal.account is None:
        raise DomainError(_("The deal has no account: add one to the deal first."), field="deal_id")
    _check_terms(data)
    quote = quote_chain.accepted_quote(deal)
    contract = Contract(
        number=_next_number(),
        account_id=deal.account_id,
        account=deal.account,
        deal_id=deal.id,
        owner_id=deal.owner_id,
        status=ContractStatus.DRAFT,
        version_no=1,
        quote_id=quote.id if quote else None,
        quote=quote,
    )
    _apply_terms(contract, data)
    db.session.add(contract)
    db.session.flush()
    _snapshot(actor, contract, [], _("First version"))
    return contract


def _reopen(contract: Contract) -> None:
    """A change after submission or approval: open reviews are superseded, review starts over."""
    for review in db.session.scalars(
        select(Review).where(
            Review.contract_id == contract.id,
            Review.status.in_([ReviewStatus.QUEUED, ReviewStatus.IN_REVIEW]),
        )
    ):
        review.status = ReviewStatus.SUPERSEDED
        review.decided_at = utcnow()
    if contract.status in (
        ContractStatus.SUBMITTED,
        ContractStatus.IN_REVIEW,
        ContractStatus.APPROVED,
    ):
        contract.status = ContractStatus.DRAFT


def _check_editable(contract: Contract) -> None:
    if contract.status not in EDITABLE:
        raise DomainError(
            _("A %(status)s contract cannot be changed.", status=contract.status_label)
        )


def update_contract(
    actor: User, contract: Contract, data: dict[str, Any], version: int | None, note: str = ""
) -> Contract:
    """Change the terms: a new version; an earlier submission or approval no longer counts."""
    check_version(contract, version)
    _check_editable(contract)
    _check_terms(data)
    before = terms_of(contract)
    _apply_terms(contract, data)
    if terms_of(contract) == before:
        return contract
    files = files_of(latest_version(contract))
    contract.version_no += 1
    _reopen(contract)
    db.session.flush()
    _snapshot(actor, contract, files, note or _("Terms changed"))
    return contract


def add_attachment(
    actor: User, contract: Contract, stream: IO[bytes], filename: str
) -> ContractAttachment:
    """Store a checked file and freeze a new version that includes it."""
    _check_editable(contract)
    stored = attachments.store(stream, filename)
    attachment = ContractAttachment(
        contract_id=contract.id, uploaded_by_id=actor.id, **stored.record_fields()
    )
    db.session.add(attachment)
    db.session.flush()
    files = [*files_of(latest_version(contract)), attachment]
    contract.version_no += 1
    _reopen(contract)
    db.session.flush()
    _snapshot(actor, contract, files, _("File added: %(name)s", name=stored.filename))
    return attachment


def remove_attachment(actor: User, contract: Contract, attachment: ContractAttachment) -> None:
    """A new version without the file; earlier versions keep it."""
    _check_editable(contract)
    files = files_of(latest_version(contract))
    if attachment.id not in {f.id for f in files}:
        raise DomainError(_("This file is not part of the current version."))
    contract.version_no += 1
    _reopen(contract)
    db.session.flush()
    _snapshot(
        actor,
        contract,
        [f for f in files if f.id != attachment.id],
        _("File removed: %(name)s", name=attachment.filename),
    )


def active_rules() -> list[Rule]:
    """The rules a submission is checked against now."""
    return list(db.session.scalars(select(Rule).where(Rule.active.is_(True)).order_by(Rule.id)))


def submit_contract(actor: User, contract: Contract, at: datetime | None = None) -> Review:
    """Run the active rules on the current version and put it in the review queue."""
    if contract.status not in (ContractStatus.DRAFT, ContractStatus.CHANGES_REQUESTED):
        raise DomainError(
            _("A %(status)s contract cannot be submitted.", status=contract.status_label)
        )
    version = latest_version(contract)
    if version is None:
        raise DomainError(_("This contract has no version to submit."))
    review = Review(
        contract_id=contract.id,
        version_id=version.id,
        version_no=version.number,
        digest=version.digest,
        submitted_by_id=actor.id,
        submitted_at=at or utcnow(),
        status=ReviewStatus.QUEUED,
    )
    outcomes = []
    for rule in active_rules():
        kind = rules.KINDS.get(rule.kind)
        if kind is None:
            continue
        outcomes.append((rule, kind.evaluate(contract, rule.params or {})))
    failing = [(r, o) for r, o in outcomes if not o.passed]
    review.blocking = sum(1 for r, _o in failing if r.severity == Severity.BLOCK)
    review.warnings = len(failing) - review.blocking
    review.severity = 2 if review.blocking else (1 if review.warnings else 0)
    review.needs_two = any(r.kind == "second_reviewer" for r, _o in failing)
    db.session.add(review)
    db.session.flush()
    for position, (rule, outcome) in enumerate(outcomes):
        db.session.add(
            RuleResult(
                review_id=review.id,
                rule_id=rule.id,
                position=position,
                kind=rule.kind,
                severity=rule.severity,
                passed=outcome.passed,
                description_zh=rule.description_zh,
                description_en=rule.description_en,
                details=outcome.details,
            )
        )
    contract.status = ContractStatus.SUBMITTED
    audit.name_change(contract, "submit")
    audit.log_event(
        "submit", contract, {"version": [None, version.number], "digest": [None, version.digest]}
    )
    db.session.flush()
    return review


def _approvers(review: Review) -> set[int]:
    return set(
        db.session.scalars(
            select(ReviewDecision.decided_by_id).where(
                ReviewDecision.review_id == review.id,
                ReviewDecision.decision == Decision.APPROVE,
            )
        )
    )


def claim_review(actor: User, review: Review) -> Review:
    """A compliance officer takes a waiting review from the queue."""
    if not is_reviewer(actor):
        raise DomainError(_("Only compliance officers review contracts."))
    if is_party(actor, review):
        raise AttemptRefused(
            _("You own or submitted this contract: someone else must review it."), "claim_refused"
        )
    if review.status != ReviewStatus.QUEUED:
        raise AttemptRefused(_("This review is not waiting in the queue."), "claim_refused")
    if actor.id in _approvers(review):
        raise AttemptRefused(
            _("You approved this version already: a second, different approver is needed."),
            "claim_refused",
        )
    review.status = ReviewStatus.IN_REVIEW
    review.claimed_by_id, review.claimed_at = actor.id, utcnow()
    review.contract.status = ContractStatus.IN_REVIEW
    audit.name_change(review, "review_claim")
    db.session.flush()
    return review


def decide_review(
    actor: User,
    review: Review,
    decision: str,
    comment: str,
    finding_comments: dict[int, str],
    *,
    contract_id: int | None = None,
    version_no: int | None = None,
    waivers: dict[int, str] | None = None,
    confirm_waivers: bool = False,
) -> ReviewDecision:
    """Approve (a waiver for each blocking finding), request changes (a comment on each finding)
    or reject one contract version."""
    contract = review.contract
    if contract_id is not None and contract_id != contract.id:
        raise AttemptRefused(_("The form names another contract."), "decision_tampered")
    if review.status not in (ReviewStatus.QUEUED, ReviewStatus.IN_REVIEW):
        raise AttemptRefused(_("This review is already decided."), "decision_refused")
    if not is_reviewer(actor):
        raise AttemptRefused(_("Only compliance officers review contracts."), "decision_refused")
    if is_party(actor, review):
        raise AttemptRefused(
            _("Nobody approves a contract they own or submitted."), "decision_refused"
        )
    if review.claimed_by_id != actor.id:
        raise AttemptRefused(_("Claim the review from the queue first."), "decision_refused")
    if version_no is not None and version_no != review.version_no:
        raise AttemptRefused(
            _("The contract changed since this page was opened. Reload it."), "decision_refused"
        )
    if contract.version_no != review.version_no:
        raise AttemptRefused(_("This version is no longer current."), "decision_refused")
    if decision not in {d.value for d in Decision}:
        raise DomainError(_("Choose a decision."), field="decision")
    comment = (comment or "").strip()
    findings = [r for r in review.results if not r.passed]
    if decision == Decision.REQUEST_CHANGES:
        if not findings and not comment:
            raise DomainError(_("Say what must change."), field="comment")
        for result in findings:
            if not (finding_comments.get(result.id) or "").strip():
                raise DomainError(_("Comment on every finding."), field=f"finding-{result.id}")
    if decision == Decision.REJECT and not comment:
        raise DomainError(_("Say why the contract is rejected."), field="comment")
    if decision == Decision.APPROVE and actor.id in _approvers(review):
        raise AttemptRefused(
            _("A second approval must come from a different person."), "decision_refused"
        )
    if decision == Decision.APPROVE:
        _waive_blocking(actor, review, waivers or {}, confirm_waivers)
    for result in findings:
        text = (finding_comments.get(result.id) or "").strip()
        if text:
            db.session.add(
                ReviewComment(
                    review_id=review.id,
                    result_id=result.id,
                    author_id=actor.id,
                    kind=CommentKind.FINDING,
                    body=text[:4000],
                )
            )
    record = ReviewDecision(
        review_id=review.id,
        decided_by_id=actor.id,
        decision=decision,
        comment=comment[:4000],
        digest=review.digest,
    )
    db.session.add(record)
    now = utcnow()
    if decision == Decision.APPROVE:
        review.approvals += 1
        if review.needs_two and review.approvals < 2:
            # Back to the queue for the second approver; the first may not take it again.
            review.status = ReviewStatus.QUEUED
            review.claimed_by_id, review.claimed_at = None, None
            contract.status = ContractStatus.SUBMITTED
        else:
            review.status, review.decided_at = ReviewStatus.APPROVED, now
            contract.status = ContractStatus.APPROVED
    elif decision == Decision.REQUEST_CHANGES:
        review.status, review.decided_at = ReviewStatus.CHANGES_REQUESTED, now
        contract.status = ContractStatus.CHANGES_REQUESTED
    else:
        review.status, review.decided_at = ReviewStatus.REJECTED, now
        contract.status = ContractStatus.REJECTED
    audit.name_change(contract, decision)
    db.session.flush()
    return record


def _waive_blocking(actor: User, review: Review, waivers: dict[int, str], confirmed: bool) -> None:
    """Approving over blocking findings: each one not yet waived needs this approver's waiver with
    a reason; those the first approver waived need the second approver's confirmation."""
    blocking = [r for r in review.results if r.blocks]
    for result in blocking:
        if result.waiver is None and not (waivers.get(result.id) or "").strip():
            raise DomainError(
                _("Approving over this blocking finding needs a waiver: say why it is acceptable."),
                field=f"waiver-{result.id}",
            )
    if any(r.waiver for r in blocking) and not confirmed:
        raise DomainError(
            _("Read the waivers of the first approver and confirm them."), field="confirm_waivers"
        )
    for result in blocking:
        if result.waiver is None:
            kind, reason = WaiverKind.WAIVER, waivers[result.id].strip()[:4000]
        else:
            kind, reason = WaiverKind.CONFIRMATION, ""
        result.waivers.append(
            FindingWaiver(
                review_id=review.id,
                result_id=result.id,
                kind=kind,
                reason=reason,
                actor_id=actor.id,
            )
        )
        action = "waive" if kind == WaiverKind.WAIVER else "waiver_confirmed"
        changes = {"finding": [None, result.description_en]}
        if reason:
            changes["reason"] = [None, reason]
        audit.log_event(action, review, changes)


def answer_finding(actor: User, review: Review, result_id: int | None, body: str) -> ReviewComment:
    """The owner's answer to a finding (or to the review): a new comment, never an edit."""
    body = (body or "").strip()
    if not body:
        raise DomainError(_("Write an answer."), field="body")
    if result_id is not None and result_id not in {r.id for r in review.results}:
        raise AttemptRefused(_("The form names a finding of another review."), "answer_tampered")
    comment = ReviewComment(
        review_id=review.id,
        result_id=result_id,
        author_id=actor.id,
        kind=CommentKind.ANSWER,
        body=body[:4000],
    )
    db.session.add(comment)
    db.session.flush()
    return comment


def approved_review(contract: Contract) -> Review | None:
    """The approval of the contract's current version, if any."""
    return db.session.scalar(
        select(Review)
        .where(
            Review.contract_id == contract.id,
            Review.version_no == contract.version_no,
            Review.status == ReviewStatus.APPROVED,
        )
        .limit(1)
    )


def sign_contract(
    actor: User,
    contract: Contract,
    amount_choice: str | None = None,
    amount_reason: str = "",
) -> Contract:
    """Signed: only after the approval of exactly this version, and once the person chose
    between the deal's amount and its accepted quote's total where they differ."""
    if approved_review(contract) is None:
        raise DomainError(_("A contract can be signed only after its approval."))
    if contract.deal is not None:
        quote_chain.settle_amount(actor, contract.deal, amount_choice, amount_reason)
    contract.sign(actor)
    audit.name_change(contract, "sign")
    db.session.flush()
    return contract


def reviews_of(contract: Contract) -> list[Review]:
    """Every review of the contract, newest first."""
    return list(
        db.session.scalars(
            select(Review)
            .where(Review.contract_id == contract.id)
            .order_by(Review.submitted_at.desc(), Review.id.desc())
        )
    )


def comments_of(review: Review) -> list[ReviewComment]:
    """The review's comments, oldest first."""
    return list(
        db.session.scalars(
            select(ReviewComment)
            .where(ReviewComment.review_id == review.id)
            .order_by(ReviewComment.created_at, ReviewComment.id)
        )
    )


def decisions_of(review: Review) -> list[ReviewDecision]:
    """The decisions recorded on the review, oldest first."""
    return list(
        db.session.scalars(
            select(ReviewDecision)
            .where(ReviewDecision.review_id == review.id)
            .order_by(ReviewDecision.created_at, ReviewDecision.id)
        )
    )


def sla_due(review: Review) -> datetime:
    """When the review is due under the review SLA."""
    return review.submitted_at + REVIEW_SLA


# --- rules -----------------------------------------------------------------------------------


def _rule_data(data: dict[str, Any]) -> dict[str, Any]:
    zh, en = (data.get("description_zh") or "").strip(), (data.get("description_en") or "").strip()
    if not zh:
        raise DomainError(_("Describe the rule in Chinese."), field="description_zh")
    if not en:
        raise DomainError(_("Describe the rule in English."), field="description_en")
    if data.get("severity") not in {s.value for s in Severity}:
        raise DomainError(_("Choose a severity."), field="severity")
    params = rules.clean_params(
        data.get("kind", ""), data.get("limit"), data.get("clauses") or [], data.get("names") or ""
    )
    return {
        "kind": data["kind"],
        "description_zh": zh[:300],
        "description_en": en[:300],
        "severity": data["severity"],
        "active": bool(data.get("active")),
        "params": params,
    }


def create_rule(actor: User, data: dict[str, Any]) -> Rule:
    """A new rule; it applies to submissions from now on."""
    rule = Rule(**_rule_data(data))
    db.session.add(rule)
    db.session.flush()
    return rule


def update_rule(actor: User, rule: Rule, data: dict[str, Any], version: int | None) -> Rule:
    """Change a rule; results already given keep the texts they had."""
    check_version(rule, version)
    for key, value in _rule_data(data).items():
        setattr(rule, key, value)
    db.session.flush()
    return rule


# --- credit ----------------------------------------------------------------------------------


def approve_credit(actor: User, deal: Deal, comment: str = "") -> DealApproval:
    """A manager's approval for a deal whose account is over its credit limit, in this stage."""
    if not is_credit_approver(actor, deal):
        raise AttemptRefused(
            _("Credit over the limit needs a manager's approval."), "credit_refused"
        )
    approval = DealApproval(
        deal_id=deal.id,
        stage_id=deal.stage_id,
        role=Role.MANAGER,
        approved_by_id=actor.id,
        comment=(comment.strip() or _("Credit over the limit approved"))[:500],
    )
    db.session.add(approval)
    audit.log_event("credit_approved", deal, {"approval": [None, "credit"]})
    db.session.flush()
    return approval


# --- risks -----------------------------------------------------------------------------------


def _risk_data(data: dict[str, Any]) -> dict[str, Any]:
    if not (data.get("title") or "").strip():
        raise DomainError(_("Give the risk a title."), field="title")
    if data.get("category") not in RISK_CATEGORIES:
        raise DomainError(_("Choose a category."), field="category")
    for name in ("likelihood", "impact"):
        value = data.get(name)
        if value is None or not 1 <= int(value) <= 5:
            raise DomainError(_("Choose a value from 1 to 5."), field=name)
    if data.get("status") not in {s.value for s in RiskStatus}:
        raise DomainError(_("Choose a status."), field="status")
    return {
        "title": data["title"].strip()[:200],
        "category": data["category"],
        "description": (data.get("description") or "").strip(),
        "likelihood": int(data["likelihood"]),
        "impact": int(data["impact"]),
        "score": int(data["likelihood"]) * int(data["impact"]),
        "mitigation": (data.get("mitigation") or "").strip(),
        "status": data["status"],
        "next_review_on": data.get("next_review_on"),
    }


def create_risk(actor: User, data: dict[str, Any], owner: User, links: dict[str, Any]) -> Risk:
    """A risk in the register, linked to an account, deal or contract the actor may see."""
    risk = Risk(**_risk_data(data), owner_id=owner.id)
    _link(risk, links)
    db.session.add(risk)
    db.session.flush()
    return risk


def update_risk(
    actor: User,
    risk: Risk,
    data: dict[str, Any],
    owner: User,
    links: dict[str, Any],
    version: int | None,
) -> Risk:
    """Change a risk: score follows likelihood and impact."""
    check_version(risk, version)
    for key, value in _risk_data(data).items():
        setattr(risk, key, value)
    risk.owner_id = owner.id
    _link(risk, links)
    db.session.flush()
    return risk


def _link(risk: Risk, links: dict[str, Any]) -> None:
    account, deal, contract = links.get("account"), links.get("deal"), links.get("contract")
    if contract is not None:
        deal = deal or contract.deal
        account = account or contract.account
    if deal is not None and account is None:
        account = deal.account
    risk.account_id = account.id if account else None
    risk.deal_id = deal.id if deal else None
    risk.contract_id = contract.id if contract else None


def open_risks_for(**where: int) -> list[Risk]:
    """Live, not closed risks of an account, deal or contract, highest score first."""
    stmt = select(Risk).where(Risk.deleted_at.is_(None), Risk.status.in_(LIVE_RISK))
    for key, value in where.items():
        stmt = stmt.where(getattr(Risk, f"{key}_id") == value)
    return list(db.session.scalars(stmt.order_by(Risk.score.desc(), Risk.id).limit(20)))


# --- the stage gate in the default process ---------------------------------------------------


GATE_KINDS = ("contract_approved", "credit_ok")


def ensure_signing_gates(actor: Any) -> bool:
    """Add the contract and credit criteria to the default process's Signing stage (a new
    process version, once). True when a version was made."""
    from salesweb.pipeline import services as pipeline
    from salesweb.pipeline.services import StageSpec

    process = pipeline.default_process()
    if process is None or process.current_version is None:
        return False
    stage = process.current_version.stage_by_key("signing")
    if stage is None:
        return False
    present = {c.kind for c in stage.criteria}
    if all(kind in present for kind in GATE_KINDS):
        return False
    criteria = [(c.kind, dict(c.params or {})) for c in stage.criteria]
    criteria += [(kind, {}) for kind in GATE_KINDS if kind not in present]
    spec = StageSpec.of(stage, criteria=criteria)
    pipeline.edit_stage(
        actor, process, stage.key, spec, "Signing waits for an approved contract and credit"
    )
    return True
