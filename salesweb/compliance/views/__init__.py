"""The compliance area's views, one module per subject, and the loaders they share."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user

from salesweb.compliance import services
from salesweb.compliance.models import Contract, ContractAttachment, Review, Risk
from salesweb.compliance.permissions import can_view_contract, can_view_risk
from salesweb.core.errors import DomainError
from salesweb.extensions import db


def contract_or_404(contract_id: int) -> Contract:
    """The contract, or 404 when it does not exist or is not the user's to see (no leak)."""
    contract = db.session.get(Contract, contract_id)
    if contract is None or not can_view_contract(current_user, contract):
        abort(404)
    return contract


def review_or_404(review_id: int) -> Review:
    review = db.session.get(Review, review_id)
    if review is None or not can_view_contract(current_user, review.contract):
        abort(404)
    return review


def attachment_or_404(attachment_id: int) -> ContractAttachment:
    attachment = db.session.get(ContractAttachment, attachment_id)
    if attachment is None:
        abort(404)
    contract_or_404(attachment.contract_id)
    return attachment


def risk_or_404(risk_id: int) -> Risk:
    risk = db.session.get(Risk, risk_id)
    if risk is None or not can_view_risk(current_user, risk):
        abort(404)
    return risk


def roll_back_refused(subject: Any, exc: DomainError) -> None:
    """After a refusal: undo the request's work; a refused attempt (a decision on a decided
    review, approving one's own contract...) still leaves its audit row on `subject`."""
    db.session.rollback()
    if isinstance(exc, services.AttemptRefused):
        services.record_attempt(current_user, subject, exc.action, exc.message)
        db.session.commit()


def template_globals() -> dict[str, Any]:
    from salesweb.compliance import rules
    from salesweb.compliance.models import (
        CLAUSES,
        CONTRACT_STATUS_LABELS,
        RISK_CATEGORIES,
        RISK_STATUS_LABELS,
        SEVERITY_LABELS,
        Risk,
    )
    from salesweb.compliance.permissions import TEMPLATE_PERMISSIONS

    return {
        **TEMPLATE_PERMISSIONS,
        "finding_message": rules.message,
        "clause_labels": CLAUSES,
        "clause_names": rules.clause_names,
        "contract_status_labels": CONTRACT_STATUS_LABELS,
        "risk_categories": RISK_CATEGORIES,
        "risk_status_labels": RISK_STATUS_LABELS,
        "severity_labels": SEVERITY_LABELS,
        "risk_level_of": Risk.level_of,
    }


def register_views() -> None:
    from salesweb.compliance.views import contracts, reviews, risks, rules, workbench  # noqa: F401
